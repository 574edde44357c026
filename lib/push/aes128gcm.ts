import { uintBytes, utf8 } from "./bytes";
import { concatBytes } from "../bytes";
import { contentKeyAndNonce, ecdhSecret, GCM_TAG_BYTES, hkdf, SALT_BYTES, sealRecord, type SenderKeys } from "./content-crypto";
import type { SubscriptionKeys } from "./subscription-keys";

/**
 * RFC 8291 message encryption in the RFC 8188 `aes128gcm` content coding: the body is a header
 * `salt(16) | rs(4) | idlen(1) | keyid(65)`, keyid being the sender's public key, followed by one
 * record: the plaintext, the last-record delimiter 0x02 and no padding, sealed with AES-GCM.
 */
export const AES128GCM_RECORD_SIZE = 4096;
export const AES128GCM_HEADER_BYTES = SALT_BYTES + 4 + 1 + 65;
const LAST_RECORD_DELIMITER = 0x02;

const KEY_INFO_LABEL = utf8.encode("WebPush: info\0");
const CEK_INFO = utf8.encode("Content-Encoding: aes128gcm\0");
const NONCE_INFO = utf8.encode("Content-Encoding: nonce\0");

/** Body bytes that `plaintextBytes` of payload become. */
export function aes128gcmBodyBytes(plaintextBytes: number): number {
  return AES128GCM_HEADER_BYTES + plaintextBytes + 1 + GCM_TAG_BYTES;
}

/** RFC 8291 §3.3–3.4: IKM from the ECDH secret and auth secret, then the CEK and nonce. */
export async function deriveAes128gcmKeys(
  receiver: SubscriptionKeys,
  sender: SenderKeys,
  salt: Uint8Array,
): Promise<{ cek: Uint8Array; nonce: Uint8Array }> {
  const shared = await ecdhSecret(sender, receiver.publicKey);
  const keyInfo = concatBytes(KEY_INFO_LABEL, receiver.p256dh, sender.publicKey);
  const ikm = await hkdf(receiver.auth, shared, keyInfo, 32);
  return contentKeyAndNonce(salt, ikm, CEK_INFO, NONCE_INFO);
}

/**
 * Encrypts with a given sender key pair and salt. Production calls it with fresh random ones;
 * tests call it with the RFC's fixed values to reproduce its example byte for byte.
 */
export async function encryptAes128gcmWith(
  plaintext: Uint8Array,
  receiver: SubscriptionKeys,
  sender: SenderKeys,
  salt: Uint8Array,
): Promise<Uint8Array> {
  const { cek, nonce } = await deriveAes128gcmKeys(receiver, sender, salt);
  const record = await sealRecord(cek, nonce, concatBytes(plaintext, new Uint8Array([LAST_RECORD_DELIMITER])));
  const header = concatBytes(salt, uintBytes(AES128GCM_RECORD_SIZE, 4), new Uint8Array([sender.publicKey.length]), sender.publicKey);
  return concatBytes(header, record);
}
