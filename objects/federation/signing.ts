import { importRsaPrivateJwk } from "../../lib/federation/keys";
import { signedRequestHeaders, type OutgoingSignatureInput } from "../../lib/federation/http-signatures-cavage";
import { fail, ok, type Result } from "../../lib/result";

/**
 * Signing inside the object that owns the private key: callers hand in the request (method,
 * URL, body digest) and get headers back; the key never leaves. The key id must name this
 * object's own key, so the object cannot be made to sign on behalf of another actor path.
 */
const keyCache = new WeakMap<object, { jwk: string; key: CryptoKey }>();

/** Imports (once per object instance) the private key stored as JWK text. */
export async function cachedPrivateKey(owner: object, jwk: string): Promise<CryptoKey> {
  const cached = keyCache.get(owner);
  if (cached && cached.jwk === jwk) return cached.key;
  const key = await importRsaPrivateJwk(jwk);
  keyCache.set(owner, { jwk, key });
  return key;
}

/** True when `keyId` is `<any origin><path>#main-key`. */
export function keyIdNamesPath(keyId: string, path: string): boolean {
  try {
    const url = new URL(keyId);
    return url.hash === "#main-key" && url.pathname === path && url.search === "";
  } catch {
    return false;
  }
}

export function validSignatureInput(input: OutgoingSignatureInput): string | null {
  if (input.method !== "GET" && input.method !== "POST") return "method must be GET or POST";
  try {
    const url = new URL(input.url);
    if (url.protocol !== "https:" && url.protocol !== "http:") return "url must be http(s)";
  } catch {
    return "url is invalid";
  }
  if (input.method === "POST" && !/^SHA-256=[A-Za-z0-9+/]+={0,2}$/.test(input.digest ?? "")) return "digest must be SHA-256=<base64>";
  return null;
}

/** Signs for the actor whose key path is `path` (e.g. `/users/alice`). */
export async function signAs(
  owner: object,
  privateJwk: string,
  path: string,
  input: OutgoingSignatureInput,
): Promise<Result<Record<string, string>>> {
  const invalid = validSignatureInput(input);
  if (invalid) return fail(422, invalid);
  if (!keyIdNamesPath(input.keyId, path)) return fail(403, "keyId does not name this actor's key");
  const key = await cachedPrivateKey(owner, privateJwk);
  return ok(await signedRequestHeaders(key, input));
}
