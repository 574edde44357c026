import { accountStub, remoteActorStub } from "../../../core/stubs";
import { pollVoteOf } from "../../../core/activitypub/inbound";
import { localUsernameOf } from "../../../core/activitypub/uris";
import { locateStatusOwners } from "../../status-index/locate";
import { ingestNote, objectOfActivity, PARENT_DEPTH } from "../inbound-notes";

import { asArray, idOf, isRecord, knownStatus, localStatusIdOf, originOf, senderOf } from "./common";
import { inboxHandlers, objectIdOf, type InboxContext } from "./registry";
import type { RemoteActor } from "../actor-document";

/**
 * Create: a new remote status (Note, Question; Article, Page... converted), stored on its
 * author's RemoteActorObject and delivered to the local accounts it concerns (followers of the
 * author, mentioned and addressed accounts, timelines); or a vote on one of our polls (a Note
 * with a `name` and no content, in reply to the poll). Idempotent by the object's id.
 */
inboxHandlers.register("Create", async (ctx) => {
  const o = originOf(ctx);
  const object = await objectOfActivity({ env: ctx.env, o }, ctx.activity, ctx.actor);
  if (!object) return;
  const author = await senderOf(ctx);
  if (!author) return;
  const vote = pollVoteOf(object);
  if (vote) return receiveVote(ctx, author, vote);
  if (!(await relatedToLocal(ctx, author, object))) return;
  // The arrival said whether the object's id is stored already: no second look when it is not.
  const held = ctx.arrival?.holdsObject === false ? { uri: objectIdOf(ctx.activity), held: false as const } : null;
  await ingestNote({ env: ctx.env, o, here: ctx.here }, object, author, { fanout: true, depth: PARENT_DEPTH, activity: ctx.activity, known: held });
});

/**
 * Mastodon keeps only posts that concern this server (`related_to_local_activity?`): the author
 * has local followers, the post addresses or mentions a local account, quotes a local status, or it replies to a local
 * status or to one by an author with local followers. Anything else is not stored.
 */
async function relatedToLocal(ctx: InboxContext, author: RemoteActor, object: Record<string, unknown>): Promise<boolean> {
  const o = originOf(ctx);
  const arrived = ctx.arrival?.sender?.ok && ctx.arrival.sender.value.uri === author.uri ? ctx.arrival.hasLocalFollowers : undefined;
  if (arrived ?? (await remoteActorStub(ctx.env, author.uri).hasLocalFollowers())) return true;
  const addressed = [object.to, object.cc, ctx.activity.to, ctx.activity.cc].flatMap(asArray).map(idOf);
  const mentioned = asArray(object.tag).map((t) => (isRecord(t) ? idOf(t.href) : null));
  if ([...addressed, ...mentioned].some((uri) => uri !== null && localUsernameOf(o, uri) !== null)) return true;
  // A quote of one of our statuses concerns its author (its quotes list, the `quote` notification).
  const quotedUri = idOf(object.quote) ?? idOf(object.quoteUrl) ?? idOf(object.quoteUri) ?? idOf(object._misskey_quote);
  if (quotedUri && localStatusIdOf(o, quotedUri) !== null) return true;
  const parentUri = idOf(object.inReplyTo);
  if (!parentUri) return false;
  const parent = await knownStatus(ctx.env, o, parentUri);
  if (!parent) return false;
  return parent.actorUri === null || (await remoteActorStub(ctx.env, parent.actorUri).hasLocalFollowers());
}

/** A remote vote on a local poll: the choice is named by its title; one Create per choice. */
async function receiveVote(ctx: InboxContext, voter: RemoteActor, vote: { questionUri: string; choice: string }): Promise<void> {
  const pollId = localStatusIdOf(originOf(ctx), vote.questionUri);
  if (!pollId) return;
  const owner = (await locateStatusOwners(ctx.env, [pollId])).get(pollId);
  if (!owner || owner.actorUri) return;
  const author = accountStub(ctx.env, owner.accountId);
  const [poll] = await author.statusesFor([pollId], owner.accountId);
  const choice = poll?.poll?.options.findIndex((option) => option.title === vote.choice) ?? -1;
  if (choice < 0) return;
  // A refusal (ended, already voted: a replay) is final; nothing to retry.
  await author.receiveInteraction({ kind: "vote", statusId: pollId, choices: [choice] }, voter.account);
}
