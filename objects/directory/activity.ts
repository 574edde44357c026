import type { AccountSnapshot } from "../../schemas/records";

/**
 * The instance's activity figures, from what each account's profile sync brings
 * (objects/account/directory-sync.ts): statuses posted per week (the growth of each account's
 * `statuses_count`; deleting never takes back a week's count, as Mastodon's tracker), accounts
 * active per week (logins, marked at most once a day per account, objects/account/activity.ts)
 * and the monthly and half-yearly active users.
 */
export function activitySchema(sql: SqlStorage): void {
  sql.exec("ALTER TABLE accounts ADD COLUMN last_active_at TEXT");
  sql.exec("CREATE TABLE status_weeks (week TEXT PRIMARY KEY, statuses INTEGER NOT NULL)");
  sql.exec("CREATE TABLE login_weeks (week TEXT NOT NULL, account_id TEXT NOT NULL, PRIMARY KEY (week, account_id))");
}

const DAY_MS = 24 * 3600 * 1000;

/** Monday 00:00 UTC of the week holding `at`, as an ISO instant (the bucket of /api/v1/instance/activity). */
export function weekOf(at: number): string {
  const d = new Date(at);
  const daysSinceMonday = (d.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - daysSinceMonday)).toISOString();
}

/** Call before the profile copy is written: counts the statuses posted since the last sync, and the activity mark. */
export function recordActivity(sql: SqlStorage, s: AccountSnapshot, lastActiveAt: string | null): void {
  const before = sql.exec<{ n: number }>("SELECT statuses_count AS n FROM accounts WHERE id = ?", s.id).toArray()[0];
  if (!before) return;
  const posted = s.statuses_count - before.n;
  if (posted > 0) {
    sql.exec(
      "INSERT INTO status_weeks (week, statuses) VALUES (?, ?) ON CONFLICT (week) DO UPDATE SET statuses = statuses + excluded.statuses",
      weekOf(Date.now()),
      posted,
    );
  }
  if (lastActiveAt) {
    sql.exec("UPDATE accounts SET last_active_at = ? WHERE id = ? AND (last_active_at IS NULL OR last_active_at < ?)", lastActiveAt, s.id, lastActiveAt);
    sql.exec("INSERT OR IGNORE INTO login_weeks (week, account_id) VALUES (?, ?)", weekOf(Date.parse(lastActiveAt)), s.id);
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

/** Statuses and logins of each week starting at `weekStarts` (ISO instants, as weekOf gives). */
export function weeklyCounts(sql: SqlStorage, weekStarts: string[]): { statuses: number; logins: number }[] {
  return weekStarts.map((week) => ({
    statuses: sql.exec<{ n: number }>("SELECT coalesce(sum(statuses), 0) AS n FROM status_weeks WHERE week = ?", week).one().n,
    logins: sql.exec<{ n: number }>("SELECT count(*) AS n FROM login_weeks WHERE week = ?", week).one().n,
  }));
}

