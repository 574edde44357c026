import { isListedAccount, toSnapshot, type AccountSnapshot, type StatusRecord } from "../../schemas/records";
import { fail, ok, type Result } from "../../lib/result";
import { accountStub, remoteActorStub } from "../../core/stubs";
import type { AccountHost } from "./host";

import { queueBlock, queueFollow, queueFollowDecision, queueUndoFollow, queueUnblock, refOf, remoteAccount } from "./federation-out";
import type { FollowState } from "../../schemas/calls";

/**
 * What the social graph asks of another account. Every call here is idempotent on the other
 * side, so a repeated request (or a retry after a crash between the two halves) changes nothing
 * twice. A local account is asked over RPC (its object); a remote one gets an ActivityPub
 * activity, queued durably on the acting object (objects/account/federation-out.ts), and the
 * local state is updated optimistically as Mastodon does (a follow stays `requested` until the
 * remote Accept arrives).
 */

const NOT_FOUND = "Record not found";

/** The public snapshot of an account others may see, or null (unknown, or awaiting approval). */
export async function fetchAccount(env: Env, id: string): Promise<AccountSnapshot | null> {
  const remote = await remoteAccount(env, id);
  if (remote) return remote.account;
  const record = await accountStub(env, id).get();
  return record && isListedAccount(record) ? toSnapshot(record) : null;
}

export async function deliverFollow(host: AccountHost, targetId: string, follower: AccountSnapshot): Promise<Result<{ state: FollowState; target: AccountSnapshot }>> {
  const remote = await remoteAccount(host.env, targetId);
  if (!remote) return accountStub(host.env, targetId).receiveFollow(follower);
  queueFollow(host, refOf(remote));
  await host.wake();
  return ok({ state: "requested", target: remote.account });
}

export async function deliverUnfollow(host: AccountHost, targetId: string, followerId: string): Promise<Result<AccountSnapshot>> {
  const remote = await remoteAccount(host.env, targetId);
  if (!remote) return accountStub(host.env, targetId).receiveUnfollow(followerId);
  await remoteActorStub(host.env, remote.uri).removeLocalFollower(followerId);
  queueUndoFollow(host, refOf(remote));
  await host.wake();
  return ok(remote.account);
}

/** The followee took the follower off its followers (remove_from_followers): a remote follower gets a Reject. */
export async function deliverFollowerRemoved(host: AccountHost, followerId: string, followeeId: string): Promise<Result<AccountSnapshot>> {
  const remote = await remoteAccount(host.env, followerId);
  if (!remote) return accountStub(host.env, followerId).followerRemoved(followeeId);
  await remoteActorStub(host.env, remote.uri).forgetFollowOf(followeeId);
  queueFollowDecision(host, followerId, false);
  await host.wake();
  return ok(remote.account);
}

/** A locked account accepted a request: true if the follower still wanted it. */
export async function deliverFollowAccepted(host: AccountHost, followerId: string, followee: AccountSnapshot): Promise<Result<boolean>> {
  const remote = await remoteAccount(host.env, followerId);
  if (!remote) return accountStub(host.env, followerId).followAccepted(followee);
  return decided(host, queueFollowDecision(host, followerId, true));
}

export async function deliverFollowRejected(host: AccountHost, followerId: string, followeeId: string): Promise<Result<boolean>> {
  const remote = await remoteAccount(host.env, followerId);
  if (!remote) return accountStub(host.env, followerId).followRejected(followeeId);
  await remoteActorStub(host.env, remote.uri).forgetFollowOf(followeeId);
  return decided(host, queueFollowDecision(host, followerId, false));
}

/** The answer to a remote Follow is queued: true (still wanted) once it is; 404 when no Follow is known. */
async function decided(host: AccountHost, queued: boolean): Promise<Result<boolean>> {
  if (!queued) return fail(404, NOT_FOUND);
  await host.wake();
  return ok(true);
}

export async function deliverBlock(host: AccountHost, targetId: string, blockerId: string): Promise<Result<AccountSnapshot>> {
  const remote = await remoteAccount(host.env, targetId);
  if (!remote) return accountStub(host.env, targetId).receiveBlock(blockerId);
  // A block ends the follows both ways (the remote side hears it from the Block).
  const stub = remoteActorStub(host.env, remote.uri);
  await Promise.all([stub.removeLocalFollower(blockerId), stub.forgetFollowOf(blockerId)]);
  queueBlock(host, refOf(remote));
  await host.wake();
  return ok(remote.account);
}

export async function deliverUnblock(host: AccountHost, targetId: string, blockerId: string): Promise<Result<AccountSnapshot>> {
  const remote = await remoteAccount(host.env, targetId);
  if (!remote) return accountStub(host.env, targetId).receiveUnblock(blockerId);
  queueUnblock(host, refOf(remote));
  await host.wake();
  return ok(remote.account);
}

/** The author's recent statuses a new follower may see, for backfilling home and lists (a remote author's: those we hold). */
export async function fetchRecentStatuses(env: Env, authorId: string, viewerId: string): Promise<StatusRecord[]> {
  const remote = await remoteAccount(env, authorId);
  if (remote) return remoteActorStub(env, remote.uri).recentStatusesFor(viewerId);
  return accountStub(env, authorId).recentStatusesFor(viewerId);
}

/** Which of `candidateIds` follow `accountId`; `hidden` when it hides its collections. */
export async function fetchFollowersAmong(env: Env, accountId: string, candidateIds: string[]): Promise<Result<{ ids: string[]; hidden: boolean }>> {
  // A remote account's followers are on its server; local candidates following it are in their own tables.
  if (await remoteAccount(env, accountId)) return ok({ ids: [], hidden: false });
  return accountStub(env, accountId).followersAmong(candidateIds);
}
