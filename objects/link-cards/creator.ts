import { toSnapshot, type AccountSnapshot } from "../../schemas/records";
import { fetchPolicy } from "../../lib/federation/safe-fetch";
import { parseHandle, webfingerActorUri } from "../../lib/federation/webfinger";
import { accountStub, directoryStub, handleIndexStub } from "../../core/stubs";
import { resolveRemoteActor } from "../federation/remote-actors";
import { ACTOR_MAX_AGE_MS } from "../federation/remote-actor-object";
import type { Origin } from "../../core/serializers/account";

/**
 * A page's `fediverse:creator` (`@user@domain`) → the account, as Mastodon links a card to its
 * author: a local account by username, a remote one through the handle cache, else WebFinger and
 * the actor document. Null when it cannot be resolved (the card then names the author only).
 */
export async function resolveCreator(env: Env, o: Origin, creator: string): Promise<AccountSnapshot | null> {
  const handle = parseHandle(creator);
  if (!handle) return null;
  try {
    if (handle.domain === o.domain.toLowerCase()) {
      const entry = await directoryStub(env).findByUsername(handle.username);
      if (!entry || !entry.approved) return null;
      const account = await accountStub(env, entry.id).get();
      return account ? toSnapshot(account) : null;
    }
    const key = `${handle.username}@${handle.domain}`;
    const cache = handleIndexStub(env, key);
    let uri = await cache.handleUri(key, ACTOR_MAX_AGE_MS);
    if (!uri) {
      uri = await webfingerActorUri(handle, fetchPolicy(env));
      await cache.putHandle(key, uri);
    }
    const actor = await resolveRemoteActor(env, uri, { origin: o.origin });
    return actor.ok ? actor.value.account : null;
  } catch {
    return null;
  }
}
