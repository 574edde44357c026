import type { AccountObject } from "./account-object";
import { queueDirectorySync } from "./directory-sync";
import { snowflakeFloor } from "../../lib/ids";
import { WEEK_MS, weekStartOf } from "../../lib/weeks";

/**
 * When the account was last active, for the instance's figures (monthly active users, logins
 * per week): as Mastodon's UserTrackingConcern, an authenticated request marks it at most once
 * a day (the directory gets it with the next profile sync). Kept in its own table so that
 * writing it forgets no memo of the account or its pages.
 */
export const ACTIVITY_TABLE_SQL = "CREATE TABLE activity (id INTEGER PRIMARY KEY CHECK (id = 1), last_active_at TEXT NOT NULL)";

const MARK_EVERY_MS = 24 * 3600 * 1000;

export class ActivityTracker {
  /** When the stored mark was made (ms), once read; undefined = not read yet. */
  private markedAt: number | undefined;

  /** Marks the account active unless it was marked in the last day; true if it wrote (then `wake()`). */
  note(host: AccountObject): boolean {
    const now = Date.now();
    if (this.markedAt === undefined) {
      const stored = lastActiveAt(host.sql);
      this.markedAt = stored ? Date.parse(stored) : -Infinity;
    }
    if (now - this.markedAt < MARK_EVERY_MS) return false;
    host.storage.transactionSync(() => {
      host.sql.exec("INSERT OR REPLACE INTO activity (id, last_active_at) VALUES (1, ?)", new Date(now).toISOString());
      queueDirectorySync(host);
    });
    this.markedAt = now;
    return true;
  }

  forget(): void {
    this.markedAt = undefined;
  }
}

export function lastActiveAt(sql: SqlStorage): string | null {
  return sql.exec<{ at: string }>("SELECT last_active_at AS at FROM activity WHERE id = 1").toArray()[0]?.at ?? null;
}

/** Posts per week, as the instance's activity counts them: this account's statuses, boosts left out. */
export interface WeekPosts {
  /** The week's Monday 00:00 UTC, as an ISO instant. */
  week: string;
  posts: number;
}

/**
 * This week's and last week's posts (Mastodon counts every local status but boosts, direct
 * ones too). Ids carry their creation time, so each count walks the id index over one week.
 */
export function recentPostsByWeek(sql: SqlStorage, now = Date.now()): WeekPosts[] {
  const thisWeek = weekStartOf(now);
  return [thisWeek - WEEK_MS, thisWeek].map((start) => ({
    week: new Date(start).toISOString(),
    posts: sql
      .exec<{ n: number }>(
        `SELECT count(*) AS n FROM statuses WHERE reblog_of_id IS NULL
         AND CAST(id AS INTEGER) >= CAST(? AS INTEGER) AND CAST(id AS INTEGER) < CAST(? AS INTEGER)`,
        snowflakeFloor(start),
        snowflakeFloor(start + WEEK_MS),
      )
      .one().n,
  }));
}
