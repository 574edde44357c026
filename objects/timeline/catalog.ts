import type { StatusRecord } from "../../schemas/records";
import type { TagUsage } from "../../core/serializers/tag";
import { compareIds } from "../../lib/ids";
import { createSearchIndex, findStatusIds, indexStatus, unindexStatus, type StatusQuery } from "../search-index";
import { selectIn } from "../account/viewer";
import { forgetLink, recordLink } from "./link-trends";

/**
 * The public timeline object's catalog of public statuses (search work): every public
 * status of the instance reaches this object during fan-out (listed ones through `add`, replies
 * to others through `catalog`), so it is where instance-wide facts about them live:
 * - a full-text index of the public statuses of accounts that opted into search (`indexable`);
 * - the hashtag registry (`known_tags`) and per-status tag uses of the last days (`tag_uses`),
 *   for hashtag search, Tag.history and trending tags;
 * - live interaction counts of recent listed statuses (`status_counts`), reported by their
 *   authors' objects when they change, for trending statuses.
 * Everything here is written in the same transaction as the timeline change that causes it.
 */
export function catalogSchema(sql: SqlStorage): void {
  createSearchIndex(sql);
  sql.exec("CREATE TABLE known_tags (name TEXT PRIMARY KEY, last_used_at TEXT NOT NULL)");
  sql.exec(`CREATE TABLE tag_uses (
    tag TEXT NOT NULL, status_id TEXT NOT NULL, account_id TEXT NOT NULL, day INTEGER NOT NULL,
    PRIMARY KEY (tag, status_id)
  )`);
  sql.exec("CREATE INDEX tag_uses_day ON tag_uses (day, tag)");
  sql.exec("CREATE INDEX tag_uses_status ON tag_uses (status_id)");
  sql.exec(`CREATE TABLE status_counts (
    status_id TEXT PRIMARY KEY, created_at TEXT NOT NULL,
    replies INTEGER NOT NULL, reblogs INTEGER NOT NULL, favourites INTEGER NOT NULL
  )`);
  sql.exec("CREATE INDEX status_counts_created ON status_counts (created_at)");
}

const DAY_SECONDS = 86_400;
/** Tag.history covers 7 days; uses are kept one day longer so the oldest day is complete. */
const HISTORY_DAYS = 7;
const KEEP_USE_DAYS = HISTORY_DAYS + 1;
/** Trends look at the last 7 days, as Mastodon's do. */
export const TRENDS_DAYS = 7;
/** The newest public statuses kept searchable: bounds the singleton's storage. */
const MAX_SEARCH_DOCS = 250_000;

function utcDay(ms: number): number {
  return Math.floor(ms / 1000 / DAY_SECONDS) * DAY_SECONDS;
}

function daysAgo(days: number): number {
  return utcDay(Date.now()) - (days - 1) * DAY_SECONDS;
}

function isoDaysAgo(days: number): string {
  return new Date(Date.now() - days * DAY_SECONDS * 1000).toISOString();
}

// ----- writes (called by TimelineObject inside its transactions) -----

/** Records a public status (idempotent; an edit replaces what was recorded). */
export function catalogStatus(sql: SqlStorage, s: StatusRecord): void {
  if (s.visibility !== "public" || s.reblog) return;
  if (s.account.indexable) indexStatus(sql, s, JSON.stringify(s));
  else unindexStatus(sql, s.id);
  recordTags(sql, s);
  recordLink(sql, s);
  if (!trendEligible(s)) sql.exec("DELETE FROM status_counts WHERE status_id = ?", s.id);
}

export function uncatalogStatus(sql: SqlStorage, id: string): void {
  unindexStatus(sql, id);
  sql.exec("DELETE FROM tag_uses WHERE status_id = ?", id);
  forgetLink(sql, id);
  sql.exec("DELETE FROM status_counts WHERE status_id = ?", id);
}

function recordTags(sql: SqlStorage, s: StatusRecord): void {
  sql.exec("DELETE FROM tag_uses WHERE status_id = ?", s.id);
  const day = utcDay(Date.parse(s.created_at));
  for (const tag of new Set(s.tags)) {
    sql.exec("INSERT OR IGNORE INTO tag_uses (tag, status_id, account_id, day) VALUES (?, ?, ?, ?)", tag, s.id, s.account.id, day);
    sql.exec(
      "INSERT INTO known_tags (name, last_used_at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET last_used_at = max(last_used_at, excluded.last_used_at)",
      tag,
      s.created_at,
    );
  }
  sql.exec("DELETE FROM tag_uses WHERE day < ?", daysAgo(KEEP_USE_DAYS));
}

/** An account left search (`indexable` turned off): its public statuses leave the index. */
export function forgetAuthor(sql: SqlStorage, accountId: string): void {
  const ids = sql.exec<{ id: string }>("SELECT id FROM search_docs WHERE author_id = ?", accountId).toArray();
  for (const { id } of ids) unindexStatus(sql, id);
}

/** Drops the oldest search documents beyond MAX_SEARCH_DOCS. */
export function trimSearchDocs(sql: SqlStorage): void {
  const edge = sql.exec<{ id: string }>("SELECT id FROM search_docs ORDER BY key DESC LIMIT 1 OFFSET ?", MAX_SEARCH_DOCS).toArray()[0];
  if (!edge) return;
  sql.exec("DELETE FROM search_fts WHERE rowid <= CAST(? AS INTEGER)", edge.id);
  sql.exec("DELETE FROM search_docs WHERE key <= CAST(? AS INTEGER)", edge.id);
}

// ----- trending statuses -----

/** Mastodon's rules for a status that may trend: public, original, no reply, no content warning. */
function trendEligible(s: StatusRecord): boolean {
  return (
    s.visibility === "public" && !s.reblog && !s.in_reply_to_id && !s.sensitive && s.spoiler_text === "" && s.account.discoverable !== false
  );
}

export interface StatusCounts {
  id: string;
  replies: number;
  reblogs: number;
  favourites: number;
}

/** Live counts of a listed status, from its author's object (absolute values: idempotent). */
export function noteCounts(sql: SqlStorage, c: StatusCounts): void {
  const entry = sql.exec<{ snapshot: string }>("SELECT snapshot FROM entries WHERE id = ?", c.id).toArray()[0];
  if (!entry) return;
  const s = JSON.parse(entry.snapshot) as StatusRecord;
  if (!trendEligible(s) || s.created_at < isoDaysAgo(TRENDS_DAYS)) return;
  sql.exec(
    `INSERT INTO status_counts (status_id, created_at, replies, reblogs, favourites) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (status_id) DO UPDATE SET replies = excluded.replies, reblogs = excluded.reblogs, favourites = excluded.favourites`,
    c.id,
    s.created_at,
    c.replies,
    c.reblogs,
    c.favourites,
  );
  sql.exec("DELETE FROM status_counts WHERE created_at < ?", isoDaysAgo(TRENDS_DAYS));
}

interface CountedRow {
  [key: string]: SqlStorageValue;
  snapshot: string;
  replies: number | null;
  reblogs: number | null;
  favourites: number | null;
}

/** The snapshot with the live counts reported since it was written, when there are some. */
function withCounts(row: CountedRow): StatusRecord {
  const s = JSON.parse(row.snapshot) as StatusRecord;
  if (row.favourites === null) return s;
  return { ...s, replies_count: row.replies!, reblogs_count: row.reblogs!, favourites_count: row.favourites };
}

/** Recent eligible statuses by favourites + boosts, most first (ties: newest first). */
export function trendingStatuses(sql: SqlStorage, limit: number, offset: number): StatusRecord[] {
  return sql
    .exec<CountedRow>(
      `SELECT e.snapshot AS snapshot, c.replies AS replies, c.reblogs AS reblogs, c.favourites AS favourites
       FROM status_counts c JOIN entries e ON e.id = c.status_id
       WHERE c.created_at >= ? AND c.reblogs + c.favourites > 0
         AND e.author_id NOT IN (SELECT author_id FROM hidden_authors)
       ORDER BY c.reblogs + c.favourites DESC, CAST(c.status_id AS INTEGER) DESC LIMIT ? OFFSET ?`,
      isoDaysAgo(TRENDS_DAYS),
      limit,
      offset,
    )
    .toArray()
    .map(withCounts);
}

// ----- hashtags -----

export interface TagStats {
  name: string;
  usage: TagUsage[];
}

/** Uses per UTC day of the last 7 days (Tag.history), per tag. */
export function tagUsage(sql: SqlStorage, names: string[]): Map<string, TagUsage[]> {
  const out = new Map<string, TagUsage[]>(names.map((n) => [n, []]));
  if (names.length === 0) return out;
  const rows = selectIn<{ tag: string; day: number; uses: number; accounts: number }>(
    sql,
    (p) =>
      `SELECT tag, day, count(*) AS uses, count(DISTINCT account_id) AS accounts FROM tag_uses
       WHERE day >= ? AND tag IN (${p}) GROUP BY tag, day`,
    names,
    daysAgo(HISTORY_DAYS),
  );
  for (const r of rows) out.get(r.tag)?.push({ day: r.day, uses: r.uses, accounts: r.accounts });
  return out;
}

function withUsage(sql: SqlStorage, names: string[]): TagStats[] {
  const usage = tagUsage(sql, names);
  return names.map((name) => ({ name, usage: usage.get(name) ?? [] }));
}

/** Known hashtags starting with `prefix`: shortest first, then by name (Mastodon's order). */
export function searchTags(sql: SqlStorage, prefix: string, limit: number, offset: number): TagStats[] {
  if (!prefix || limit <= 0) return [];
  const names = sql
    .exec<{ name: string }>(
      "SELECT name FROM known_tags WHERE name >= ? AND name < ? ORDER BY length(name), name LIMIT ? OFFSET ?",
      prefix,
      `${prefix}\u{10FFFF}`,
      limit,
      offset,
    )
    .toArray()
    .map((r) => r.name);
  return withUsage(sql, names);
}

/** Hashtags used by the most accounts in the last 7 days (then most uses, then most recent). */
export function trendingTags(sql: SqlStorage, limit: number, offset: number): TagStats[] {
  const names = sql
    .exec<{ tag: string }>(
      `SELECT tag FROM tag_uses WHERE day >= ? GROUP BY tag
       ORDER BY count(DISTINCT account_id) DESC, count(*) DESC, max(CAST(status_id AS INTEGER)) DESC LIMIT ? OFFSET ?`,
      daysAgo(TRENDS_DAYS),
      limit,
      offset,
    )
    .toArray()
    .map((r) => r.tag);
  return withUsage(sql, names);
}

// ----- status search -----

export interface PublicStatusSearch {
  query: StatusQuery;
  /** The searcher's own matches (ids, read order) for the same window, to merge with. */
  ownIds: string[];
  offset: number;
  limit: number;
}

export interface PublicStatusPage {
  /** The page's ids in read order, own and public merged. */
  ids: string[];
  /** Records of the page's public ids that are not among `ownIds`. */
  statuses: StatusRecord[];
}

/**
 * Merges the searcher's own matches with the public ones and answers the requested page:
 * only the snapshots the page needs cross the wire, however deep the offset.
 */
export function searchPublicStatuses(sql: SqlStorage, input: PublicStatusSearch): PublicStatusPage {
  const wanted = input.offset + input.limit;
  const publicIds = findStatusIds(sql, input.query, wanted);
  const order = (a: string, b: string) => (input.query.ascending ? compareIds(a, b) : compareIds(b, a));
  const ids = [...new Set([...input.ownIds, ...publicIds])].sort(order).slice(input.offset, wanted);
  const own = new Set(input.ownIds);
  const needed = ids.filter((id) => !own.has(id));
  const rows = needed.length
    ? selectIn<CountedRow>(
        sql,
        (p) =>
          `SELECT d.snapshot AS snapshot, c.replies AS replies, c.reblogs AS reblogs, c.favourites AS favourites
           FROM search_docs d LEFT JOIN status_counts c ON c.status_id = d.id WHERE d.key IN (${p.replace(/\?/g, "CAST(? AS INTEGER)")})
             AND d.author_id NOT IN (SELECT author_id FROM hidden_authors)`,
        needed,
      )
    : [];
  return { ids, statuses: rows.map(withCounts) };
}

// ----- one call for a search -----

export interface CatalogSearch {
  statuses: PublicStatusSearch | null;
  hashtags: { prefix: string; limit: number; offset: number } | null;
}

export interface CatalogResult {
  statuses: PublicStatusPage | null;
  hashtags: TagStats[];
}

export function searchCatalog(sql: SqlStorage, input: CatalogSearch): CatalogResult {
  return {
    statuses: input.statuses ? searchPublicStatuses(sql, input.statuses) : null,
    hashtags: input.hashtags ? searchTags(sql, input.hashtags.prefix, input.hashtags.limit, input.hashtags.offset) : [],
  };
}
