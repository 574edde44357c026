import type { PreviewCardRecord, SnapshotEntry, StatusRecord } from "../../schemas/records";
import type { TagUsage } from "../../core/serializers/tag";
import { newestFirst, whereClause, windowSql, type IdWindow } from "../paging";

/**
 * Links shared in recent public statuses, kept by the public timeline object beside its catalog
 * (./catalog.ts): one row per status and linked address (the status's card), the latest card of
 * each address, for trending links (`/api/v1/trends/links`, ranked by the accounts that shared a
 * link in the last 7 days) and the link timeline (`/api/v1/timelines/link`). As Mastodon's
 * Trends::Links: public originals without a content warning or sensitive flag, from discoverable
 * authors. Written in the same transaction as the timeline change that causes it.
 */
export function linkTrendsSchema(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE link_uses (
    url TEXT NOT NULL, status_id TEXT NOT NULL, account_id TEXT NOT NULL, day INTEGER NOT NULL,
    PRIMARY KEY (url, status_id)
  )`);
  sql.exec("CREATE INDEX link_uses_day ON link_uses (day, url)");
  sql.exec("CREATE INDEX link_uses_status ON link_uses (status_id)");
  sql.exec("CREATE INDEX link_uses_order ON link_uses (url, CAST(status_id AS INTEGER))");
  sql.exec("CREATE TABLE link_cards (url TEXT PRIMARY KEY, card TEXT NOT NULL)");
}

const DAY_SECONDS = 86_400;
const TRENDS_DAYS = 7;
const KEEP_DAYS = TRENDS_DAYS + 1;

function utcDay(ms: number): number {
  return Math.floor(ms / 1000 / DAY_SECONDS) * DAY_SECONDS;
}

function daysAgo(days: number): number {
  return utcDay(Date.now()) - (days - 1) * DAY_SECONDS;
}

function linkEligible(s: StatusRecord): boolean {
  return s.visibility === "public" && !s.reblog && !s.sensitive && s.spoiler_text === "" && s.account.discoverable !== false;
}

/** Records (or, after an edit, re-records) the link a public status shares. */
export function recordLink(sql: SqlStorage, s: StatusRecord): void {
  sql.exec("DELETE FROM link_uses WHERE status_id = ?", s.id);
  if (!s.card || !linkEligible(s)) return;
  sql.exec(
    "INSERT OR IGNORE INTO link_uses (url, status_id, account_id, day) VALUES (?, ?, ?, ?)",
    s.card.url,
    s.id,
    s.account.id,
    utcDay(Date.parse(s.created_at)),
  );
  sql.exec("INSERT OR REPLACE INTO link_cards (url, card) VALUES (?, ?)", s.card.url, JSON.stringify(s.card));
  sql.exec("DELETE FROM link_uses WHERE day < ?", daysAgo(KEEP_DAYS));
}

export function forgetLink(sql: SqlStorage, statusId: string): void {
  sql.exec("DELETE FROM link_uses WHERE status_id = ?", statusId);
}

export interface LinkTrend {
  card: PreviewCardRecord;
  usage: TagUsage[];
}

/** Links shared by the most accounts in the last 7 days (then most statuses, then most recent). */
export function trendingLinks(sql: SqlStorage, limit: number, offset: number): LinkTrend[] {
  const rows = sql
    .exec<{ url: string; card: string }>(
      `SELECT u.url AS url, c.card AS card FROM link_uses u JOIN link_cards c ON c.url = u.url WHERE u.day >= ? GROUP BY u.url
       ORDER BY count(DISTINCT u.account_id) DESC, count(*) DESC, max(CAST(u.status_id AS INTEGER)) DESC LIMIT ? OFFSET ?`,
      daysAgo(TRENDS_DAYS),
      limit,
      offset,
    )
    .toArray();
  return rows.map((r) => ({ card: JSON.parse(r.card) as PreviewCardRecord, usage: usageOf(sql, r.url) }));
}

function usageOf(sql: SqlStorage, url: string): TagUsage[] {
  return sql
    .exec<{ day: number; uses: number; accounts: number }>(
      "SELECT day, count(*) AS uses, count(DISTINCT account_id) AS accounts FROM link_uses WHERE url = ? AND day >= ? GROUP BY day",
      url,
      daysAgo(TRENDS_DAYS),
    )
    .toArray();
}

/** Whether `url` is trending now (the link timeline serves only those, as Mastodon's does). */
export function isTrendingLink(sql: SqlStorage, url: string): boolean {
  return sql.exec("SELECT 1 FROM link_uses WHERE url = ? AND day >= ? LIMIT 1", url, daysAgo(TRENDS_DAYS)).toArray().length > 0;
}

/** Listed public statuses sharing `url`, newest first (candidates: the viewer's object filters them). */
export function linkStatuses(sql: SqlStorage, url: string, page: IdWindow & { local?: boolean; remote?: boolean }): SnapshotEntry[] {
  const w = windowSql("u.status_id", page, true);
  const conditions = ["u.url = ?", ...w.conditions];
  if (page.local && !page.remote) conditions.push("e.local = 1");
  if (page.remote && !page.local) conditions.push("e.local = 0");
  const rows = sql
    .exec<SnapshotEntry>(
      `SELECT e.id AS id, e.snapshot AS snapshot FROM link_uses u JOIN entries e ON e.id = u.status_id
       ${whereClause(conditions)} ORDER BY ${w.orderBy} LIMIT ?`,
      url,
      ...w.params,
      page.limit,
    )
    .toArray();
  return newestFirst(rows, w.ascending);
}
