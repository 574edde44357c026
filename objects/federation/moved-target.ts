import type { AccountSnapshot } from "../../schemas/records";
import type { RemoteActor } from "./actor-document";
import { toSnapshot } from "../../schemas/records";
import { accountStub, directoryStub, remoteActorStub } from "../../core/stubs";

/**
 * The account a remote actor's `movedTo` names, as the API's `moved` shows it: a local account
 * (its record), or a remote actor already stored here (a Move stores its target first). Nothing
 * is fetched: an unknown target leaves `moved` out, as Mastodon does until it resolves one.
 */
export async function movedTargetSnapshot(env: Env, movedTo: string, origin: string): Promise<AccountSnapshot | null> {
  let url: URL;
  try {
    url = new URL(movedTo);
  } catch {
    return null;
  }
  if (url.origin === origin) {
    const username = /^\/users\/([A-Za-z0-9_]{1,30})$/.exec(url.pathname)?.[1];
    const entry = username ? await directoryStub(env).findByUsername(username) : null;
    const record = entry?.approved ? await accountStub(env, entry.id).get() : null;
    return record ? { ...toSnapshot(record), uri: movedTo, moved: undefined } : null;
  }
  const stored = await remoteActorStub(env, movedTo).get();
  return stored ? { ...stored.account, moved: undefined } : null;
}

/** A new copy of the actor keeps the `moved` already known while its `movedTo` still names it. */
export function keepMoved(previous: RemoteActor, next: RemoteActor): RemoteActor {
  const moved = previous.account.moved;
  if (!next.movedTo || !moved || moved.uri !== next.movedTo || next.account.moved) return next;
  return { ...next, account: { ...next.account, moved } };
}
