import type { AccountSnapshot } from "../../schemas/records";
import type { Origin } from "../../core/serializers/account";
import { isDomainRefused } from "../../core/domain-policy";
import { handleIndexStub } from "../../core/stubs";
import { fetchPolicy, FetchRefused } from "../../lib/federation/safe-fetch";
import { parseHandle, webfingerActorUri } from "../../lib/federation/webfinger";
import { ACTOR_MAX_AGE_MS } from "./remote-actor-object";
import { resolveRemoteActor } from "./remote-actors";

/**
 * `user@domain` (or `@user@domain`, `acct:...`) of another server → its account; null if not
 * found, refused, or our own domain. WebFinger answers are kept per handle (the handle index),
 * so a handle seen recently costs no lookup. Used by the client API (lookup, search, mentions)
 * and by imports.
 */
export async function resolveHandle(env: Env, o: Origin, acct: string): Promise<AccountSnapshot | null> {
  const handle = parseHandle(acct);
  if (!handle || handle.domain === o.domain.toLowerCase()) return null;
  if (await isDomainRefused(env, handle.domain)) return null;
  const key = `${handle.username}@${handle.domain}`;
  const cache = handleIndexStub(env, key);
  let uri = await cache.handleUri(key, ACTOR_MAX_AGE_MS);
  const cached = uri !== null;
  if (!uri) {
    try {
      uri = await webfingerActorUri(handle, fetchPolicy(env));
    } catch (err) {
      if (err instanceof FetchRefused) return null;
      throw err;
    }
  }
  const actor = await resolveRemoteActor(env, uri, { origin: o.origin });
  if (!actor.ok) return null;
  if (!cached) await cache.putHandle(key, uri);
  return actor.value.account;
}
