import type { StatusRecord } from "../../schemas/records";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";
import { viewStatuses } from "./viewer";
import { fetchRecentStatuses } from "./graph-delivery";
import { mergeIntoFeeds } from "./home";

/**
 * When a follow is accepted (or a followed account joins a list), Mastodon merges the account's
 * recent posts into the feed so it does not start empty (MergeWorker). Here that is a durable
 * job in the follower's object: fetch the author's recent statuses the follower may see, then
 * merge them with the rules of live delivery (home.ts `mergeIntoFeeds`). Idempotent (same ids).
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
export function queueBackfill(host: AccountHost, job: BackfillJob): void {
  if (job.home || job.lists.length) host.enqueue("graph.backfill", job);
}

accountJobs.register("graph.backfill", async (host, job: BackfillJob) => {
  const me = host.accountId();
  const records = await fetchRecentStatuses(host.env, job.accountId, me);
  if (records.length === 0) return;
  host.storage.transactionSync(() => {
    const { statuses } = viewStatuses(host.sql, me, records, "home");
    mergeIntoFeeds(host.sql, me, job.accountId, statuses, { home: job.home, lists: job.lists });
  });
});

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
