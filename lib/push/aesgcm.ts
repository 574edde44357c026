import { uintBytes, utf8 } from "./bytes";
import { concatBytes } from "../bytes";
import { contentKeyAndNonce, ecdhSecret, GCM_TAG_BYTES, hkdf, sealRecord, type SenderKeys } from "./content-crypto";
import type { SubscriptionKeys } from "./subscription-keys";

/**
 * The legacy `aesgcm` coding (draft-ietf-webpush-encryption-04 over
 * draft-ietf-httpbis-encryption-encoding-03), still what Mastodon sends to subscriptions not
 * marked `standard` and what the relays of Mastodon's iOS app expect. Salt and sender key travel
 * in headers (`Encryption: salt=`, `Crypto-Key: dh=`), the body is one record: a 2-byte padding
 * length (0 here), the plaintext, the GCM tag.
 *
 *   PRK   = HKDF(salt = auth, ikm = ECDH secret, info = "Content-Encoding: auth\0", 32)
 *   context = "P-256\0" | len(ua) | ua_public | len(as) | as_public   (lengths as uint16)
 *   CEK   = HKDF(salt, PRK, "Content-Encoding: aesgcm\0" | context, 16)
 *   NONCE = HKDF(salt, PRK, "Content-Encoding: nonce\0" | context, 12)
 */
const AUTH_INFO = utf8.encode("Content-Encoding: auth\0");
const CEK_LABEL = utf8.encode("Content-Encoding: aesgcm\0");
const NONCE_LABEL = utf8.encode("Content-Encoding: nonce\0");
const CURVE_LABEL = utf8.encode("P-256\0");
const PADDING_LENGTH_BYTES = 2;

export function aesgcmBodyBytes(plaintextBytes: number): number {
  return PADDING_LENGTH_BYTES + plaintextBytes + GCM_TAG_BYTES;
}

function keyContext(receiverPublic: Uint8Array, senderPublic: Uint8Array): Uint8Array {
  return concatBytes(
    CURVE_LABEL,
    uintBytes(receiverPublic.length, 2),
    receiverPublic,
    uintBytes(senderPublic.length, 2),
    senderPublic,
  );
}

export async function deriveAesgcmKeys(
  receiver: SubscriptionKeys,
  sender: SenderKeys,
  salt: Uint8Array,
): Promise<{ cek: Uint8Array; nonce: Uint8Array }> {
  const shared = await ecdhSecret(sender, receiver.publicKey);
  const prk = await hkdf(receiver.auth, shared, AUTH_INFO, 32);
  const context = keyContext(receiver.p256dh, sender.publicKey);
  return contentKeyAndNonce(salt, prk, concatBytes(CEK_LABEL, context), concatBytes(NONCE_LABEL, context));
}

/** Encrypts with a given sender key pair and salt (random ones in production). Body only. */
export async function encryptAesgcmWith(
  plaintext: Uint8Array,
  receiver: SubscriptionKeys,
  sender: SenderKeys,
  salt: Uint8Array,
): Promise<Uint8Array> {
  const { cek, nonce } = await deriveAesgcmKeys(receiver, sender, salt);
  return sealRecord(cek, nonce, concatBytes(uintBytes(0, PADDING_LENGTH_BYTES), plaintext));
}
