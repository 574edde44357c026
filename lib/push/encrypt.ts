import { encryptAes128gcmWith } from "./aes128gcm";
import { encryptAesgcmWith } from "./aesgcm";
import { encodeBase64url, toBytes } from "./bytes";
import { newSenderKeys, randomSalt } from "./content-crypto";
import { encryptedBodyBytes, isContentEncoding, maxPlaintextBytes, type ContentEncoding } from "./payload-size";
import { attempt, failWith, type PushResult } from "./result";
import type { SubscriptionKeys } from "./subscription-keys";

/** An encrypted push message: the body and the headers that describe its coding. */
export interface EncryptedContent {
  body: Uint8Array;
  /** `Content-Encoding`, and for `aesgcm` also `Encryption` (salt) and `Crypto-Key` (dh). */
  headers: Record<string, string>;
}

/**
 * Encrypts `payload` for the subscriber with a fresh sender key pair and salt. Fails with
 * `payload_too_large` when the body would exceed 4096 bytes (see `fitJsonPayload`).
 */
export async function encryptPayload(
  encoding: ContentEncoding,
  payload: Uint8Array | string,
  receiver: SubscriptionKeys,
): Promise<PushResult<EncryptedContent>> {
  if (!isContentEncoding(encoding)) return failWith("invalid_encoding", `unknown content encoding ${String(encoding)}`);
  const plaintext = toBytes(payload);
  const limit = maxPlaintextBytes(encoding);
  if (plaintext.length > limit) {
    const bodyBytes = encryptedBodyBytes(encoding, plaintext.length);
    return failWith("payload_too_large", `encrypted body would be ${bodyBytes} bytes, over 4096 (payload at most ${limit} bytes with ${encoding})`);
  }
  return attempt("crypto_failed", "could not encrypt the push payload", async (): Promise<EncryptedContent> => {
    const sender = await newSenderKeys();
    const salt = randomSalt();
    if (encoding === "aes128gcm") {
      return { body: await encryptAes128gcmWith(plaintext, receiver, sender, salt), headers: { "Content-Encoding": "aes128gcm" } };
    }
    return {
      body: await encryptAesgcmWith(plaintext, receiver, sender, salt),
      headers: {
        "Content-Encoding": "aesgcm",
        Encryption: `salt=${encodeBase64url(salt)}`,
        "Crypto-Key": `dh=${encodeBase64url(sender.publicKey)}`,
      },
    };
  });
}
