import { encodeBase64url, utf8 } from "./bytes";
import type { ContentEncoding } from "./payload-size";
import { attempt, failWith, type PushResult } from "./result";
import type { VapidKeys } from "./vapid-keys";

/**
 * The VAPID token (RFC 8292 §2): a JWT signed with ES256 (the raw 64-byte r||s signature that
 * WebCrypto produces), claiming `aud` = the push service's origin, `exp` no more than 24 hours
 * ahead (we use 12) and `sub` = a contact for the operator (`mailto:` or an https URL).
 */
export const VAPID_TOKEN_LIFETIME_SECONDS = 12 * 60 * 60;

export interface VapidTokenInput {
  /** The push endpoint (any URL on the push service); its origin is the audience. */
  endpoint: string;
  subject: string;
  /** Milliseconds since the epoch; defaults to now. */
  now?: number;
}

export function isVapidSubject(subject: string): boolean {
  if (/^mailto:[^\s@]+@[^\s@]+$/.test(subject)) return true;
  try {
    const url = new URL(subject);
    return url.protocol === "https:" && url.host !== "" && !/\s/.test(subject);
  } catch {
    return false;
  }
}

function jsonPart(value: unknown): string {
  return encodeBase64url(utf8.encode(JSON.stringify(value)));
}

export async function createVapidToken(keys: VapidKeys, input: VapidTokenInput): Promise<PushResult<string>> {
  if (!isVapidSubject(input.subject)) return failWith("invalid_subject", "VAPID subject must be a mailto: address or an https: URL");
  let audience: string;
  try {
    audience = new URL(input.endpoint).origin;
  } catch {
    return failWith("invalid_endpoint", "push endpoint is not a URL");
  }
  const exp = Math.floor((input.now ?? Date.now()) / 1000) + VAPID_TOKEN_LIFETIME_SECONDS;
  const signingInput = `${jsonPart({ typ: "JWT", alg: "ES256" })}.${jsonPart({ aud: audience, exp, sub: input.subject })}`;
  return attempt("invalid_vapid_key", "could not sign the VAPID token", async () => {
    const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, keys.privateKey, utf8.encode(signingInput));
    return `${signingInput}.${encodeBase64url(signature)}`;
  });
}

/**
 * The authorization headers for each coding. `aes128gcm` uses RFC 8292's `vapid` scheme; `aesgcm`
 * uses the draft's `WebPush` scheme with the key as `p256ecdsa` in `Crypto-Key` (merged with the
 * `dh=` parameter by the request builder).
 */
export function vapidAuthorizationHeaders(encoding: ContentEncoding, token: string, publicKey: string): Record<string, string> {
  if (encoding === "aes128gcm") return { Authorization: `vapid t=${token}, k=${publicKey}` };
  return { Authorization: `WebPush ${token}`, "Crypto-Key": `p256ecdsa=${publicKey}` };
}
