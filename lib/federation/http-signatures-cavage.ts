import { base64 } from "../crypto";
import { signRsa } from "./keys";
import {
  decodeBase64,
  hasBody,
  prepared,
  refused,
  utf8,
  withinWindow,
  type Prepared,
  type SignedRequestParts,
} from "./signatures";

/**
 * draft-cavage-http-signatures-12, as Mastodon speaks it: a `Signature` header with keyId,
 * algorithm (rsa-sha256 or hs2019, both RSASSA-PKCS1-v1_5 + SHA-256 for RSA keys), the list of
 * covered headers in signing order, and the base64 signature.
 */
export interface CavageParams {
  keyId: string;
  algorithm: string;
  headers: string[];
  signature: string;
  created?: number;
  expires?: number;
}

/** Parses `keyId="...",algorithm="...",headers="...",signature="..."`; null if malformed. */
export function parseCavageHeader(value: string): CavageParams | null {
  const params = new Map<string, string>();
  const re = /\s*([A-Za-z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/y;
  let pos = 0;
  const text = value.trim();
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m || m[0].length === 0) return null;
    const name = m[1];
    if (params.has(name)) return null;
    params.set(name, m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]);
    pos = re.lastIndex;
  }
  const keyId = params.get("keyId");
  const signature = params.get("signature");
  if (!keyId || !signature) return null;
  const intParam = (name: string): number | undefined | null => {
    const raw = params.get(name);
    if (raw === undefined) return undefined;
    return /^\d{1,12}$/.test(raw) ? Number(raw) : null;
  };
  const created = intParam("created");
  const expires = intParam("expires");
  if (created === null || expires === null) return null;
  const headers = (params.get("headers") ?? "date").trim().toLowerCase().split(/\s+/).filter(Boolean);
  return { keyId, algorithm: (params.get("algorithm") ?? "hs2019").toLowerCase(), headers, signature, created, expires };
}

/** The `Signature` header (or the legacy `Authorization: Signature ...`) of a request. */
export function cavageHeaderOf(headers: Headers): string | null {
  const sig = headers.get("signature");
  if (sig) return sig;
  const auth = headers.get("authorization");
  return auth && /^signature\s+/i.test(auth) ? auth.replace(/^signature\s+/i, "") : null;
}

function requestTarget(method: string, url: URL): string {
  return `${method.toLowerCase()} ${url.pathname}${url.search}`;
}

/** The signing string for the given header list; null if a covered header is missing. */
export function cavageSigningString(
  req: SignedRequestParts,
  headerNames: string[],
  params: { created?: number; expires?: number } = {},
): string | null {
  const url = new URL(req.url);
  const lines: string[] = [];
  for (const name of headerNames) {
    if (name === "(request-target)") lines.push(`(request-target): ${requestTarget(req.method, url)}`);
    else if (name === "(created)") {
      if (params.created === undefined) return null;
      lines.push(`(created): ${params.created}`);
    } else if (name === "(expires)") {
      if (params.expires === undefined) return null;
      lines.push(`(expires): ${params.expires}`);
    } else {
      const value = name === "host" ? req.headers.get("host") ?? url.host : req.headers.get(name);
      if (value === null) return null;
      lines.push(`${name}: ${value.trim()}`);
    }
  }
  return lines.join("\n");
}

/**
 * Checks what the signature covers and its time, and builds the bytes to verify. A POST must
 * cover (request-target), host, date (or `(created)`) and digest; a GET (request-target), host
 * and date (or `(created)`). The Date (or created) must be within an hour of `now`.
 */
export function prepareCavage(req: SignedRequestParts, now: number): Prepared {
  const header = cavageHeaderOf(req.headers);
  if (!header) return refused("Missing Signature header");
  const p = parseCavageHeader(header);
  if (!p) return refused("Malformed Signature header");
  if (p.algorithm !== "rsa-sha256" && p.algorithm !== "hs2019") return refused(`Unsupported signature algorithm ${p.algorithm}`);
  const covered = new Set(p.headers);
  if (covered.size !== p.headers.length) return refused("Signature covers a header twice");
  const required = ["(request-target)", "host"];
  if (hasBody(req.method)) required.push("digest");
  for (const name of required) if (!covered.has(name)) return refused(`Signature must cover ${name}`);
  if (!covered.has("date") && !covered.has("(created)")) return refused("Signature must cover date");
  if (covered.has("date")) {
    const date = req.headers.get("date");
    if (!date) return refused("Missing Date header");
    if (!withinWindow(Date.parse(date), now)) return refused("Date is outside the accepted window (one hour)");
  }
  if (covered.has("(created)")) {
    if (p.created === undefined || !withinWindow(p.created * 1000, now)) return refused("Signature created time is outside the accepted window");
  }
  if (p.expires !== undefined && p.expires * 1000 < now) return refused("Signature has expired");
  const signingString = cavageSigningString(req, p.headers, p);
  if (signingString === null) return refused("A header covered by the signature is missing");
  const signature = decodeBase64(p.signature);
  if (!signature) return refused("Malformed signature value");
  return prepared({
    scheme: "draft-cavage",
    keyId: p.keyId,
    algorithm: p.algorithm === "rsa-sha256" ? "rsa-sha256" : "hs2019",
    data: utf8(signingString),
    signature,
    digest: covered.has("digest") ? "digest" : null,
  });
}

/** Signs a request with the given covered headers (lower case); returns the `Signature` value. */
export async function signCavage(
  privateKey: CryptoKey,
  keyId: string,
  req: SignedRequestParts,
  headerNames: string[],
): Promise<string> {
  const signingString = cavageSigningString(req, headerNames);
  if (signingString === null) throw new Error("a header to sign is missing");
  const signature = base64(await signRsa(privateKey, utf8(signingString)));
  return `keyId="${keyId}",algorithm="rsa-sha256",headers="${headerNames.join(" ")}",signature="${signature}"`;
}

/** What an object needs to sign an outgoing request without ever handing out its key. */
export interface OutgoingSignatureInput {
  method: "GET" | "POST";
  url: string;
  keyId: string;
  /** POST: the `Digest` header value of the body (`SHA-256=...`). */
  digest?: string;
  /** POST: defaults to application/activity+json. */
  contentType?: string;
  /** GET: defaults to the ActivityStreams types. */
  accept?: string;
}

export const AS2_CONTENT_TYPE = "application/activity+json";
export const AS2_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"';

/**
 * The headers of a signed outgoing request, Mastodon's way: POST signs
 * `(request-target) host date digest content-type`, GET signs `(request-target) host date accept`.
 */
export async function signedRequestHeaders(
  privateKey: CryptoKey,
  input: OutgoingSignatureInput,
  now = Date.now(),
): Promise<Record<string, string>> {
  const url = new URL(input.url);
  const out: Record<string, string> = { host: url.host, date: new Date(now).toUTCString() };
  let names: string[];
  if (input.method === "POST") {
    if (!input.digest) throw new Error("a POST needs the digest of its body");
    out.digest = input.digest;
    out["content-type"] = input.contentType ?? AS2_CONTENT_TYPE;
    names = ["(request-target)", "host", "date", "digest", "content-type"];
  } else {
    out.accept = input.accept ?? AS2_ACCEPT;
    names = ["(request-target)", "host", "date", "accept"];
  }
  out.signature = await signCavage(privateKey, input.keyId, { method: input.method, url: input.url, headers: new Headers(out) }, names);
  return out;
}
