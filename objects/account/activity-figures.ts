import { snowflakeFloor } from "../../lib/ids";
import { WEEK_MS, weekStartOf } from "../../lib/weeks";
import type { WeekPosts } from "../../schemas/records";

/** When the account was last active (marked by activity.ts), or null if never. */
export function lastActiveAt(sql: SqlStorage): string | null {
  return sql.exec<{ at: string }>("SELECT last_active_at AS at FROM activity WHERE id = 1").toArray()[0]?.at ?? null;
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
