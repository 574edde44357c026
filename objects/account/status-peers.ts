import type { AccountSnapshot, StatusRecord } from "../../schemas/records";
import { fail, type Result } from "../../lib/result";
import { accountStub, remoteActorStub, threadStub } from "../../core/stubs";
import { indexStatuses, locateStatus, locateStatusOwners, unindexStatuses } from "../status-index/locate";
import { federateInteraction, refOf, remoteAccount } from "./federation-out";
import { localAccountIds, remoteActorUriOf } from "../federation/account-owners";
import type { AccountHost } from "./host";
import type { Interaction, InteractionOutcome, WatchedChange } from "../../schemas/calls";

/**
 * What statuses ask of other accounts' objects, the status index and thread objects. Each call
 * is idempotent on the other side. The other account is local today (its object over RPC, or
 * this object itself without a round trip); federation adds a remote branch here.
 */

export const NOT_FOUND = "Record not found";
const PARALLEL_CALLS = 50;

/** A status as `viewerId` may see it (author-side check), wherever it lives (a remote author's object too); null if not. */
export async function fetchVisibleStatus(host: AccountHost, id: string, viewerId: string): Promise<StatusRecord | null> {
  const owner = (await locateStatusOwners(host.env, [id])).get(id);
  if (!owner) return null;
  if (owner.actorUri) return (await remoteActorStub(host.env, owner.actorUri).statusesFor([id], viewerId))[0] ?? null;
  const found = owner.accountId === host.accountId() ? await host.statusesFor([id], viewerId) : await accountStub(host.env, owner.accountId).statusesFor([id], viewerId);
  return found[0] ?? null;
}

/**
 * Asks the author's object to record an interaction (favourite, boost, vote, reply...). A
 * remote author's object keeps the counts we show; the activity (Like, Undo, vote) goes to the
 * author's server through federation (a boost's Announce goes out with the boost's fan-out).
 */
export async function deliverInteraction(
  host: AccountHost,
  authorId: string,
  interaction: Interaction,
  actor: AccountSnapshot,
): Promise<Result<InteractionOutcome>> {
  if (authorId === host.accountId()) return host.receiveInteraction(interaction, actor);
  const remote = await remoteAccount(host.env, authorId);
  if (!remote) return accountStub(host.env, authorId).receiveInteraction(interaction, actor);
  const outcome = await remoteActorStub(host.env, remote.uri).receiveInteraction(interaction, actor);
  if (outcome.ok && !outcome.value.redirect && actor.id === host.accountId()) {
    host.storage.transactionSync(() => federateInteraction(host, interaction, outcome.value.status, refOf(remote)));
    await host.wake();
  }
  return outcome;
}

/** An interaction before it names its status (distributes over the union). */
type InteractionOn = Interaction extends infer I ? (I extends Interaction ? Omit<I, "statusId"> : never) : never;

/**
 * Locates a status and delivers the interaction to its author. A boost's id stands for the
 * boosted status (as in Mastodon): the author's answer redirects there.
 */
export async function interactWith(host: AccountHost, statusId: string, interaction: InteractionOn, actor: AccountSnapshot): Promise<Result<InteractionOutcome>> {
  const owner = await locateStatus(host.env, statusId);
  if (!owner) return fail(404, NOT_FOUND);
  const first = await deliverInteraction(host, owner, { ...interaction, statusId } as Interaction, actor);
  if (!first.ok || !first.value.redirect) return first;
  const target = first.value.redirect;
  return deliverInteraction(host, target.accountId, { ...interaction, statusId: target.id } as Interaction, actor);
}

/** Tells an account holding a copy of a status (favourite, bookmark, boost, vote) about a change. */
export async function deliverWatchedChange(host: AccountHost, accountId: string, change: WatchedChange): Promise<void> {
  if (accountId === host.accountId()) return host.receiveWatchedChange(change);
  // A remote booster's object updates or removes its boost for its local followers (federation).
  const remoteUri = await remoteActorUriOf(host.env, accountId);
  if (remoteUri) return remoteActorStub(host.env, remoteUri).receiveWatchedChange(change);
  await accountStub(host.env, accountId).receiveWatchedChange(change);
}

/** The `poll` notification reaches local voters; remote voters have no account object here. */
export async function deliverPollEnded(host: AccountHost, voterIds: string[], status: StatusRecord): Promise<void> {
  const voters = (await localAccountIds(host.env, voterIds)).filter((id) => id !== host.accountId());
  for (let i = 0; i < voters.length; i += PARALLEL_CALLS) {
    await Promise.all(voters.slice(i, i + PARALLEL_CALLS).map((id) => accountStub(host.env, id).receivePollEnded(status)));
  }
}


// ----- the status index and threads -----

export const indexStatus = (host: AccountHost, id: string) => indexStatuses(host.env, [{ id, accountId: host.accountId() }]);
export const unindexStatus = (host: AccountHost, id: string) => unindexStatuses(host.env, [id]);
export const thread = (host: AccountHost, conversationId: string) => threadStub(host.env, conversationId);
