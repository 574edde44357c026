import { accountStub, remoteActorStub } from "../../../core/stubs";
import { idOf, localAccountByUri, originOf, senderOf } from "./common";
import { inboxHandlers } from "./registry";

/**
 * Block of a local account: the account's object records `blocked_by` and drops the follows
 * both ways (as a local block does); the blocker's object stops showing it its statuses and
 * forgets the follows. Idempotent.
 */
inboxHandlers.register("Block", async (ctx) => {
  const targetUri = idOf(ctx.activity.object);
  if (!targetUri) return;
  const target = await localAccountByUri(ctx.env, originOf(ctx), targetUri);
  if (!target) return;
  const blocker = await senderOf(ctx);
  if (!blocker) return;
  const blocked = await accountStub(ctx.env, target.id).receiveBlock(blocker.id);
  if (!blocked.ok) return;
  const blockerObject = remoteActorStub(ctx.env, blocker.uri);
  await blockerObject.rememberActivity({ id: ctx.activity.id, kind: "Block", accountId: target.id, statusId: null });
  await blockerObject.removeLocalFollower(target.id);
  await blockerObject.forgetFollowOf(target.id);
});
