import { accountStub, remoteActorStub } from "../../../core/stubs";
import { idOf, isRecord, localAccountByUri, originOf, typeOf, type LocalAccount } from "./common";
import type { InboxContext } from "./registry";

/**
 * The local follower an Accept or Reject answers: the embedded Follow's actor (whose object
 * must be the sender), or the local actor our Follow's id starts with (`<actor>#follows/<n>`).
 * The follower's own object then checks that it did ask this account.
 */
export async function answeredFollower(ctx: InboxContext): Promise<LocalAccount | null> {
  const follow = ctx.activity.object;
  let followerUri: string | null;
  if (isRecord(follow)) {
    if (typeOf(follow) !== "Follow") return null;
    const object = idOf(follow.object);
    if (object !== null && object !== ctx.actor) return null;
    followerUri = idOf(follow.actor);
  } else {
    followerUri = withoutFragment(idOf(follow));
  }
  return followerUri ? localAccountByUri(ctx.env, originOf(ctx), followerUri) : null;
}

function withoutFragment(url: string | null): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    u.hash = "";
    return u.href;
  } catch {
    return null;
  }
}

/** The follow of a local account by the sender ended (Reject, Undo Accept): both sides forget it. */
export async function followEnded(ctx: InboxContext, followerId: string, followeeId: string, followeeUri: string): Promise<void> {
  const follower = accountStub(ctx.env, followerId);
  const rejected = await follower.followRejected(followeeId);
  // Not a pending request: an accepted follow is being revoked.
  if (rejected.ok && !rejected.value) await follower.followerRemoved(followeeId);
  await remoteActorStub(ctx.env, followeeUri).removeLocalFollower(followerId);
}
