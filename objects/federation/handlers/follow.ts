import { accountStub, remoteActorStub } from "../../../core/stubs";
import { idOf, localAccountByUri, originOf, senderOf } from "./common";
import { inboxHandlers } from "./registry";

/**
 * Follow of a local account: recorded by the account's object like a local follow
 * (`receiveRemoteFollow`: followers row or request, notification, and the Accept or Reject
 * queued there, objects/account/federation-out.ts). The follower's object remembers the Follow,
 * so an Undo naming only its id, or a Delete of the actor, finds it. Idempotent.
 */
inboxHandlers.register("Follow", async (ctx) => {
  const targetUri = idOf(ctx.activity.object);
  if (!targetUri) return;
  const target = await localAccountByUri(ctx.env, originOf(ctx), targetUri);
  if (!target) return;
  const follower = await senderOf(ctx);
  if (!follower) return;
  const received = await accountStub(ctx.env, target.id).receiveRemoteFollow({
    follower: follower.account,
    follow: { id: ctx.activity.id, actor: follower.uri, object: targetUri },
    inbox: follower.inbox,
    sharedInbox: follower.sharedInbox,
  });
  if (!received.ok) {
    if (received.status >= 500) throw new Error(`follow of ${target.id}: ${received.error}`);
    return;
  }
  if (received.value.state === "rejected") return;
  const followerObject = remoteActorStub(ctx.env, follower.uri);
  await followerObject.noteFollowOf(target.id, ctx.activity.id);
  await followerObject.rememberActivity({ id: ctx.activity.id, kind: "Follow", accountId: target.id, statusId: null });
});
