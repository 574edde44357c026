/**
 * The admin dashboard's figures (Mastodon's measures and retention) from what the directory
 * records: registrations (accounts.created_at), reports opened and resolved, and logins by week
 * (login_weeks, objects/directory/activity.ts). Days are UTC; the caller shapes the entities
 * (core/serializers/admin-measures.ts) and answers zeros for what nobody records here.
 */
import type { Cohort, MeasureSeries } from "../../schemas/admin-blocks";

export type { Cohort, MeasureSeries };

export type MeasuredKey = "new_users" | "opened_reports" | "resolved_reports" | "active_users";
export const MEASURED_KEYS: readonly MeasuredKey[] = ["new_users", "opened_reports", "resolved_reports", "active_users"];

const DAY_MS = 86_400_000;

export function dayStarts(startAt: string, endAt: string): string[] {
  const first = Math.floor(Date.parse(startAt) / DAY_MS) * DAY_MS;
  const last = Math.floor(Date.parse(endAt) / DAY_MS) * DAY_MS;
  const days: string[] = [];
  for (let t = first; t <= last && days.length < 400; t += DAY_MS) days.push(new Date(t).toISOString());
  return days;
}

/** Rows per day of `column` in `table` (ISO timestamps), within [from, to). */
function countByDay(sql: SqlStorage, table: string, column: string, from: string, to: string, extra = ""): Map<string, number> {
  const rows = sql
    .exec<{ day: string; n: number }>(
      `SELECT substr(${column}, 1, 10) AS day, count(*) AS n FROM ${table}
       WHERE ${column} >= ? AND ${column} < ? ${extra} GROUP BY day`,
      from,
      to,
    )
    .toArray();
  return new Map(rows.map((r) => [`${r.day}T00:00:00.000Z`, r.n]));
}

/** Accounts that signed in during a week overlapping [from, to). */
function activeAccounts(sql: SqlStorage, from: string, to: string): number {
  const firstWeek = new Date(Date.parse(from) - 6 * DAY_MS).toISOString();
  return sql.exec<{ n: number }>("SELECT count(DISTINCT account_id) AS n FROM login_weeks WHERE week > ? AND week < ?", firstWeek, to).one().n;
}

export function measure(sql: SqlStorage, key: MeasuredKey, startAt: string, endAt: string): MeasureSeries {
  const days = dayStarts(startAt, endAt);
  if (days.length === 0) return { total: 0, previousTotal: 0, data: [] };
  const from = days[0];
  const to = new Date(Date.parse(days[days.length - 1]) + DAY_MS).toISOString();
  const span = Date.parse(to) - Date.parse(from);
  const prevFrom = new Date(Date.parse(from) - span).toISOString();
  if (key === "active_users") {
    // Logins are known by week only: the total is exact to the week, days are not recorded.
    return { total: activeAccounts(sql, from, to), previousTotal: activeAccounts(sql, prevFrom, from), data: days.map((date) => ({ date, value: 0 })) };
  }
  const [table, column, extra] =
    key === "new_users"
      ? ["accounts", "created_at", "AND state = 'active'"]
      : key === "opened_reports"
        ? ["reports", "created_at", ""]
        : ["reports", "action_taken_at", ""];
  const byDay = countByDay(sql, table, column, from, to, extra);
  const previous = countByDay(sql, table, column, prevFrom, from, extra);
  const data = days.map((date) => ({ date, value: byDay.get(date) ?? 0 }));
  return {
    total: data.reduce((n, d) => n + d.value, 0),
    previousTotal: [...previous.values()].reduce((n, v) => n + v, 0),
    data,
  };
}


function periodStarts(startAt: string, endAt: string, frequency: "day" | "month"): string[] {
  if (frequency === "day") return dayStarts(startAt, endAt);
  const s = new Date(startAt);
  const e = new Date(endAt);
  const out: string[] = [];
  for (let y = s.getUTCFullYear(), m = s.getUTCMonth(); Date.UTC(y, m) <= e.getTime() && out.length < 120; m++) {
    out.push(new Date(Date.UTC(y, m)).toISOString());
  }
  return out;
}

function nextPeriod(start: string, frequency: "day" | "month"): string {
  const d = new Date(start);
  return frequency === "day" ? new Date(d.getTime() + DAY_MS).toISOString() : new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1)).toISOString();
}

/**
 * Retention: the accounts registered in each period, and how many of them signed in during each
 * later period. Sign-ins are recorded by week, so a week counts for the period it starts in.
 */
export function retention(sql: SqlStorage, startAt: string, endAt: string, frequency: "day" | "month"): Cohort[] {
  const periods = periodStarts(startAt, endAt, frequency);
  return periods.map((period, i) => {
    const cohortEnd = nextPeriod(period, frequency);
    const members = sql
      .exec<{ id: string }>("SELECT id FROM accounts WHERE state = 'active' AND created_at >= ? AND created_at < ?", period, cohortEnd)
      .toArray()
      .map((r) => r.id);
    const size = members.length;
    const data = periods.slice(i).map((date, j) => {
      const end = nextPeriod(date, frequency);
      const value =
        j === 0
          ? size
          : sql
              .exec<{ n: number }>(
                "SELECT count(DISTINCT account_id) AS n FROM login_weeks WHERE week >= ? AND week < ? AND account_id IN (SELECT value FROM json_each(?))",
                date,
                end,
                JSON.stringify(members),
              )
              .one().n;
      return { date, rate: size === 0 ? 0 : value / size, value };
    });
    return { period, frequency, data };
  });
}
