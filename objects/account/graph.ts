import type { AccountHost } from "./host";
import { type AccountSnapshot, type RelationshipRecord, toSnapshot } from "../../schemas/records";
import { fail, ok, type Result } from "../../lib/result";
import { snowflake } from "../../lib/ids";
import { addNotification } from "./notifications";
import { accountJobs } from "./jobs";
import { selectIn } from "./viewer";
import { queueDirectorySync } from "./directory-sync";
import { queueBackfill } from "./backfill";
import { rememberFormerFollower } from "./surface-schema";
import { removeAuthorFromFeeds } from "./home";
import {
  deliverBlock,
  deliverFollow,
  deliverFollowAccepted,
  deliverFollowerRemoved,
  deliverFollowRejected,
  deliverUnblock,
  deliverUnfollow,
  fetchAccount,
} from "./graph-delivery";
import type { Viewer } from "../../schemas/auth";
import type { FollowState } from "../../schemas/calls";

export interface FollowOptions {
  reblogs?: boolean;
  notify?: boolean;
  /** ISO 639-1 codes; null = every language. */
  languages?: string[] | null;
}

export interface MuteOptions {
  notifications: boolean;
  /** Seconds; 0 = until unmuted. */
  duration: number;
}

type Host = AccountHost;

export const NOT_FOUND = "Record not found";
const NOT_ALLOWED = "This action is not allowed";
const NOTE_MAX = 2000;

interface FollowingRow {
  [key: string]: SqlStorageValue;
  account_id: string;
  id: string;
  state: FollowState;
  reblogs: number;
  notify: number;
  languages: string | null;
  snapshot: string;
}

export function followingRow(sql: SqlStorage, accountId: string): FollowingRow | undefined {
  return sql.exec<FollowingRow>("SELECT * FROM following WHERE account_id = ?", accountId).toArray()[0];
}

const GRAPH_TABLES = ["following", "followers", "follow_requests", "blocks", "blocked_by", "mutes", "endorsements"] as const;

function has(sql: SqlStorage, table: (typeof GRAPH_TABLES)[number], accountId: string): boolean {
  return sql.exec(`SELECT 1 FROM ${table} WHERE account_id = ?`, accountId).toArray().length > 0;
}

// ----- counts -----

/** Sets followers_count/following_count from the tables; true if they changed. */
function recountFollows(sql: SqlStorage): boolean {
  const now = sql
    .exec<{ followers: number; following: number; f0: number; g0: number }>(
      `SELECT (SELECT count(*) FROM followers) AS followers,
              (SELECT count(*) FROM following WHERE state = 'accepted') AS following,
              followers_count AS f0, following_count AS g0 FROM account`,
    )
    .one();
  if (now.followers === now.f0 && now.following === now.g0) return false;
  sql.exec("UPDATE account SET followers_count = ?, following_count = ?", now.followers, now.following);
  return true;
}

/** Recounts and, if anything changed, queues the directory sync. Inside a transaction. */
function settleCounts(host: Host): void {
  if (recountFollows(host.sql)) queueDirectorySync(host);
}

// ----- edge cleanup -----

/** This account no longer follows (or asks to follow) `accountId`: drop what came with it. */
function forgetFollowing(sql: SqlStorage, accountId: string, onlyState?: FollowState): boolean {
  const removed = onlyState
    ? sql.exec("DELETE FROM following WHERE account_id = ? AND state = ?", accountId, onlyState).rowsWritten
    : sql.exec("DELETE FROM following WHERE account_id = ?", accountId).rowsWritten;
  if (!removed) return false;
  // Mastodon ties endorsements and list memberships to the follow, and unmerges the feeds.
  sql.exec("DELETE FROM endorsements WHERE account_id = ?", accountId);
  sql.exec("DELETE FROM list_accounts WHERE account_id = ?", accountId);
  removeAuthorFromFeeds(sql, accountId);
  return true;
}

/** `accountId` no longer follows (or asks to follow) this account. */
function forgetFollower(sql: SqlStorage, accountId: string): void {
  if (sql.exec("DELETE FROM followers WHERE account_id = ?", accountId).rowsWritten) rememberFormerFollower(sql, accountId);
  sql.exec("DELETE FROM follow_requests WHERE account_id = ?", accountId);
  // The notification belongs to the follow: it goes with it (and a later follow notifies again).
  sql.exec("DELETE FROM notifications WHERE from_account_id = ? AND type IN ('follow', 'follow_request')", accountId);
}

function listsContaining(sql: SqlStorage, accountId: string): string[] {
  return sql.exec<{ list_id: string }>("SELECT list_id FROM list_accounts WHERE account_id = ?", accountId).toArray().map((r) => r.list_id);
}

// ----- follow (the follower's side) -----

export async function follow(host: Host, viewer: Viewer, targetId: string, options: FollowOptions): Promise<Result<RelationshipRecord>> {
  const sql = host.sql;
  if (targetId === viewer.account.id) return fail(422, "Validation failed: You can't follow yourself");
  if (has(sql, "blocks", targetId) || has(sql, "blocked_by", targetId)) return fail(403, NOT_ALLOWED);
  const before = followingRow(sql, targetId);
  let state: FollowState;
  let target: AccountSnapshot;
  if (before) {
    // Already following or requested: only the options change (Mastodon's change_follow_options!).
    state = before.state;
    target = JSON.parse(before.snapshot) as AccountSnapshot;
  } else {
    const delivered = await deliverFollow(host, targetId, toSnapshot(viewer.account));
    if (!delivered.ok) return delivered;
    ({ state, target } = delivered.value);
  }
  host.storage.transactionSync(() => {
    const current = followingRow(sql, targetId);
    if (before && !current) return; // unfollowed while we were away: nothing to update
    writeFollowing(sql, targetId, state, target, options, current);
    settleCounts(host);
    if (state === "accepted" && current?.state !== "accepted") {
      queueBackfill(host, { accountId: targetId, home: true, lists: listsContaining(sql, targetId) });
    }
  });
  await host.wake();
  return ok(relationshipsOf(sql, [targetId])[0]);
}

function writeFollowing(
  sql: SqlStorage,
  targetId: string,
  state: FollowState,
  target: AccountSnapshot,
  options: FollowOptions,
  current: FollowingRow | undefined,
): void {
  const reblogs = options.reblogs ?? (current ? current.reblogs === 1 : true);
  const notify = options.notify ?? (current ? current.notify === 1 : false);
  const languages = options.languages !== undefined ? options.languages : current?.languages ? (JSON.parse(current.languages) as string[]) : null;
  sql.exec(
    `INSERT INTO following (account_id, id, state, reblogs, notify, languages, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (account_id) DO UPDATE SET
       state = CASE WHEN following.state = 'accepted' THEN 'accepted' ELSE excluded.state END,
       reblogs = excluded.reblogs, notify = excluded.notify, languages = excluded.languages, snapshot = excluded.snapshot`,
    targetId,
    snowflake(),
    state,
    reblogs ? 1 : 0,
    notify ? 1 : 0,
    languages && languages.length ? JSON.stringify(languages) : null,
    JSON.stringify(target),
  );
}

export async function unfollow(host: Host, viewer: Viewer, targetId: string): Promise<Result<RelationshipRecord>> {
  if (targetId !== viewer.account.id) {
    // Always tell the other side, even without a local row: it repairs a half-done earlier call.
    const delivered = await deliverUnfollow(host, targetId, viewer.account.id);
    if (!delivered.ok) return delivered;
    host.storage.transactionSync(() => {
      forgetFollowing(host.sql, targetId);
      settleCounts(host);
    });
    await host.wake();
  }
  return ok(relationshipsOf(host.sql, [targetId])[0]);
}

/** The followee removed us from its followers. */
export async function followerRemoved(host: Host, followeeId: string): Promise<Result<AccountSnapshot>> {
  const me = host.record();
  if (!me || !me.approved) return fail(404, NOT_FOUND);
  host.storage.transactionSync(() => {
    forgetFollowing(host.sql, followeeId, "accepted");
    settleCounts(host);
  });
  await host.wake();
  return ok(toSnapshot(host.record()!));
}

/** A request of ours was accepted. False when we no longer want it (withdrawn meanwhile). */
export async function followAccepted(host: Host, followee: AccountSnapshot): Promise<Result<boolean>> {
  if (!host.record()) return fail(404, NOT_FOUND);
  const sql = host.sql;
  let wanted = false;
  host.storage.transactionSync(() => {
    const row = followingRow(sql, followee.id);
    if (!row) return;
    wanted = true;
    if (row.state === "accepted") return;
    sql.exec("UPDATE following SET state = 'accepted', snapshot = ? WHERE account_id = ?", JSON.stringify(followee), followee.id);
    settleCounts(host);
    queueBackfill(host, { accountId: followee.id, home: true, lists: listsContaining(sql, followee.id) });
  });
  await host.wake();
  return ok(wanted);
}

export async function followRejected(host: Host, followeeId: string): Promise<Result<boolean>> {
  if (!host.record()) return fail(404, NOT_FOUND);
  const removed = host.storage.transactionSync(() => forgetFollowing(host.sql, followeeId, "requested"));
  return ok(removed);
}

// ----- follow (the followee's side) -----

export async function receiveFollow(host: Host, follower: AccountSnapshot): Promise<Result<{ state: FollowState; target: AccountSnapshot }>> {
  const me = host.record();
  if (!me || !me.approved) return fail(404, NOT_FOUND);
  if (follower.id === me.id) return fail(422, "Validation failed: You can't follow yourself");
  const sql = host.sql;
  if (has(sql, "blocks", follower.id) || has(sql, "blocked_by", follower.id)) return fail(403, NOT_ALLOWED);
  // A follow from a domain this account blocks is refused (Mastodon's Follow handler rejects it).
  if (follower.domain && sql.exec("SELECT 1 FROM user_domain_blocks WHERE domain = ?", follower.domain.toLowerCase()).toArray().length) return fail(403, NOT_ALLOWED);
  const snapshot = JSON.stringify(follower);
  const state = host.storage.transactionSync((): FollowState => {
    if (sql.exec("UPDATE followers SET snapshot = ? WHERE account_id = ?", snapshot, follower.id).rowsWritten) return "accepted";
    if (sql.exec("UPDATE follow_requests SET snapshot = ? WHERE account_id = ?", snapshot, follower.id).rowsWritten) return "requested";
    if (me.locked) {
      sql.exec("INSERT INTO follow_requests (account_id, id, snapshot) VALUES (?, ?, ?)", follower.id, snowflake(), snapshot);
      addNotification(sql, { type: "follow_request", from: follower });
      return "requested";
    }
    sql.exec("INSERT INTO followers (account_id, id, snapshot) VALUES (?, ?, ?)", follower.id, snowflake(), snapshot);
    addNotification(sql, { type: "follow", from: follower });
    settleCounts(host);
    return "accepted";
  });
  await host.wake();
  return ok({ state, target: toSnapshot(host.record()!) });
}

export async function receiveUnfollow(host: Host, followerId: string): Promise<Result<AccountSnapshot>> {
  const me = host.record();
  if (!me || !me.approved) return fail(404, NOT_FOUND);
  host.storage.transactionSync(() => {
    forgetFollower(host.sql, followerId);
    settleCounts(host);
  });
  await host.wake();
  return ok(toSnapshot(host.record()!));
}

export async function removeFromFollowers(host: Host, viewer: Viewer, followerId: string): Promise<Result<RelationshipRecord>> {
  if (followerId !== viewer.account.id) {
    const delivered = await deliverFollowerRemoved(host, followerId, viewer.account.id);
    if (!delivered.ok) return delivered;
    host.storage.transactionSync(() => {
      if (host.sql.exec("DELETE FROM followers WHERE account_id = ?", followerId).rowsWritten) rememberFormerFollower(host.sql, followerId);
      host.sql.exec("DELETE FROM notifications WHERE from_account_id = ? AND type = 'follow'", followerId);
      settleCounts(host);
    });
    await host.wake();
  }
  return ok(relationshipsOf(host.sql, [followerId])[0]);
}

// ----- follow requests (a locked account deciding) -----

export async function authorizeFollowRequest(host: Host, viewer: Viewer, followerId: string): Promise<Result<RelationshipRecord>> {
  return decideFollowRequest(host, toSnapshot(viewer.account), followerId, true);
}

export async function rejectFollowRequest(host: Host, viewer: Viewer, followerId: string): Promise<Result<RelationshipRecord>> {
  return decideFollowRequest(host, toSnapshot(viewer.account), followerId, false);
}

async function decideFollowRequest(host: Host, me: AccountSnapshot, followerId: string, accept: boolean): Promise<Result<RelationshipRecord>> {
  const sql = host.sql;
  const request = sql.exec<{ snapshot: string }>("SELECT snapshot FROM follow_requests WHERE account_id = ?", followerId).toArray()[0];
  if (!request) return fail(404, NOT_FOUND);
  // The follower's side first: if we die before our half, the request is still here to retry.
  const delivered = accept ? await deliverFollowAccepted(host, followerId, me) : await deliverFollowRejected(host, followerId, me.id);
  if (!delivered.ok && delivered.status !== 404) return delivered;
  const stillWanted = delivered.ok && delivered.value;
  host.storage.transactionSync(() => {
    const removed = sql.exec("DELETE FROM follow_requests WHERE account_id = ?", followerId).rowsWritten;
    if (!removed) return;
    sql.exec("DELETE FROM notifications WHERE from_account_id = ? AND type = 'follow_request'", followerId);
    if (accept && stillWanted) {
      sql.exec("INSERT OR IGNORE INTO followers (account_id, id, snapshot) VALUES (?, ?, ?)", followerId, snowflake(), request.snapshot);
      settleCounts(host);
    }
  });
  await host.wake();
  return ok(relationshipsOf(sql, [followerId])[0]);
}

/** Requests still pending when an account stops being locked are accepted, as Mastodon does. */
const ACCEPT_BATCH = 50;

accountJobs.register("graph.acceptRequests", async (host) => {
  const me = host.record();
  if (!me || me.locked) return;
  const pending = host.sql
    .exec<{ account_id: string }>("SELECT account_id FROM follow_requests ORDER BY id LIMIT ?", ACCEPT_BATCH)
    .toArray();
  for (const { account_id } of pending) {
    const decided = await decideFollowRequest(host, toSnapshot(me), account_id, true);
    if (!decided.ok) throw new Error(`accepting ${account_id}: ${decided.error}`);
  }
  if (pending.length === ACCEPT_BATCH) {
    host.enqueue("graph.acceptRequests", {});
    await host.wake();
  }
});

// ----- blocks -----

export async function block(host: Host, viewer: Viewer, targetId: string): Promise<Result<RelationshipRecord>> {
  if (targetId === viewer.account.id) return fail(422, "Validation failed: You can't block yourself");
  const delivered = await deliverBlock(host, targetId, viewer.account.id);
  if (!delivered.ok) return delivered;
  const sql = host.sql;
  host.storage.transactionSync(() => {
    sql.exec(
      "INSERT INTO blocks (account_id, id, snapshot) VALUES (?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET snapshot = excluded.snapshot",
      targetId,
      snowflake(),
      JSON.stringify(delivered.value),
    );
    dropRelationsWith(sql, targetId);
    // As Mastodon's AfterBlockService: the blocked account's notifications go too.
    sql.exec("DELETE FROM notifications WHERE from_account_id = ?", targetId);
    settleCounts(host);
  });
  await host.wake();
  return ok(relationshipsOf(sql, [targetId])[0]);
}

/** The blocked side: remember who blocks us (for visibility) and drop follows both ways. */
export async function receiveBlock(host: Host, blockerId: string): Promise<Result<AccountSnapshot>> {
  const me = host.record();
  if (!me || !me.approved) return fail(404, NOT_FOUND);
  host.storage.transactionSync(() => {
    host.sql.exec("INSERT OR IGNORE INTO blocked_by (account_id) VALUES (?)", blockerId);
    dropRelationsWith(host.sql, blockerId);
    settleCounts(host);
  });
  await host.wake();
  return ok(toSnapshot(host.record()!));
}

function dropRelationsWith(sql: SqlStorage, accountId: string): void {
  forgetFollowing(sql, accountId);
  forgetFollower(sql, accountId);
  removeAuthorFromFeeds(sql, accountId);
}

export async function unblock(host: Host, viewer: Viewer, targetId: string): Promise<Result<RelationshipRecord>> {
  if (targetId !== viewer.account.id) {
    const delivered = await deliverUnblock(host, targetId, viewer.account.id);
    if (!delivered.ok) return delivered;
    host.sql.exec("DELETE FROM blocks WHERE account_id = ?", targetId);
  }
  return ok(relationshipsOf(host.sql, [targetId])[0]);
}

export async function receiveUnblock(host: Host, blockerId: string): Promise<Result<AccountSnapshot>> {
  const me = host.record();
  if (!me || !me.approved) return fail(404, NOT_FOUND);
  host.sql.exec("DELETE FROM blocked_by WHERE account_id = ?", blockerId);
  return ok(toSnapshot(me));
}

// ----- mutes -----

export async function mute(host: Host, viewer: Viewer, targetId: string, options: MuteOptions): Promise<Result<RelationshipRecord>> {
  if (targetId === viewer.account.id) return fail(422, "Validation failed: You can't mute yourself");
  const target = await fetchAccount(host.env, targetId);
  if (!target) return fail(404, NOT_FOUND);
  const sql = host.sql;
  const expiresAt = options.duration > 0 ? new Date(Date.now() + options.duration * 1000).toISOString() : null;
  host.storage.transactionSync(() => {
    sql.exec(
      `INSERT INTO mutes (account_id, id, notifications, expires_at, snapshot) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (account_id) DO UPDATE SET notifications = excluded.notifications, expires_at = excluded.expires_at, snapshot = excluded.snapshot`,
      targetId,
      snowflake(),
      options.notifications ? 1 : 0,
      expiresAt,
      JSON.stringify(target),
    );
    // Mastodon's MuteWorker/BlockWorker: the muted account leaves home and lists (and
    // notifications too when they are muted).
    removeAuthorFromFeeds(sql, targetId);
    if (options.notifications) sql.exec("DELETE FROM notifications WHERE from_account_id = ?", targetId);
    forgetExpiredMutes(sql);
  });
  return ok(relationshipsOf(sql, [targetId])[0]);
}

export async function unmute(host: Host, viewer: Viewer, targetId: string): Promise<Result<RelationshipRecord>> {
  const removed = host.sql.exec("DELETE FROM mutes WHERE account_id = ?", targetId).rowsWritten;
  if (!removed && targetId !== viewer.account.id && !(await fetchAccount(host.env, targetId))) return fail(404, NOT_FOUND);
  return ok(relationshipsOf(host.sql, [targetId])[0]);
}

function forgetExpiredMutes(sql: SqlStorage): void {
  sql.exec("DELETE FROM mutes WHERE expires_at IS NOT NULL AND expires_at <= ?", new Date().toISOString());
}

// ----- private note, endorsements -----

export async function setNote(host: Host, _viewer: Viewer, targetId: string, comment: string): Promise<Result<RelationshipRecord>> {
  if (comment.length > NOTE_MAX) return fail(422, `Validation failed: Comment is too long (maximum is ${NOTE_MAX} characters)`);
  if (!(await fetchAccount(host.env, targetId))) return fail(404, NOT_FOUND);
  if (comment === "") host.sql.exec("DELETE FROM account_notes WHERE account_id = ?", targetId);
  else {
    host.sql.exec(
      "INSERT INTO account_notes (account_id, comment) VALUES (?, ?) ON CONFLICT (account_id) DO UPDATE SET comment = excluded.comment",
      targetId,
      comment,
    );
  }
  return ok(relationshipsOf(host.sql, [targetId])[0]);
}

/** Feature an account on the profile: only one we follow (Mastodon's AccountPin rule). */
export async function endorse(host: Host, _viewer: Viewer, targetId: string): Promise<Result<RelationshipRecord>> {
  const row = followingRow(host.sql, targetId);
  if (!row || row.state !== "accepted") {
    if (!(await fetchAccount(host.env, targetId))) return fail(404, NOT_FOUND);
    return fail(422, "Validation failed: You must be already following the person you want to endorse");
  }
  host.sql.exec("INSERT OR IGNORE INTO endorsements (account_id, id, snapshot) VALUES (?, ?, ?)", targetId, snowflake(), row.snapshot);
  return ok(relationshipsOf(host.sql, [targetId])[0]);
}

export async function unendorse(host: Host, viewer: Viewer, targetId: string): Promise<Result<RelationshipRecord>> {
  const removed = host.sql.exec("DELETE FROM endorsements WHERE account_id = ?", targetId).rowsWritten;
  const known = removed || targetId === viewer.account.id || followingRow(host.sql, targetId);
  if (!known && !(await fetchAccount(host.env, targetId))) return fail(404, NOT_FOUND);
  return ok(relationshipsOf(host.sql, [targetId])[0]);
}

// ----- relationships -----

/** The viewer's relationship with each id, in order, in a few batched queries. */
export function relationshipsOf(sql: SqlStorage, ids: string[]): RelationshipRecord[] {
  const unique = [...new Set(ids)];
  const ofTable = (table: string) =>
    new Set(selectIn<{ v: string }>(sql, (p) => `SELECT account_id AS v FROM ${table} WHERE account_id IN (${p})`, unique).map((r) => r.v));
  const following = new Map(
    selectIn<FollowingRow>(sql, (p) => `SELECT * FROM following WHERE account_id IN (${p})`, unique).map((r) => [r.account_id, r]),
  );
  const mutes = new Map(
    selectIn<{ account_id: string; notifications: number; expires_at: string | null }>(
      sql,
      (p) => `SELECT account_id, notifications, expires_at FROM mutes WHERE (expires_at IS NULL OR expires_at > ?) AND account_id IN (${p})`,
      unique,
      new Date().toISOString(),
    ).map((r) => [r.account_id, r]),
  );
  const notes = new Map(
    selectIn<{ account_id: string; comment: string }>(sql, (p) => `SELECT account_id, comment FROM account_notes WHERE account_id IN (${p})`, unique).map(
      (r) => [r.account_id, r.comment],
    ),
  );
  const followers = ofTable("followers");
  const requests = ofTable("follow_requests");
  const blocks = ofTable("blocks");
  const blockedBy = ofTable("blocked_by");
  const endorsed = ofTable("endorsements");
  return ids.map((id) => {
    const f = following.get(id);
    const m = mutes.get(id);
    return {
      id,
      following: f?.state === "accepted",
      showing_reblogs: f ? f.reblogs === 1 : false,
      notifying: f ? f.notify === 1 : false,
      languages: f?.languages ? (JSON.parse(f.languages) as string[]) : null,
      followed_by: followers.has(id),
      blocking: blocks.has(id),
      blocked_by: blockedBy.has(id),
      muting: m !== undefined,
      muting_notifications: m?.notifications === 1,
      muting_expires_at: m?.expires_at ?? null,
      requested: f?.state === "requested",
      requested_by: requests.has(id),
      domain_blocking: false,
      endorsed: endorsed.has(id),
      note: notes.get(id) ?? "",
    };
  });
}
