/**
 * Web Push for Pronghorn: pure functions over WebCrypto, no storage, routes or entities.
 *
 * Library choice. npm has two maintained WebCrypto Web Push senders that run on Workers, and
 * neither is used at run time:
 * - `@block65/webcrypto-web-push` (2.0.0) does RFC 8291 `aes128gcm` and RFC 8292 VAPID well, but
 *   not the legacy `aesgcm` coding Mastodon still needs, and it draws the salt and sender key
 *   inside, so the RFC 8291 example cannot be reproduced against it.
 * - `@pushforge/builder` (2.0.5) only emits `aesgcm` (with a `vapid` Authorization header, not the
 *   `WebPush` + `p256ecdsa` pair that Mastodon's iOS relay expects), accepts only JSON payloads,
 *   refuses TTLs over 24 h and ties the token's `exp` to the TTL.
 * Both codings share every primitive (ECDH, HKDF, AES-GCM), so once `aesgcm` is ours, RFC 8291
 * is some 40 more lines, and owning it lets the RFC's worked example pin the exact bytes we send.
 * Both libraries stay as devDependencies: the tests use them as independent senders, to check
 * that our test push service (and so our understanding of both codings) agrees with theirs.
 *
 * Layout: `subscription-keys` (p256dh/auth checks), `vapid-keys` and `vapid-token` (RFC 8292),
 * `content-crypto` (shared primitives), `aes128gcm` and `aesgcm` (the two codings), `encrypt`
 * (one entry for both), `payload-size` (the 4096-byte limit), `request` (the whole request).
 */
export type { PushErrorCode, PushFailure, PushResult } from "./result";
export {
  importSubscriptionKeys,
  normalizeSubscriptionKeys,
  type SubscriptionKeys,
  type SubscriptionKeyStrings,
} from "./subscription-keys";
export {
  exportVapidJwk,
  exportVapidRaw,
  generateVapidKeys,
  importVapidJwk,
  importVapidRaw,
  mastodonVapidKey,
  type RawVapidKeys,
  type VapidKeys,
} from "./vapid-keys";
export { createVapidToken, isVapidSubject, VAPID_TOKEN_LIFETIME_SECONDS, vapidAuthorizationHeaders } from "./vapid-token";
export { encryptPayload, type EncryptedContent } from "./encrypt";
export {
  fitJsonPayload,
  isContentEncoding,
  MAX_PUSH_BODY_BYTES,
  maxPlaintextBytes,
  truncateUtf8,
  type ContentEncoding,
} from "./payload-size";
export { buildPushRequest, type PushRequest, type PushRequestInput, type Urgency } from "./request";
