import { snowflakeFloor, snowflakeTime } from "../../lib/ids";
import type { AccountSnapshot } from "../../schemas/records";

/**
 * An annual report ("Wrapstodon") computed from this account's own rows for one year, as
 * Mastodon's AnnualReport sources do (schema version 2: archetype, top statuses, time series,
 * top hashtags), plus the breakdowns the schema's version 1 keys hold that this object knows
 * (type distribution, apps, accounts replied to and boosted). Pure reads; the job stores it.
 */
export const ANNUAL_REPORT_SCHEMA = 2;

/** Posts of an average active user in a year (Mastodon's Archetype: fewer makes a lurker). */
const AVERAGE_PER_YEAR = 113;
const SCORE_MULTIPLIER = 2;
const SCORE_REDUCER = 0.1;
const TOP_HASHTAGS = 40;
const TOP_ACCOUNTS = 10;
const TOP_APPS = 10;

export type Archetype = "lurker" | "booster" | "pollster" | "replier" | "oracle";

export interface AnnualReportData {
  archetype: Archetype;
  type_distribution: { total: number; reblogs: number; replies: number; standalone: number };
  top_statuses: { by_reblogs: string | null; by_favourites: string | null; by_replies: string | null };
  most_used_apps: { name: string; count: number }[];
  commonly_interacted_with_accounts: { account_id: string; count: number }[];
  most_reblogged_accounts: { account_id: string; count: number }[];
  time_series: { month: number; statuses: number; following: number; followers: number }[];
  top_hashtags: { name: string; count: number }[];
}

/** One status of the year, with only what the report needs from its snapshot (no parsing). */
interface YearRow extends Record<string, SqlStorageValue> {
  id: string;
  visibility: string;
  reblog_of_id: string | null;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  replies_count: number;
  reblogs_count: number;
  favourites_count: number;
  has_poll: number;
  app: string | null;
  boosted_account_id: string | null;
}

/** The snowflake bounds of a calendar year (UTC), inclusive. */
export function yearBounds(year: number): [string, string] {
  const lo = snowflakeFloor(Date.UTC(year, 0, 1));
  const hi = (BigInt(snowflakeFloor(Date.UTC(year + 1, 0, 1))) - 1n).toString();
  return [lo, hi];
}

export function computeAnnualReport(sql: SqlStorage, me: string, year: number): { data: AnnualReportData; accountIds: string[]; known: AccountSnapshot[] } {
  const [lo, hi] = yearBounds(year);
  const rows = sql
    .exec<YearRow>(
      `SELECT id, visibility, reblog_of_id, in_reply_to_id, in_reply_to_account_id, replies_count, reblogs_count, favourites_count,
         json_extract(snapshot, '$.poll') IS NOT NULL AS has_poll, json_extract(snapshot, '$.application.name') AS app,
         json_extract(snapshot, '$.reblog.account.id') AS boosted_account_id
       FROM statuses WHERE CAST(id AS INTEGER) BETWEEN ? AND ?`,
      lo,
      hi,
    )
    .toArray();
  const reblogs = rows.filter((r) => r.reblog_of_id !== null);
  const replies = rows.filter((r) => r.in_reply_to_id !== null && r.in_reply_to_account_id !== me && r.reblog_of_id === null);
  const standalone = rows.filter((r) => r.in_reply_to_id === null && r.reblog_of_id === null);
  const own = rows.filter((r) => r.reblog_of_id === null);
  const polls = own.filter((r) => r.has_poll === 1).length;
  const interacted = topCounts(replies.map((r) => r.in_reply_to_account_id!), TOP_ACCOUNTS);
  const mostReblogged = topCounts(reblogs.flatMap((r) => (r.boosted_account_id ? [r.boosted_account_id] : [])), TOP_ACCOUNTS);
  const data: AnnualReportData = {
    archetype: archetypeOf(standalone.length, replies.length, reblogs.length, polls),
    type_distribution: { total: rows.length, reblogs: reblogs.length, replies: replies.length, standalone: standalone.length },
    top_statuses: topStatuses(rows),
    most_used_apps: topCounts(own.flatMap((r) => (r.app ? [r.app] : [])), TOP_APPS).map(([name, count]) => ({ name, count })),
    commonly_interacted_with_accounts: interacted.map(([account_id, count]) => ({ account_id, count })),
    most_reblogged_accounts: mostReblogged.map(([account_id, count]) => ({ account_id, count })),
    time_series: timeSeries(sql, rows, lo, hi),
    top_hashtags: topHashtags(sql, lo, hi),
  };
  const accountIds = [...new Set([...interacted, ...mostReblogged].map(([id]) => id))];
  return { data, accountIds, known: boostedAccounts(sql, mostReblogged.map(([id]) => id), lo, hi) };
}

/** The copy of each boosted account that its boosts carry (newest), so it need not be fetched. */
function boostedAccounts(sql: SqlStorage, ids: string[], lo: string, hi: string): AccountSnapshot[] {
  return ids.flatMap((id) => {
    const row = sql
      .exec<{ account: string }>(
        `SELECT json_extract(snapshot, '$.reblog.account') AS account FROM statuses
         WHERE reblog_of_id IS NOT NULL AND CAST(id AS INTEGER) BETWEEN ? AND ? AND json_extract(snapshot, '$.reblog.account.id') = ?
         ORDER BY CAST(id AS INTEGER) DESC LIMIT 1`,
        lo,
        hi,
        id,
      )
      .toArray()[0];
    return row ? [JSON.parse(row.account) as AccountSnapshot] : [];
  });
}

export function archetypeOf(standalone: number, replies: number, reblogs: number, polls: number): Archetype {
  if (standalone + replies + reblogs < AVERAGE_PER_YEAR) return "lurker";
  if (reblogs > standalone * SCORE_MULTIPLIER) return "booster";
  if (polls > standalone * SCORE_REDUCER) return "pollster";
  if (replies > standalone * SCORE_MULTIPLIER) return "replier";
  return "oracle";
}

/** Public posts only, each status named once: most boosted, then most favourited, then most replied. */
function topStatuses(rows: YearRow[]): AnnualReportData["top_statuses"] {
  const candidates = rows.filter((r) => r.visibility === "public" && r.reblog_of_id === null);
  const taken = new Set<string>();
  const best = (key: "reblogs_count" | "favourites_count" | "replies_count") => {
    const pick = candidates.filter((r) => !taken.has(r.id) && r[key] > 0).sort((a, b) => b[key] - a[key] || compareIds(a.id, b.id))[0];
    if (pick) taken.add(pick.id);
    return pick?.id ?? null;
  };
  const by_reblogs = best("reblogs_count");
  const by_favourites = best("favourites_count");
  return { by_reblogs, by_favourites, by_replies: best("replies_count") };
}

function compareIds(a: string, b: string): number {
  return BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
}

function topCounts(values: string[], size: number): [string, number][] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, size);
}

/** Statuses posted, follows made and followers gained per month (follow ids carry their time). */
function timeSeries(sql: SqlStorage, rows: YearRow[], lo: string, hi: string): AnnualReportData["time_series"] {
  const month = (id: string) => new Date(snowflakeTime(id)).getUTCMonth() + 1;
  const inYear = (table: string) =>
    sql.exec<{ id: string }>(`SELECT id FROM ${table} WHERE CAST(id AS INTEGER) BETWEEN ? AND ?`, lo, hi).toArray().map((r) => month(r.id));
  const following = inYear("following");
  const followers = inYear("followers");
  const statuses = rows.map((r) => month(r.id));
  const count = (list: number[], m: number) => list.filter((x) => x === m).length;
  return Array.from({ length: 12 }, (_, i) => i + 1).map((m) => ({ month: m, statuses: count(statuses, m), following: count(following, m), followers: count(followers, m) }));
}

/** Hashtags used more than once in the year, most used first. */
function topHashtags(sql: SqlStorage, lo: string, hi: string): AnnualReportData["top_hashtags"] {
  return sql
    .exec<{ name: string; count: number }>(
      `SELECT tag AS name, count(*) AS count FROM status_tags WHERE CAST(status_id AS INTEGER) BETWEEN ? AND ?
       GROUP BY tag HAVING count(*) > 1 ORDER BY count(*) DESC, tag LIMIT ?`,
      lo,
      hi,
      TOP_HASHTAGS,
    )
    .toArray()
    .map((r) => ({ name: r.name, count: r.count }));
}
