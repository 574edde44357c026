import { base64 } from "../crypto";
import { parseDictionary, isInnerList } from "./structured-fields";
import { binaryToBytes } from "./signatures";

/**
 * Body digests of signed POSTs, checked before the body is parsed: `Digest: SHA-256=<b64>`
 * (draft-cavage, RFC 3230) and `Content-Digest: sha-256=:<b64>:` (RFC 9530, used with RFC 9421).
 */
export type DigestCheck = { ok: true } | { ok: false; error: string };

const ALGORITHMS: Record<string, "SHA-256" | "SHA-512"> = { "sha-256": "SHA-256", "sha-512": "SHA-512" };

async function hash(algorithm: "SHA-256" | "SHA-512", body: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(algorithm, body));
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

function decodeBase64(value: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return null;
  return binaryToBytes(atob(value));
}

/** `SHA-256=<base64>` for the `Digest` header. */
export async function digestHeader(body: Uint8Array): Promise<string> {
  return `SHA-256=${base64(await hash("SHA-256", body))}`;
}

/** `sha-256=:<base64>:` for the `Content-Digest` header. */
export async function contentDigestHeader(body: Uint8Array): Promise<string> {
  return `sha-256=:${base64(await hash("SHA-256", body))}:`;
}

/**
 * Checks a `Digest` header: every listed algorithm we know must match, and at least one must be
 * known (SHA-256 or SHA-512). Unknown ones (MD5, SHA) alone are a failure.
 */
export async function verifyDigestHeader(header: string, body: Uint8Array): Promise<DigestCheck> {
  let known = 0;
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) return { ok: false, error: "Malformed Digest header" };
    const algorithm = ALGORITHMS[part.slice(0, eq).trim().toLowerCase()];
    if (!algorithm) continue;
    const expected = decodeBase64(part.slice(eq + 1).trim());
    if (!expected) return { ok: false, error: "Malformed Digest header" };
    if (!equalBytes(expected, await hash(algorithm, body))) return { ok: false, error: "Digest does not match the body" };
    known++;
  }
  return known > 0 ? { ok: true } : { ok: false, error: "Digest header has no supported algorithm (SHA-256)" };
}

/** Checks a `Content-Digest` header (RFC 9530 dictionary of byte sequences). */
export async function verifyContentDigest(header: string, body: Uint8Array): Promise<DigestCheck> {
  const dict = parseDictionary(header);
  if (!dict || dict.size === 0) return { ok: false, error: "Malformed Content-Digest header" };
  let known = 0;
  for (const [name, member] of dict) {
    const algorithm = ALGORITHMS[name];
    if (!algorithm) continue;
    if (isInnerList(member) || !(member.value instanceof Uint8Array)) return { ok: false, error: "Malformed Content-Digest header" };
    if (!equalBytes(member.value, await hash(algorithm, body))) return { ok: false, error: "Content-Digest does not match the body" };
    known++;
  }
  return known > 0 ? { ok: true } : { ok: false, error: "Content-Digest header has no supported algorithm (sha-256)" };
}
