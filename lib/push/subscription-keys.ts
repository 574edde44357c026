import { decodeBase64Flexible, encodeBase64url } from "./bytes";
import { failWith, succeed, type PushResult } from "./result";

/**
 * The keys of a push subscription (the browser's `PushSubscription.getKey()`, which Mastodon
 * receives as `subscription[keys][p256dh]` and `[auth]`): the user agent's ECDH P-256 public key
 * as an uncompressed point, and a 16-byte authentication secret (RFC 8291 §3).
 */
export interface SubscriptionKeyStrings {
  p256dh: string;
  auth: string;
}

/** Keys checked and ready for encryption. */
export interface SubscriptionKeys {
  /** The 65-byte uncompressed point (0x04 || x || y). */
  p256dh: Uint8Array;
  /** The same key imported for ECDH. */
  publicKey: CryptoKey;
  /** The 16-byte authentication secret. */
  auth: Uint8Array;
}

export const P256_POINT_BYTES = 65;
export const AUTH_SECRET_BYTES = 16;

/** Decodes and checks `p256dh`: 65 bytes, uncompressed (0x04), a point on P-256. */
export async function importP256dh(text: string): Promise<PushResult<{ raw: Uint8Array; key: CryptoKey }>> {
  const raw = decodeBase64Flexible(text.trim());
  if (!raw) return failWith("invalid_p256dh", "p256dh is not base64 or base64url");
  if (raw.length !== P256_POINT_BYTES) {
    return failWith("invalid_p256dh", `p256dh must be ${P256_POINT_BYTES} bytes, got ${raw.length}`);
  }
  if (raw[0] !== 0x04) return failWith("invalid_p256dh", "p256dh must be an uncompressed point (starting 0x04)");
  try {
    const key = await crypto.subtle.importKey("raw", raw, { name: "ECDH", namedCurve: "P-256" }, true, []);
    return succeed({ raw, key });
  } catch {
    return failWith("invalid_p256dh", "p256dh is not a point on the P-256 curve");
  }
}

/** Decodes and checks `auth`: exactly 16 bytes. */
export function decodeAuthSecret(text: string): PushResult<Uint8Array> {
  const raw = decodeBase64Flexible(text.trim());
  if (!raw) return failWith("invalid_auth", "auth is not base64 or base64url");
  if (raw.length !== AUTH_SECRET_BYTES) {
    return failWith("invalid_auth", `auth must be ${AUTH_SECRET_BYTES} bytes, got ${raw.length}`);
  }
  return succeed(raw);
}

/** Both keys, checked and imported. */
export async function importSubscriptionKeys(keys: SubscriptionKeyStrings): Promise<PushResult<SubscriptionKeys>> {
  if (typeof keys?.p256dh !== "string") return failWith("invalid_p256dh", "p256dh is missing");
  if (typeof keys.auth !== "string") return failWith("invalid_auth", "auth is missing");
  const point = await importP256dh(keys.p256dh);
  if (!point.ok) return point;
  const auth = decodeAuthSecret(keys.auth);
  if (!auth.ok) return auth;
  return succeed({ p256dh: point.value.raw, publicKey: point.value.key, auth: auth.value });
}

/**
 * Checks both keys and returns them in one canonical spelling (unpadded base64url), the form to
 * store: whatever alphabet a client used, the stored subscription is the same.
 */
export async function normalizeSubscriptionKeys(keys: SubscriptionKeyStrings): Promise<PushResult<SubscriptionKeyStrings>> {
  const imported = await importSubscriptionKeys(keys);
  if (!imported.ok) return imported;
  return succeed({ p256dh: encodeBase64url(imported.value.p256dh), auth: encodeBase64url(imported.value.auth) });
}
