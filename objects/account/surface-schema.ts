/**
 * Mastodon-behaviour work, appended to ACCOUNT_MIGRATIONS:
 * - `reblogged_by.visibility`: `reblogged_by` lists only public and unlisted boosts, as
 *   Mastodon's (a private boost is counted but not listed).
 * - `former_followers`: local accounts that stopped following this one, and when. A deleted
 *   status's fan-out reaches those who left after it was posted, so a `status` notification
 *   they received while following goes with the status (home.ts `receiveStatusDelete`).
 * - `dismissed_suggestions`: accounts never to suggest again (suggestions.ts).
 */
export function surfaceSchema(sql: SqlStorage): void {
  sql.exec("ALTER TABLE reblogged_by ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public'");
  sql.exec("CREATE TABLE former_followers (account_id TEXT PRIMARY KEY, left_at INTEGER NOT NULL)");
  sql.exec("CREATE INDEX former_followers_left ON former_followers (left_at)");
  sql.exec("CREATE TABLE dismissed_suggestions (account_id TEXT PRIMARY KEY, dismissed_at INTEGER NOT NULL)");
}

/** Remembers that `accountId` stopped following now. Inside the transaction that removed it. */
export function rememberFormerFollower(sql: SqlStorage, accountId: string, now = Date.now()): void {
  sql.exec("INSERT OR REPLACE INTO former_followers (account_id, left_at) VALUES (?, ?)", accountId, now);
}

/** Accounts that stopped following after `since` (ms): they may hold notifications of statuses posted since. */
export function formerFollowersSince(sql: SqlStorage, since: number): string[] {
  return sql.exec<{ account_id: string }>("SELECT account_id FROM former_followers WHERE left_at >= ?", since).toArray().map((r) => r.account_id);
}
