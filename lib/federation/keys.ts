/**
 * Key handling for HTTP signatures: public keys arrive as PEM in actor documents (RSA SPKI, the
 * rare PKCS#1 "RSA PUBLIC KEY", or Ed25519 SPKI); our private keys are JWK inside objects.
 */
const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

export type KeyKind = "rsa" | "ed25519";

export interface PublicKey {
  kind: KeyKind;
  key: CryptoKey;
}

function pemBody(pem: string): { label: string; der: Uint8Array } | null {
  const m = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m) return null;
  const b64 = m[2].replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  return { label: m[1], der: Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)) };
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>= 8;
  }
  return [0x80 | bytes.length, ...bytes];
}

/** Wraps a PKCS#1 RSAPublicKey in the SPKI structure WebCrypto imports. */
function pkcs1ToSpki(pkcs1: Uint8Array): Uint8Array {
  const algorithm = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
  const bitString = [0x03, ...derLength(pkcs1.length + 1), 0x00, ...pkcs1];
  const body = [...algorithm, ...bitString];
  return new Uint8Array([0x30, ...derLength(body.length), ...body]);
}

/** Imports a PEM public key for verification; null when it is not an RSA or Ed25519 key. */
export async function importPublicKeyPem(pem: string): Promise<PublicKey | null> {
  const parsed = pemBody(pem);
  if (!parsed) return null;
  const spki = parsed.label === "RSA PUBLIC KEY" ? pkcs1ToSpki(parsed.der) : parsed.der;
  if (parsed.label !== "PUBLIC KEY" && parsed.label !== "RSA PUBLIC KEY") return null;
  try {
    return { kind: "rsa", key: await crypto.subtle.importKey("spki", spki, RSA, false, ["verify"]) };
  } catch {
    // not RSA: try Ed25519 below
  }
  try {
    return { kind: "ed25519", key: await crypto.subtle.importKey("spki", spki, { name: "Ed25519" }, false, ["verify"]) };
  } catch {
    return null;
  }
}

export async function importRsaPrivateJwk(jwk: string | JsonWebKey): Promise<CryptoKey> {
  const parsed = typeof jwk === "string" ? (JSON.parse(jwk) as JsonWebKey) : jwk;
  return crypto.subtle.importKey("jwk", parsed, RSA, false, ["sign"]);
}

export async function verifyBytes(key: PublicKey, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  try {
    const algorithm = key.kind === "rsa" ? RSA.name : "Ed25519";
    return await crypto.subtle.verify(algorithm, key.key, signature, data);
  } catch {
    return false;
  }
}

export async function signRsa(privateKey: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign(RSA.name, privateKey, data));
}
