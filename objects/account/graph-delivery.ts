import { toSnapshot, type AccountSnapshot, type StatusRecord } from "../../schemas/records";
import type { Result } from "../../worker/http/errors";
import { accountStub } from "../../worker/stubs";
import type { FollowState } from "./graph";

/**
 * What the social graph asks of another account. Every call here is idempotent on the other
 * side, so a repeated request (or a retry after a crash between the two halves) changes nothing
 * twice. Today the other account is always local (its object, over RPC); federation adds a
 * remote branch here (ActivityPub Follow/Undo/Accept/Reject/Block) without touching callers.
 */

/** The public snapshot of an account others may see, or null (unknown, or awaiting approval). */
export async function fetchAccount(env: Env, id: string): Promise<AccountSnapshot | null> {
  const record = await accountStub(env, id).get();
  return record && record.approved ? toSnapshot(record) : null;
}

export function deliverFollow(env: Env, targetId: string, follower: AccountSnapshot): Promise<Result<{ state: FollowState; target: AccountSnapshot }>> {
  return accountStub(env, targetId).receiveFollow(follower);
}

export function deliverUnfollow(env: Env, targetId: string, followerId: string): Promise<Result<AccountSnapshot>> {
  return accountStub(env, targetId).receiveUnfollow(followerId);
}

/** The followee took the follower off its followers (remove_from_followers). */
export function deliverFollowerRemoved(env: Env, followerId: string, followeeId: string): Promise<Result<AccountSnapshot>> {
  return accountStub(env, followerId).followerRemoved(followeeId);
}

/** A locked account accepted a request: true if the follower still wanted it. */
export function deliverFollowAccepted(env: Env, followerId: string, followee: AccountSnapshot): Promise<Result<boolean>> {
  return accountStub(env, followerId).followAccepted(followee);
}

export function deliverFollowRejected(env: Env, followerId: string, followeeId: string): Promise<Result<boolean>> {
  return accountStub(env, followerId).followRejected(followeeId);
}

export function deliverBlock(env: Env, targetId: string, blockerId: string): Promise<Result<AccountSnapshot>> {
  return accountStub(env, targetId).receiveBlock(blockerId);
}

export function deliverUnblock(env: Env, targetId: string, blockerId: string): Promise<Result<AccountSnapshot>> {
  return accountStub(env, targetId).receiveUnblock(blockerId);
}

/** The author's recent statuses a new follower may see, for backfilling home and lists. */
export function fetchRecentStatuses(env: Env, authorId: string, viewerId: string): Promise<StatusRecord[]> {
  return accountStub(env, authorId).recentStatusesFor(viewerId);
}

/** Which of `candidateIds` follow `accountId`; `hidden` when it hides its collections. */
export function fetchFollowersAmong(env: Env, accountId: string, candidateIds: string[]): Promise<Result<{ ids: string[]; hidden: boolean }>> {
  return accountStub(env, accountId).followersAmong(candidateIds);
}
