import { importVapidJwk, type VapidKeys } from "../../lib/push";
import { base64url } from "../../lib/crypto";
import { directoryStub } from "../../core/stubs";

/**
 * The instance's VAPID pair for the account objects that send push messages, and the key that
 * seals the access tokens push payloads carry.
 *
 * The pair is made once and kept by the directory (`vapidKeyPair`); each isolate asks for it
 * once and keeps the imported keys (resolved values only: a promise must not be shared across
 * requests in Workers). `serverKey` is the public key exactly as apps see it (`vapid_key`,
 * `server_key`, `configuration.vapid.public_key`).
 *
 * Mastodon's payload carries the subscription's raw access token (apps match it to an account
 * and fetch the notification with it), but tokens are stored only as hashes. So a push
 * subscription keeps its token sealed: AES-256-GCM under a key derived (HKDF-SHA256) from the
 * VAPID private key, which lives in the directory's storage, not the account's, with the
 * token's hash as associated data. Reading one account object's storage alone yields no usable
 * token; the seal goes with the subscription (DELETE, revocation, a 404/410 from the service).
 */
export interface InstancePushKeys {
  vapid: VapidKeys;
  serverKey: string;
  sealKey: CryptoKey;
}

let cached: InstancePushKeys | null = null;
const utf8 = new TextEncoder();

export async function instancePushKeys(env: Env): Promise<InstancePushKeys> {
  if (cached) return cached;
  const pair = await directoryStub(env).vapidKeyPair();
  const vapid = await importVapidJwk(pair.privateJwk);
  if (!vapid.ok) throw new Error(`the instance VAPID key cannot be used: ${vapid.error}`);
  const scalar = fromBase64url((JSON.parse(pair.privateJwk) as JsonWebKey).d ?? "");
  const base = await crypto.subtle.importKey("raw", scalar, "HKDF", false, ["deriveKey"]);
  const sealKey = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: utf8.encode("pronghorn push token seal"), info: utf8.encode("v1") },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
  cached = { vapid: vapid.value, serverKey: pair.publicKey, sealKey };
  return cached;
}

/** `base64url(iv || ciphertext)` of the token, bound to its hash. */
export async function sealToken(keys: InstancePushKeys, token: string, tokenHash: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8.encode(tokenHash) }, keys.sealKey, utf8.encode(token));
  const out = new Uint8Array(12 + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), 12);
  return base64url(out);
}

/** The token, or null when the seal does not open (another key, another row). */
export async function unsealToken(keys: InstancePushKeys, sealed: string, tokenHash: string): Promise<string | null> {
  try {
    const bytes = fromBase64url(sealed);
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.slice(0, 12), additionalData: utf8.encode(tokenHash) },
      keys.sealKey,
      bytes.slice(12),
    );
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}

function fromBase64url(text: string): Uint8Array {
  const standard = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(standard + "=".repeat((4 - (standard.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
