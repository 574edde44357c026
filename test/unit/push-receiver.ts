/**
 * The receiving side of Web Push, as a browser or a push relay does it, for the tests. Written
 * from RFC 8291/8188/8292 and the `aesgcm` drafts independently of `lib/push`: HKDF is spelled out
 * with HMAC here (lib/push uses WebCrypto's HKDF), records are split by the advertised record size,
 * and padding is checked, not assumed absent. Failures throw: a test wants the reason.
 */

const text = new TextEncoder();

export function fromBase64url(value: string): Uint8Array {
  const standard = value.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  const binary = atob(standard + "=".repeat((4 - (standard.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export function toBase64url(bytes: ArrayBuffer | Uint8Array): string {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function join(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

async function hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, data));
}

/** RFC 5869 with a single expand block (every output here is at most 32 bytes). */
export async function hkdfByHand(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const prk = await hmacSha256(salt, ikm);
  const okm = await hmacSha256(prk, join(info, new Uint8Array([1])));
  return okm.slice(0, length);
}

/** ECDH parameters; workers-types spells the standard `public` member `$public`. */
export function ecdhWith(peer: CryptoKey): SubtleCryptoDeriveKeyAlgorithm {
  return { name: "ECDH", public: peer } as unknown as SubtleCryptoDeriveKeyAlgorithm;
}

/** A subscriber: the user agent's ECDH key pair and auth secret. */
export interface SubscriberKeys {
  privateKey: CryptoKey;
  /** 65-byte uncompressed point. */
  publicKey: Uint8Array;
  auth: Uint8Array;
}

export async function newSubscriberKeys(): Promise<SubscriberKeys> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"])) as CryptoKeyPair;
  const publicKey = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  return { privateKey: pair.privateKey, publicKey, auth: crypto.getRandomValues(new Uint8Array(16)) };
}

/** Subscriber keys from known values (the RFC's example): private scalar, public point, auth; base64url. */
export async function subscriberKeysFrom(privateD: string, publicPoint: string, auth: string): Promise<SubscriberKeys> {
  const point = fromBase64url(publicPoint);
  const jwk = { kty: "EC", crv: "P-256", d: privateD, x: toBase64url(point.slice(1, 33)), y: toBase64url(point.slice(33)) };
  const privateKey = await crypto.subtle.importKey("jwk", jwk, { name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
  return { privateKey, publicKey: point, auth: fromBase64url(auth) };
}

async function sharedSecret(me: SubscriberKeys, senderPoint: Uint8Array): Promise<Uint8Array> {
  const sender = await crypto.subtle.importKey("raw", senderPoint, { name: "ECDH", namedCurve: "P-256" }, false, []);
  return new Uint8Array(await crypto.subtle.deriveBits(ecdhWith(sender), me.privateKey, 256));
}

async function openRecord(cek: Uint8Array, nonce: Uint8Array, record: Uint8Array): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["decrypt"]);
  return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce }, key, record));
}

/** RFC 8188 §2.3: the nonce of record `seq` is the base nonce XOR seq (as a 96-bit integer). */
function recordNonce(base: Uint8Array, seq: number): Uint8Array {
  const nonce = base.slice();
  const view = new DataView(nonce.buffer);
  view.setUint32(8, view.getUint32(8) ^ seq);
  return nonce;
}

export interface Aes128gcmIntermediates {
  salt: Uint8Array;
  recordSize: number;
  senderPublicKey: Uint8Array;
  cek: Uint8Array;
  nonce: Uint8Array;
}

/** Decrypts an `aes128gcm` body (RFC 8291 §3.4 receiver side, RFC 8188 records and padding). */
export async function decryptAes128gcm(me: SubscriberKeys, body: Uint8Array): Promise<{ plaintext: Uint8Array; steps: Aes128gcmIntermediates }> {
  if (body.length < 21) throw new Error("aes128gcm body shorter than its header");
  const salt = body.slice(0, 16);
  const recordSize = new DataView(body.buffer, body.byteOffset + 16, 4).getUint32(0);
  const idLength = body[20];
  if (idLength !== 65) throw new Error(`aes128gcm keyid is ${idLength} bytes, expected the 65-byte sender key`);
  const senderPublicKey = body.slice(21, 21 + idLength);
  const records = body.slice(21 + idLength);
  const ecdh = await sharedSecret(me, senderPublicKey);
  const keyInfo = join(text.encode("WebPush: info\0"), me.publicKey, senderPublicKey);
  const ikm = await hkdfByHand(me.auth, ecdh, keyInfo, 32);
  const cek = await hkdfByHand(salt, ikm, text.encode("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdfByHand(salt, ikm, text.encode("Content-Encoding: nonce\0"), 12);
  const chunks: Uint8Array[] = [];
  for (let at = 0, seq = 0; at < records.length; at += recordSize, seq++) {
    const padded = await openRecord(cek, recordNonce(nonce, seq), records.slice(at, at + recordSize));
    const isLast = at + recordSize >= records.length;
    chunks.push(stripDelimiter(padded, isLast));
  }
  return { plaintext: join(...chunks), steps: { salt, recordSize, senderPublicKey, cek, nonce } };
}

/** RFC 8188 §2: data, then a delimiter (2 = last record, 1 = more follow), then zeros. */
function stripDelimiter(padded: Uint8Array, isLast: boolean): Uint8Array {
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0) throw new Error("aes128gcm record has no delimiter");
  if (padded[end] !== (isLast ? 2 : 1)) throw new Error(`aes128gcm record delimiter ${padded[end]}, last=${isLast}`);
  return padded.slice(0, end);
}

/** `a=1;b=2, c=3` → the parameters of the comma-separated entries, merged. */
export function headerParams(value: string | null): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of (value ?? "").split(/[;,]/)) {
    const eq = part.indexOf("=");
    if (eq > 0) params.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim().replace(/^"|"$/g, ""));
  }
  return params;
}

/** Decrypts an `aesgcm` body with its `Encryption` and `Crypto-Key` headers (records of rs + 16). */
export async function decryptAesgcm(me: SubscriberKeys, body: Uint8Array, encryption: string | null, cryptoKey: string | null): Promise<Uint8Array> {
  const enc = headerParams(encryption);
  const salt = enc.get("salt");
  const dh = headerParams(cryptoKey).get("dh");
  if (!salt || !dh) throw new Error("aesgcm needs Encryption: salt= and Crypto-Key: dh=");
  const recordSize = Number(enc.get("rs") ?? 4096);
  const saltBytes = fromBase64url(salt);
  const senderPublicKey = fromBase64url(dh);
  if (saltBytes.length !== 16) throw new Error("aesgcm salt must be 16 bytes");
  const ecdh = await sharedSecret(me, senderPublicKey);
  const prk = await hkdfByHand(me.auth, ecdh, text.encode("Content-Encoding: auth\0"), 32);
  const length = (n: number) => new Uint8Array([n >> 8, n & 0xff]);
  const context = join(text.encode("P-256\0"), length(me.publicKey.length), me.publicKey, length(senderPublicKey.length), senderPublicKey);
  const cek = await hkdfByHand(saltBytes, prk, join(text.encode("Content-Encoding: aesgcm\0"), context), 16);
  const nonce = await hkdfByHand(saltBytes, prk, join(text.encode("Content-Encoding: nonce\0"), context), 12);
  const chunks: Uint8Array[] = [];
  for (let at = 0, seq = 0; at < body.length; at += recordSize + 16, seq++) {
    const padded = await openRecord(cek, recordNonce(nonce, seq), body.slice(at, at + recordSize + 16));
    const padLength = (padded[0] << 8) | padded[1];
    if (padded.slice(2, 2 + padLength).some((b) => b !== 0)) throw new Error("aesgcm padding is not zeros");
    chunks.push(padded.slice(2 + padLength));
  }
  return join(...chunks);
}

export interface VapidClaims {
  aud: string;
  exp: number;
  sub: string;
}

export type VapidScheme = "vapid" | "WebPush";

/** The token and key of a request: RFC 8292 `vapid t=, k=`, or the draft's `WebPush <t>` + `Crypto-Key: p256ecdsa=`. */
export function readVapidCredentials(headers: Headers): { scheme: VapidScheme; token: string; key: string } {
  const authorization = headers.get("authorization") ?? "";
  const vapid = /^vapid\s+(.*)$/i.exec(authorization);
  if (vapid) {
    const params = headerParams(vapid[1]);
    const token = params.get("t");
    const key = params.get("k");
    if (!token || !key) throw new Error("vapid Authorization lacks t= or k=");
    return { scheme: "vapid", token, key };
  }
  const webpush = /^WebPush\s+(\S+)$/i.exec(authorization);
  if (webpush) {
    const key = headerParams(headers.get("crypto-key")).get("p256ecdsa");
    if (!key) throw new Error("WebPush Authorization without Crypto-Key: p256ecdsa=");
    return { scheme: "WebPush", token: webpush[1], key };
  }
  throw new Error(`unknown Authorization scheme: ${authorization.slice(0, 20)}`);
}

/** Checks an ES256 VAPID token against the key, the audience and the 24-hour bound (RFC 8292 §2). */
export async function verifyVapidToken(token: string, key: string, audience: string, nowMs = Date.now()): Promise<VapidClaims> {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error("VAPID token is not a JWS compact serialization");
  const header = JSON.parse(new TextDecoder().decode(fromBase64url(parts[0])));
  if (header.alg !== "ES256") throw new Error(`VAPID token alg ${header.alg}, expected ES256`);
  const signature = fromBase64url(parts[2]);
  if (signature.length !== 64) throw new Error("ES256 signature must be raw r||s (64 bytes)");
  const publicKey = await crypto.subtle.importKey("raw", fromBase64url(key), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, signature, text.encode(`${parts[0]}.${parts[1]}`));
  if (!valid) throw new Error("VAPID token signature does not verify with the given key");
  const claims = JSON.parse(new TextDecoder().decode(fromBase64url(parts[1]))) as VapidClaims;
  if (claims.aud !== audience) throw new Error(`VAPID aud ${claims.aud}, expected ${audience}`);
  const now = Math.floor(nowMs / 1000);
  if (!(claims.exp > now)) throw new Error("VAPID token expired");
  if (claims.exp > now + 24 * 60 * 60) throw new Error("VAPID token exp more than 24 hours ahead");
  if (!/^(mailto:|https:)/.test(claims.sub ?? "")) throw new Error(`VAPID sub ${claims.sub} is not mailto: or https:`);
  return claims;
}
