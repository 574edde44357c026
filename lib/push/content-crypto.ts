/**
 * The steps both Web Push content codings share: an ephemeral ECDH key pair per message, the
 * shared secret with the subscriber's key, HKDF-SHA-256 (extract then expand, RFC 5869) and
 * AES-128-GCM. All WebCrypto.
 */

/** The application server's one-time key pair for one message (RFC 8291 §3.1). */
export interface SenderKeys {
  privateKey: CryptoKey;
  /** 65-byte uncompressed point; it travels in the message header (`keyid` or `dh=`). */
  publicKey: Uint8Array;
}

export const SALT_BYTES = 16;
export const GCM_TAG_BYTES = 16;
const CEK_BYTES = 16;
const NONCE_BYTES = 12;

export async function newSenderKeys(): Promise<SenderKeys> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"])) as CryptoKeyPair;
  const publicKey = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  return { privateKey: pair.privateKey, publicKey };
}

export function randomSalt(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(SALT_BYTES));
}

/**
 * The ECDH parameters. WebCrypto names the peer key `public`; workers-types spells it `$public`
 * (a C++ keyword escape that the runtime maps back to `public`), hence the cast.
 */
export function ecdhWith(peerPublicKey: CryptoKey): SubtleCryptoDeriveKeyAlgorithm {
  return { name: "ECDH", public: peerPublicKey } as unknown as SubtleCryptoDeriveKeyAlgorithm;
}

export async function ecdhSecret(sender: SenderKeys, receiverPublicKey: CryptoKey): Promise<Uint8Array> {
  const bits = await crypto.subtle.deriveBits(ecdhWith(receiverPublicKey), sender.privateKey, 256);
  return new Uint8Array(bits);
}

/** HKDF-SHA-256 with the given salt, input keying material and info, `length` bytes out. */
export async function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, length * 8);
  return new Uint8Array(bits);
}

/** The content encryption key and nonce derived from one pseudorandom key. */
export async function contentKeyAndNonce(
  salt: Uint8Array,
  prk: Uint8Array,
  cekInfo: Uint8Array,
  nonceInfo: Uint8Array,
): Promise<{ cek: Uint8Array; nonce: Uint8Array }> {
  const [cek, nonce] = await Promise.all([hkdf(salt, prk, cekInfo, CEK_BYTES), hkdf(salt, prk, nonceInfo, NONCE_BYTES)]);
  return { cek, nonce };
}

/** AES-128-GCM; the 16-byte tag is appended to the ciphertext. */
export async function sealRecord(cek: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", cek, { name: "AES-GCM" }, false, ["encrypt"]);
  return new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, tagLength: 128 }, key, plaintext));
}
