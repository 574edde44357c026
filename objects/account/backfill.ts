import type { StatusRecord } from "../../schemas/records";
import type { AccountObject } from "./account-object";
import { accountJobs } from "./jobs";
import { viewStatuses } from "./viewer";
import { fetchRecentStatuses } from "./graph-delivery";
import { insertIntoHome } from "./home";

/**
 * When a follow is accepted (or a followed account joins a list), Mastodon merges the account's
 * recent posts into the feed so it does not start empty (MergeWorker). Here that is a durable
 * job in the follower's object: fetch the author's recent statuses the follower may see, filter
 * them with the follower's own rules, insert them. Inserting is idempotent (same ids).
 */
export const BACKFILL_LIMIT = 40;

export interface BackfillJob {
  accountId: string;
  /** Into the home timeline (only while the follow is accepted). */
  home: boolean;
  /** Into these lists (only while the account is still a member). */
  lists: string[];
}

/** Call inside the transaction that accepted the follow or added the member; then `wake()`. */
export function queueBackfill(host: AccountObject, job: BackfillJob): void {
  if (job.home || job.lists.length) host.enqueue("graph.backfill", job);
}

accountJobs.register("graph.backfill", async (host, job: BackfillJob) => {
  const me = host.accountId();
  const records = await fetchRecentStatuses(host.env, job.accountId, me);
  if (records.length === 0) return;
  host.storage.transactionSync(() => insertBackfill(host.sql, me, job, records));
});

interface FollowFilter {
  reblogs: boolean;
  languages: string[] | null;
  state: string;
}

function insertBackfill(sql: SqlStorage, me: string, job: BackfillJob, records: StatusRecord[]): void {
  const follow = sql
    .exec<{ reblogs: number; languages: string | null; state: string }>("SELECT reblogs, languages, state FROM following WHERE account_id = ?", job.accountId)
    .toArray()[0];
  if (!follow) return;
  const filter: FollowFilter = { reblogs: follow.reblogs === 1, languages: follow.languages ? JSON.parse(follow.languages) : null, state: follow.state };
  const followed = new Set(
    sql.exec<{ id: string }>("SELECT account_id AS id FROM following WHERE state = 'accepted'").toArray().map((r) => r.id),
  );
  const { statuses } = viewStatuses(sql, me, records, "home");
  const wanted = statuses.filter((s) => fitsFollow(s, filter));
  if (job.home && filter.state === "accepted") {
    insertIntoHome(sql, wanted.filter((s) => replyShownTo(s, me, (id) => followed.has(id))));
  }
  for (const listId of job.lists) {
    const list = sql
      .exec<{ replies_policy: string }>(
        "SELECT replies_policy FROM lists JOIN list_accounts ON list_accounts.list_id = lists.id WHERE lists.id = ? AND list_accounts.account_id = ?",
        listId,
        job.accountId,
      )
      .toArray()[0];
    if (!list) continue;
    const members = new Set(
      sql.exec<{ id: string }>("SELECT account_id AS id FROM list_accounts WHERE list_id = ?", listId).toArray().map((r) => r.id),
    );
    const shown = (id: string) => (list.replies_policy === "followed" ? followed.has(id) : list.replies_policy === "list" ? members.has(id) : false);
    for (const s of wanted.filter((s) => replyShownTo(s, me, shown))) insertListEntry(sql, listId, s);
  }
}

/** The follow's own settings: boosts shown or not, languages. */
function fitsFollow(s: StatusRecord, f: FollowFilter): boolean {
  if (s.reblog) return f.reblogs;
  return !f.languages || !s.language || f.languages.includes(s.language);
}

/** Replies to others appear only when the reader follows (or the list shows) the replied-to account. */
function replyShownTo(s: StatusRecord, me: string, shown: (accountId: string) => boolean): boolean {
  const target = s.reblog ? null : s.in_reply_to_account_id;
  if (!target || target === s.account.id || target === me) return true;
  return shown(target);
}

function insertListEntry(sql: SqlStorage, listId: string, s: StatusRecord): void {
  sql.exec(
    "INSERT OR IGNORE INTO list_entries (list_id, id, author_id, snapshot) VALUES (?, ?, ?, ?)",
    listId,
    s.id,
    s.account.id,
    JSON.stringify(s),
  );
}

/**
 * The author's side: its latest statuses and boosts that `viewerId` may see — public and
 * unlisted, plus followers-only when the viewer is an accepted follower; none if we block it.
 * Direct statuses never backfill (Mastodon's merge skips them).
 */
export function recentStatusesFor(sql: SqlStorage, viewerId: string): StatusRecord[] {
  if (sql.exec("SELECT 1 FROM blocks WHERE account_id = ?", viewerId).toArray().length) return [];
  const follower = sql.exec("SELECT 1 FROM followers WHERE account_id = ?", viewerId).toArray().length > 0;
  const visibilities = follower ? "'public', 'unlisted', 'private'" : "'public', 'unlisted'";
  return sql
    .exec<{ snapshot: string; replies_count: number; reblogs_count: number; favourites_count: number }>(
      `SELECT snapshot, replies_count, reblogs_count, favourites_count FROM statuses
       WHERE visibility IN (${visibilities}) ORDER BY id DESC LIMIT ?`,
      BACKFILL_LIMIT,
    )
    .toArray()
    .map((row) => {
      const record = JSON.parse(row.snapshot) as StatusRecord;
      return { ...record, replies_count: row.replies_count, reblogs_count: row.reblogs_count, favourites_count: row.favourites_count };
    });
}
