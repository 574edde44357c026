import { type PublicKey, verifyBytes } from "./keys";

/**
 * What both signature schemes share: a request as received, the window of accepted clock skew,
 * and the "prepared" form (key id + exact bytes that were signed + signature) that is checked
 * against a key once the key is resolved. Preparing needs no I/O, so a malformed or incomplete
 * signature is refused before any key is fetched.
 */
export interface SignedRequestParts {
  method: string;
  /** The URL as the sender addressed it (scheme, host, path and query). */
  url: string;
  headers: Headers;
}

export interface PreparedSignature {
  scheme: "draft-cavage" | "rfc9421";
  keyId: string;
  /** Declared algorithm, normalized; "hs2019" means "whatever the key is". */
  algorithm: "rsa-sha256" | "hs2019" | "ed25519";
  /** The exact signing string / signature base. */
  data: Uint8Array;
  signature: Uint8Array;
  /** Which body digest the signature covers: the caller must check it against the body. */
  digest: "digest" | "content-digest" | null;
}

export type Prepared = { ok: true; value: PreparedSignature } | { ok: false; error: string };

/** Mastodon accepts a Date (or `created`) up to one hour away from its clock, either way. */
export const SIGNATURE_TIME_WINDOW_MS = 60 * 60 * 1000;

export const prepared = (value: PreparedSignature): Prepared => ({ ok: true, value });
export const refused = (error: string): Prepared => ({ ok: false, error });

export function withinWindow(atMs: number, nowMs: number): boolean {
  return Number.isFinite(atMs) && Math.abs(nowMs - atMs) <= SIGNATURE_TIME_WINDOW_MS;
}

export function hasBody(method: string): boolean {
  const m = method.toUpperCase();
  return m !== "GET" && m !== "HEAD";
}

/** Checks a prepared signature with a resolved key, honouring the declared algorithm. */
export async function verifyPrepared(p: PreparedSignature, key: PublicKey): Promise<boolean> {
  if (p.algorithm === "rsa-sha256" && key.kind !== "rsa") return false;
  if (p.algorithm === "ed25519" && key.kind !== "ed25519") return false;
  return verifyBytes(key, p.signature, p.data);
}

export const utf8 = (s: string) => new TextEncoder().encode(s);

export function decodeBase64(value: string): Uint8Array | null {
  const clean = value.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(clean)) return null;
  return binaryToBytes(atob(clean));
}

/** `atob` output as bytes. A plain loop: `Uint8Array.from` with a mapper is ~15× slower (every inbound signature). */
export function binaryToBytes(binary: string): Uint8Array {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
