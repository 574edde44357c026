import { weekStartOf } from "../../lib/weeks";
import type { WeekPosts } from "../../schemas/records";

/**
 * The instance's activity figures, from what each account's profile sync brings
 * (objects/account/directory-sync.ts): its posts of this and last week (weekly `statuses`:
 * every local status but boosts, as Mastodon's tracker; a week's count per account only grows,
 * so deleting never takes it back), when it was last active (weekly `logins`, monthly and
 * half-yearly active users; marked at most once a day, objects/account/activity.ts). The
 * statuses total is the accounts' `statuses_count`, as Mastodon's `stats.status_count`.
 */
export function activitySchema(sql: SqlStorage): void {
  sql.exec("ALTER TABLE accounts ADD COLUMN last_active_at TEXT");
  sql.exec("CREATE TABLE post_weeks (week TEXT NOT NULL, account_id TEXT NOT NULL, posts INTEGER NOT NULL, PRIMARY KEY (week, account_id))");
  sql.exec("CREATE TABLE login_weeks (week TEXT NOT NULL, account_id TEXT NOT NULL, PRIMARY KEY (week, account_id))");
}

const DAY_MS = 24 * 3600 * 1000;

export interface AccountActivity {
  lastActiveAt: string | null;
  posts: WeekPosts[];
}

/** Records what a profile sync says of the account's activity (a registered account only). */
export function recordActivity(sql: SqlStorage, accountId: string, activity: AccountActivity): void {
  if (!sql.exec("SELECT 1 FROM accounts WHERE id = ?", accountId).toArray().length) return;
  for (const { week, posts } of activity.posts) {
    if (posts <= 0) continue;
    sql.exec(
      "INSERT INTO post_weeks (week, account_id, posts) VALUES (?, ?, ?) ON CONFLICT (week, account_id) DO UPDATE SET posts = max(posts, excluded.posts)",
      week,
      accountId,
      posts,
    );
  }
  const at = activity.lastActiveAt;
  if (at) {
    sql.exec("UPDATE accounts SET last_active_at = ? WHERE id = ? AND (last_active_at IS NULL OR last_active_at < ?)", at, accountId, at);
    sql.exec("INSERT OR IGNORE INTO login_weeks (week, account_id) VALUES (?, ?)", new Date(weekStartOf(Date.parse(at))).toISOString(), accountId);
  }
}

export interface ActivityCounts {
  localPosts: number;
  activeMonth: number;
  activeHalfyear: number;
}

export function activityCounts(sql: SqlStorage, now = Date.now()): ActivityCounts {
  const since = (days: number) => new Date(now - days * DAY_MS).toISOString();
  return sql
    .exec<{ localPosts: number; activeMonth: number; activeHalfyear: number }>(
      `SELECT coalesce(sum(statuses_count), 0) AS localPosts,
              coalesce(sum(last_active_at >= ?), 0) AS activeMonth,
              coalesce(sum(last_active_at >= ?), 0) AS activeHalfyear
       FROM accounts WHERE state = 'active'`,
      since(30),
      since(180),
    )
    .one();
}

/** Statuses and logins of each week starting at `weekStarts` (ISO instants of Mondays 00:00 UTC). */
export function weeklyCounts(sql: SqlStorage, weekStarts: string[]): { statuses: number; logins: number }[] {
  return weekStarts.map((week) => ({
    statuses: sql.exec<{ n: number }>("SELECT coalesce(sum(posts), 0) AS n FROM post_weeks WHERE week = ?", week).one().n,
    logins: sql.exec<{ n: number }>("SELECT count(*) AS n FROM login_weeks WHERE week = ?", week).one().n,
  }));
}

