const encoder = new TextEncoder();

export function base64url(bytes: ArrayBuffer | Uint8Array): string {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = "";
  for (const byte of b) s += String.fromCharCode(byte);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function base64(bytes: ArrayBuffer | Uint8Array): string {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = "";
  for (const byte of b) s += String.fromCharCode(byte);
  return btoa(s);
}

/** 32 random bytes as base64url (43 characters): the shape of Mastodon's tokens. */
export function randomSecret(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function sha256Base64url(text: string): Promise<string> {
  return base64url(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** Constant-time comparison of two strings of equal length. */
export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** workerd caps PBKDF2 at 100,000 iterations. */
export const PBKDF2_ITERATIONS = 100_000;

export async function hashPassword(password: string, salt: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: encoder.encode(salt), iterations },
    key,
    256,
  );
  return base64url(bits);
}

function pem(label: string, der: ArrayBuffer): string {
  const body = base64(der).replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

export interface ActorKeys {
  rsaPublicPem: string;
  rsaPrivateJwk: string;
  ed25519PublicMultibase: string;
  ed25519PrivateJwk: string;
}

/** Federation keys made once at account creation: RSA 2048 for HTTP signatures, Ed25519 for proofs. */
export async function generateActorKeys(): Promise<ActorKeys> {
  const rsa = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const ed = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const rsaSpki = (await crypto.subtle.exportKey("spki", rsa.publicKey)) as ArrayBuffer;
  const edRaw = new Uint8Array((await crypto.subtle.exportKey("raw", ed.publicKey)) as ArrayBuffer);
  return {
    rsaPublicPem: pem("PUBLIC KEY", rsaSpki),
    rsaPrivateJwk: JSON.stringify(await crypto.subtle.exportKey("jwk", rsa.privateKey)),
    ed25519PublicMultibase: "z" + base58btc(new Uint8Array([0xed, 0x01, ...edRaw])),
    ed25519PrivateJwk: JSON.stringify(await crypto.subtle.exportKey("jwk", ed.privateKey)),
  };
}

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

function base58btc(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = "";
  while (n > 0n) {
    out = BASE58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = "1" + out;
  }
  return out;
}
