import { type AccountSnapshot, type StatusRecord, type TagRelation, toSnapshot, type ViewedStatuses } from "../../schemas/records";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";
import { searchAccounts, type AccountSearch } from "./graph-reads";
import { tagRelation } from "./tags";
import { viewCandidates } from "./feeds";
import { hydrate, ownRow, ownRows } from "./status-rows";
import { selectIn } from "./viewer";
import { findStatusIds, indexStatus, unindexStatus, type StatusQuery } from "../search-index";
import { publicTimelineStub } from "../../core/stubs";
import type { CatalogResult, PublicStatusPage, TagStats } from "../timeline/catalog";
import type { Viewer } from "../../schemas/auth";

/**
 * Search on the searcher's behalf (GET /api/v2/search), in the searcher's own object: one RPC
 * from the Worker. Statuses come from this object's full-text index (its own statuses and
 * boosts, favourites, bookmarks, mentions: ./search-schema.ts) merged with the public index
 * (public statuses of indexable accounts, in the public timeline object), then filtered by
 * the viewer's rules (blocks, mutes, private/direct). Accounts come from the directory through
 * the graph work's account search (blocks left out); hashtags from the public timeline's
 * registry, with the viewer's following/featuring.
 */

export interface SearchInput {
  accounts: AccountSearch | null;
  /** An account found by its local URL (resolve=true), shown unless blocked either way. */
  resolvedAccount: AccountSnapshot | null;
  statuses: StatusSearch | null;
  /** A status found by its local URL (resolve=true), still subject to the viewer's rules. */
  resolvedStatuses: StatusRecord[];
  hashtags: { prefix: string; limit: number; offset: number } | null;
}

export interface StatusSearch {
  query: StatusQuery;
  /** `in:library` (this object's index only) or `in:public` (the public index only). */
  scope: "all" | "library" | "public";
  limit: number;
  offset: number;
}

export interface TagFound extends TagStats {
  relation: TagRelation;
}

export interface SearchResult {
  accounts: AccountSnapshot[];
  statuses: ViewedStatuses;
  hashtags: TagFound[];
}

export async function search(host: AccountHost, viewer: Viewer, input: SearchInput): Promise<SearchResult> {
  const sql = host.sql;
  const me = viewer.account.id;
  const s = input.statuses;
  // Synchronous up to here: the own index is flushed and read before anything else runs.
  const ownIds = s && s.scope !== "public" ? ownMatches(sql, s.query, s.offset + s.limit) : [];
  const publicStatuses = s && s.scope !== "library" ? { query: s.query, ownIds, offset: s.offset, limit: s.limit } : null;
  const [found, catalog] = await Promise.all([
    input.accounts ? searchAccounts(host, input.accounts) : [],
    publicStatuses || input.hashtags
      ? publicTimelineStub(host.env).searchCatalog({ statuses: publicStatuses, hashtags: input.hashtags })
      : ({ statuses: null, hashtags: [] } satisfies CatalogResult),
  ]);
  const page: PublicStatusPage = catalog.statuses ?? { ids: s ? ownIds.slice(s.offset, s.offset + s.limit) : [], statuses: [] };
  const matches = pageRecords(host, page);
  const newestFirst = s?.query.ascending ? matches.reverse() : matches;
  const statuses = viewCandidates(sql, me, [...input.resolvedStatuses, ...newestFirst], "search");
  const hashtags = catalog.hashtags.map((t) => ({ ...t, relation: tagRelation(sql, t.name) }));
  return { accounts: withResolved(sql, input.resolvedAccount, found), statuses, hashtags };
}

/** The page's statuses in its order: this object's records for its own matches, the catalog's for the others. */
function pageRecords(host: AccountHost, page: PublicStatusPage): StatusRecord[] {
  const publicOnes = new Map(page.statuses.map((r) => [r.id, r]));
  const own = sourceRecords(host, page.ids.filter((id) => !publicOnes.has(id)), true);
  return page.ids.map((id) => publicOnes.get(id) ?? own.get(id)).filter((r): r is StatusRecord => r !== undefined);
}

function withResolved(sql: SqlStorage, resolved: AccountSnapshot | null, found: AccountSnapshot[]): AccountSnapshot[] {
  if (!resolved) return found;
  const blocked = sql.exec("SELECT 1 FROM blocks WHERE account_id = ? UNION ALL SELECT 1 FROM blocked_by WHERE account_id = ?", resolved.id, resolved.id);
  if (blocked.toArray().length) return found;
  return [resolved, ...found.filter((a) => a.id !== resolved.id)];
}

// ----- this account's own index -----

/** Matching ids in this account's index, brought up to date first. */
function ownMatches(sql: SqlStorage, query: StatusQuery, limit: number): string[] {
  flushSearchIndex(sql);
  return findStatusIds(sql, query, limit);
}

const FLUSH_BATCH = 200;

/**
 * Re-indexes the statuses whose sources changed since the last search (ids put in
 * `search_dirty` by triggers): indexed from the best copy this account holds, or dropped from
 * the index when no source holds it any more.
 */
export function flushSearchIndex(sql: SqlStorage): void {
  for (;;) {
    const ids = sql.exec<{ status_id: string }>("SELECT status_id FROM search_dirty LIMIT ?", FLUSH_BATCH).toArray().map((r) => r.status_id);
    if (ids.length === 0) return;
    const records = rawSources(sql, ids);
    for (const id of ids) {
      const record = records.get(id);
      if (record) indexStatus(sql, record);
      else unindexStatus(sql, id);
      sql.exec("DELETE FROM search_dirty WHERE status_id = ?", id);
    }
  }
}

/**
 * The statuses this account holds a copy of, by id: its own (with live counts when `live`),
 * else the copy in its favourites, bookmarks, boosts or mentions (kept current by the
 * statuses work's watcher jobs and the fan-out).
 */
function sourceRecords(host: AccountHost, ids: string[], live: boolean): Map<string, StatusRecord> {
  const out = rawSources(host.sql, ids);
  if (!live) return out;
  const own = ownRows(host.sql, ids).filter((r) => r.reblog_of_id === null);
  if (own.length) for (const r of hydrate(host.sql, toSnapshot(host.record()!), own)) out.set(r.id, r);
  return out;
}

function rawSources(sql: SqlStorage, ids: string[]): Map<string, StatusRecord> {
  const out = new Map<string, StatusRecord>();
  if (ids.length === 0) return out;
  const take = (rows: { id: string; snapshot: string }[], pick: (s: StatusRecord) => StatusRecord | null = (s) => s) => {
    for (const r of rows) {
      if (out.has(r.id)) continue;
      const record = pick(JSON.parse(r.snapshot) as StatusRecord);
      if (record) out.set(r.id, record);
    }
  };
  type Row = { id: string; snapshot: string };
  take(selectIn<Row>(sql, (p) => `SELECT id, snapshot FROM statuses WHERE reblog_of_id IS NULL AND id IN (${p})`, ids));
  for (const table of ["favourites", "bookmarks", "search_mentions"]) {
    take(selectIn<Row>(sql, (p) => `SELECT status_id AS id, snapshot FROM ${table} WHERE status_id IN (${p})`, ids));
  }
  take(selectIn<Row>(sql, (p) => `SELECT reblog_of_id AS id, snapshot FROM statuses WHERE reblog_of_id IN (${p})`, ids), (s) => s.reblog);
  return out;
}

// ----- mentions (kept past the notification; see ./search-schema.ts) -----

/** An edited status reached this account: its mention copy follows. */
export function refreshMention(sql: SqlStorage, status: StatusRecord): void {
  sql.exec("UPDATE search_mentions SET snapshot = ? WHERE status_id = ?", JSON.stringify(status), status.id);
}

/** A status was deleted by its author: it no longer mentions anyone. */
export function forgetMention(sql: SqlStorage, statusId: string): void {
  sql.exec("DELETE FROM search_mentions WHERE status_id = ?", statusId);
}

// ----- the public index: what this account tells the public timeline -----

/** After a profile change: an account that left search (indexable off) leaves the public index. */
export function afterProfileChange(host: AccountHost, wasIndexable: boolean): void {
  if (wasIndexable && !host.record()!.indexable) host.enqueue("search.unindexAuthor", {});
}

accountJobs.register("search.unindexAuthor", async (host) => {
  const record = host.record();
  if (record && !record.indexable) await publicTimelineStub(host.env).forgetSearchAuthor(record.id);
});

/** Queued by the `trends_counts` trigger: the status's live counts go to the public timeline. */
accountJobs.register("trends.counts", async (host, payload: { id: string }) => {
  const row = ownRow(host.sql, payload.id);
  if (!row) return;
  await publicTimelineStub(host.env).noteCounts({ id: row.id, replies: row.replies_count, reblogs: row.reblogs_count, favourites: row.favourites_count });
});
