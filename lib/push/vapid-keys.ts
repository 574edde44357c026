import { decodeBase64Flexible, encodeBase64url, utf8 } from "./bytes";
import { attempt, failWith, succeed, type PushResult } from "./result";

/**
 * The application server's VAPID key pair (RFC 8292): ECDSA on P-256. One per instance; its
 * public half is what Mastodon shows apps as `vapid_key` (application) and `server_key`
 * (subscription), and what every push request carries in `k=` or `p256ecdsa=`.
 */
export interface VapidKeys {
  /** The 65-byte uncompressed public point, base64url without padding. */
  publicKey: string;
  /** The signing key (extractable, so that it can be exported for storage). */
  privateKey: CryptoKey;
}

/** Storage form as Mastodon's `VAPID_PUBLIC_KEY`/`VAPID_PRIVATE_KEY`: the point and the 32-byte scalar, base64url. */
export interface RawVapidKeys {
  publicKey: string;
  privateKey: string;
}

const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;

/** A new pair (extractable). WebCrypto key generation has no failure mode to report. */
export async function generateVapidKeys(): Promise<VapidKeys> {
  const pair = (await crypto.subtle.generateKey(ECDSA_P256, true, ["sign", "verify"])) as CryptoKeyPair;
  const point = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  return { publicKey: encodeBase64url(point), privateKey: pair.privateKey };
}

/** The private key as a JWK (it carries the public coordinates too): one JSON value to store. */
export async function exportVapidJwk(keys: VapidKeys): Promise<PushResult<JsonWebKey>> {
  return attempt("invalid_vapid_key", "VAPID private key cannot be exported (not extractable?)", async () => {
    const { kty, crv, x, y, d } = (await crypto.subtle.exportKey("jwk", keys.privateKey)) as JsonWebKey;
    return { kty, crv, x, y, d };
  });
}

export async function exportVapidRaw(keys: VapidKeys): Promise<PushResult<RawVapidKeys>> {
  const jwk = await exportVapidJwk(keys);
  if (!jwk.ok) return jwk;
  return succeed({ publicKey: keys.publicKey, privateKey: jwk.value.d! });
}

/** Mastodon's spelling of the public key for apps (`vapid_key`, `server_key`): base64url with `=` padding. */
export function mastodonVapidKey(publicKey: string): string {
  const bare = publicKey.replace(/=+$/, "");
  return bare + "=".repeat((4 - (bare.length % 4)) % 4);
}

/** Imports a stored private JWK (object or JSON text). */
export async function importVapidJwk(jwk: JsonWebKey | string): Promise<PushResult<VapidKeys>> {
  let parsed: unknown = jwk;
  if (typeof jwk === "string") {
    try {
      parsed = JSON.parse(jwk);
    } catch {
      return failWith("invalid_vapid_key", "VAPID JWK is not JSON");
    }
  }
  const key = parsed as JsonWebKey | null;
  if (!key || key.kty !== "EC" || key.crv !== "P-256") return failWith("invalid_vapid_key", "VAPID JWK must be an EC P-256 key");
  if (typeof key.x !== "string" || typeof key.y !== "string" || typeof key.d !== "string") {
    return failWith("invalid_vapid_key", "VAPID JWK must hold x, y and the private d");
  }
  const x = decodeBase64Flexible(key.x);
  const y = decodeBase64Flexible(key.y);
  if (x?.length !== 32 || y?.length !== 32) return failWith("invalid_vapid_key", "VAPID JWK coordinates must be 32 bytes each");
  return importFromParts(key.x, key.y, key.d);
}

/** Imports the raw base64url pair (either base64 alphabet, padded or not). */
export async function importVapidRaw(raw: RawVapidKeys): Promise<PushResult<VapidKeys>> {
  const point = typeof raw?.publicKey === "string" ? decodeBase64Flexible(raw.publicKey) : null;
  if (!point || point.length !== 65 || point[0] !== 0x04) {
    return failWith("invalid_vapid_key", "VAPID public key must be a 65-byte uncompressed P-256 point");
  }
  const scalar = typeof raw.privateKey === "string" ? decodeBase64Flexible(raw.privateKey) : null;
  if (!scalar || scalar.length !== 32) return failWith("invalid_vapid_key", "VAPID private key must be 32 bytes");
  return importFromParts(encodeBase64url(point.slice(1, 33)), encodeBase64url(point.slice(33)), encodeBase64url(scalar));
}

async function importFromParts(x: string, y: string, d: string): Promise<PushResult<VapidKeys>> {
  const imported = await attempt("invalid_vapid_key", "VAPID key could not be imported", async () => {
    const privateKey = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x, y, d }, ECDSA_P256, true, ["sign"]);
    const publicKey = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x, y }, ECDSA_P256, true, ["verify"]);
    return { privateKey, publicKey };
  });
  if (!imported.ok) return imported;
  if (!(await halvesMatch(imported.value.privateKey, imported.value.publicKey))) {
    return failWith("invalid_vapid_key", "VAPID private key does not belong to the public key");
  }
  const point = new Uint8Array((await crypto.subtle.exportKey("raw", imported.value.publicKey)) as ArrayBuffer);
  return succeed({ publicKey: encodeBase64url(point), privateKey: imported.value.privateKey });
}

/** A stored pair whose halves got mixed up would sign tokens that every push service refuses. */
async function halvesMatch(privateKey: CryptoKey, publicKey: CryptoKey): Promise<boolean> {
  const probe = utf8.encode("pronghorn vapid key check");
  const algorithm = { name: "ECDSA", hash: "SHA-256" };
  const signature = await crypto.subtle.sign(algorithm, privateKey, probe);
  return crypto.subtle.verify(algorithm, publicKey, signature, probe);
}
