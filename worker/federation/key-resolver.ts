import { fail, ok, type Result } from "../../lib/result";
import { keyOwnerIndexStub } from "../../core/stubs";
import { assertFetchable, fetchActivityDocument, fetchPolicy, FetchRefused } from "../../lib/federation/safe-fetch";
import { importPublicKeyPem, type PublicKey } from "../../lib/federation/keys";

import { instanceActorSigner } from "../../objects/federation/instance-actor-object";
import { isDomainBlocked } from "./domain-blocks";
import { resolveRemoteActor } from "../../objects/federation/remote-actors";

/**
 * keyId → public key and the actor that owns it. Three shapes are met in the wild:
 * - a fragment of the actor (`https://host/users/a#main-key`, Mastodon, Misskey, Fedify);
 * - a separate key document with `owner` (then the owner's own document must list the key);
 * - GoToSocial's stub at `/main-key`: an actor-shaped document whose id is the actor, not the key.
 * Whatever the shape, the key is trusted only as listed by its owner's document, fetched from the
 * owner's URL. Keys are cached in the owner's RemoteActorObject (24 h, refreshable) and, briefly,
 * in the isolate; `refresh` is the one refetch after a verification failure.
 */
export interface ResolvedKey {
  keyId: string;
  /** The actor URI that lists this key as its own. */
  owner: string;
  pem: string;
  key: PublicKey;
}

const ISOLATE_TTL_MS = 5 * 60_000;
const ISOLATE_MAX = 5_000;
const isolateCache = new Map<string, { value: ResolvedKey; expires: number }>();

export function forgetCachedKeys(): void {
  isolateCache.clear();
}

const refusal = (error: string) => fail(401, error);

function withoutFragment(url: URL): string {
  const copy = new URL(url.href);
  copy.hash = "";
  return copy.href;
}

export async function resolveKey(env: Env, origin: string, keyId: string, options: { refresh?: boolean } = {}): Promise<Result<ResolvedKey>> {
  let url: URL;
  try {
    url = new URL(keyId);
    assertFetchable(url, fetchPolicy(env));
  } catch (err) {
    return refusal(err instanceof FetchRefused ? `Unusable keyId: ${err.message}` : "keyId is not a URL");
  }
  const cached = isolateCache.get(keyId);
  if (!options.refresh && cached && cached.expires > Date.now()) return ok(cached.value);

  const fragment = url.hash !== "";
  const candidate = fragment ? withoutFragment(url) : await keyOwnerIndexStub(env, keyId).keyOwner(keyId);
  if (candidate) {
    const found = await keyFromOwner(env, origin, keyId, candidate, options.refresh ?? false);
    if (found.ok) return remember(found.value);
    // A fragment key whose document is an actor that does not list it: nothing else to fetch.
    if (fragment && found.status !== 422) return found;
  }
  const viaDocument = await keyFromKeyDocument(env, origin, keyId);
  return viaDocument.ok ? remember(viaDocument.value) : viaDocument;
}

function remember(value: ResolvedKey): Result<ResolvedKey> {
  if (isolateCache.size >= ISOLATE_MAX) isolateCache.clear();
  isolateCache.set(value.keyId, { value, expires: Date.now() + ISOLATE_TTL_MS });
  return ok(value);
}

/**
 * The key as listed by `owner`'s document. Not listed in a fresh copy: refetch the owner once
 * (keys rotate). 422 means the owner document is not a usable actor (the caller may look further).
 */
async function keyFromOwner(env: Env, origin: string, keyId: string, owner: string, refresh: boolean): Promise<Result<ResolvedKey>> {
  if (await isDomainBlocked(env, owner)) return fail(403, "The key's owner is on a blocked domain");
  let actor = await resolveRemoteActor(env, owner, { origin, refresh });
  if (!actor.ok) return actor.status === 422 ? actor : refusal(`Could not fetch the key's owner: ${actor.error}`);
  let listed = actor.value.keys.find((k) => k.id === keyId);
  if (!listed && !refresh) {
    actor = await resolveRemoteActor(env, owner, { origin, refresh: true });
    listed = actor.ok ? actor.value.keys.find((k) => k.id === keyId) : undefined;
  }
  if (!listed) return refusal("The key's owner does not list this key");
  const key = await importPublicKeyPem(listed.pem);
  if (!key) return refusal("Unsupported public key");
  return ok({ keyId, owner, pem: listed.pem, key });
}

/** Fetches the keyId itself to learn its owner, then trusts only the owner's own listing. */
async function keyFromKeyDocument(env: Env, origin: string, keyId: string): Promise<Result<ResolvedKey>> {
  let document: Record<string, unknown>;
  let fetchedUrl: string;
  try {
    ({ document, url: fetchedUrl } = await fetchActivityDocument(keyId, fetchPolicy(env), {
      signer: instanceActorSigner(env, origin),
      requireIdMatch: false,
    }));
  } catch (err) {
    return refusal(`Could not fetch key ${keyId}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const owner = ownerNamedBy(document, keyId);
  if (!owner) return refusal("The key document names no owner");
  // The owner's document is fetched from the owner's URL even when it is the document just read:
  // a key document could claim any owner, only the owner can confirm.
  const found = await keyFromOwner(env, origin, keyId, owner, owner === fetchedUrl ? false : true);
  if (!found.ok) return found.status === 422 ? refusal(`The key's owner is not a usable actor: ${found.error}`) : found;
  if (new URL(keyId).hash === "" || withoutFragment(new URL(keyId)) !== owner) {
    await keyOwnerIndexStub(env, keyId).putKeyOwner(keyId, owner);
  }
  return found;
}

/** The owner a fetched key document claims: `owner` of a Key, or the actor a stub stands for. */
function ownerNamedBy(doc: Record<string, unknown>, keyId: string): string | null {
  if (typeof doc.owner === "string") return doc.owner;
  if (typeof doc.controller === "string") return doc.controller;
  const entries = Array.isArray(doc.publicKey) ? doc.publicKey : [doc.publicKey];
  for (const e of entries) {
    if (typeof e === "object" && e !== null && (e as Record<string, unknown>).id === keyId) {
      const owner = (e as Record<string, unknown>).owner;
      return typeof owner === "string" ? owner : typeof doc.id === "string" ? doc.id : null;
    }
  }
  return null;
}
