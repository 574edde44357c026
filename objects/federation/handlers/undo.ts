import { accountStub, remoteActorStub } from "../../../core/stubs";

import type { LedgerEntry } from "../remote-relations";
import { idOf, isRecord, localAccountByUri, originOf, senderOf, typeOf } from "./common";
import { followEnded } from "./follow-answers";
import { localStatusOf, onLocalStatus } from "./like";
import { inboxHandlers, type InboxContext } from "./registry";
import type { RemoteActor } from "../actor-document";

/**
 * Undo of the sender's own Follow, Like, Announce, Block or Accept. The undone activity is
 * embedded (its `actor` must be the sender) or named by id only: then the sender's ledger
 * (remote-statuses.ts) or its boosts say what it was. Undoing something never done (or already
 * undone) changes nothing.
 */
inboxHandlers.register("Undo", async (ctx) => {
  const inner = ctx.activity.object;
  const innerId = idOf(inner);
  if (!innerId) return;
  if (isRecord(inner) && inner.actor !== undefined && idOf(inner.actor) !== ctx.actor) return;
  const actor = await senderOf(ctx);
  if (!actor) return;
  const actorObject = remoteActorStub(ctx.env, actor.uri);
  const ledger = await actorObject.findActivity(innerId);
  const type = typeOf(inner) ?? ledger?.kind ?? ((await actorObject.statusByUri(innerId)) ? "Announce" : null);
  switch (type) {
    case "Follow":
      return undoFollow(ctx, actor, inner, ledger);
    case "Like":
      return undoLike(ctx, actor, inner, ledger);
    case "Announce":
      await actorObject.removeStatus(innerId);
      return;
    case "Block":
      return undoBlock(ctx, actor, inner, ledger);
    case "Accept":
      return undoAccept(ctx, actor, inner);
  }
});

/** The local account an embedded activity's object names, else the one the ledger remembers. */
async function localTarget(ctx: InboxContext, inner: unknown, ledger: LedgerEntry | null): Promise<string | null> {
  const uri = isRecord(inner) ? idOf(inner.object) : null;
  if (uri) return (await localAccountByUri(ctx.env, originOf(ctx), uri))?.id ?? null;
  return ledger?.accountId ?? null;
}

async function undoFollow(ctx: InboxContext, actor: RemoteActor, inner: unknown, ledger: LedgerEntry | null): Promise<void> {
  const targetId = await localTarget(ctx, inner, ledger);
  if (!targetId) return;
  await accountStub(ctx.env, targetId).receiveUnfollow(actor.id);
  const actorObject = remoteActorStub(ctx.env, actor.uri);
  await actorObject.forgetFollowOf(targetId);
  await actorObject.forgetActivities({ id: idOf(inner) ?? undefined, kind: "Follow", accountId: targetId });
}

async function undoLike(ctx: InboxContext, actor: RemoteActor, inner: unknown, ledger: LedgerEntry | null): Promise<void> {
  const statusId = (isRecord(inner) ? localStatusOf(ctx, inner.object) : null) ?? ledger?.statusId ?? null;
  if (!statusId) return;
  const undone = await onLocalStatus(ctx.env, statusId, { kind: "unfavourite" }, actor.account);
  await remoteActorStub(ctx.env, actor.uri).forgetActivities({ id: idOf(inner) ?? undefined, kind: "Like", accountId: undone?.authorId, statusId: undone?.statusId });
}

async function undoBlock(ctx: InboxContext, actor: RemoteActor, inner: unknown, ledger: LedgerEntry | null): Promise<void> {
  const targetId = await localTarget(ctx, inner, ledger);
  if (!targetId) return;
  await accountStub(ctx.env, targetId).receiveUnblock(actor.id);
  await remoteActorStub(ctx.env, actor.uri).forgetActivities({ id: idOf(inner) ?? undefined, kind: "Block", accountId: targetId });
}

/** Undo of an Accept: the sender revokes a local account's follow of it. */
async function undoAccept(ctx: InboxContext, actor: RemoteActor, inner: unknown): Promise<void> {
  const follow = isRecord(inner) ? inner.object : null;
  if (!isRecord(follow) || (follow.object !== undefined && idOf(follow.object) !== actor.uri)) return;
  const followerUri = idOf(follow.actor);
  const follower = followerUri ? await localAccountByUri(ctx.env, originOf(ctx), followerUri) : null;
  if (follower) await followEnded(ctx, follower.id, actor.id, actor.uri);
}
