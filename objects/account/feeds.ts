import type { FilterContext, FilterMatch, StatusRecord, TimelinePage, ViewedStatuses, ViewerFlags } from "../../schemas/records";
import { fail, ok, type Result } from "../../lib/result";
import { newestFirst, whereClause, windowSql, type IdWindow } from "../paging";
import { activeFilters, applyFilters } from "./filters";
import { viewStatuses, type ViewContext } from "./viewer";
import { parseStatusSnapshot } from "./status-memo";
import { viewedStatusJson } from "../../core/serializers/rendered";
import type { Origin } from "../../core/serializers/account";

/**
 * Reads of the statuses an account sees: its home and list timelines (rows it holds), and
 * candidates from elsewhere (public/hashtag timelines, threads, profiles) that it filters.
 * Visibility (blocks, mutes, private/direct) comes from viewer.ts; filters from filters.ts.
 */

/** Filter context of each view (Mastodon applies no filters to single statuses or search). */
const FILTER_CONTEXT: Partial<Record<ViewContext, FilterContext>> = {
  home: "home",
  list: "home",
  public: "public",
  thread: "thread",
  account: "account",
  notifications: "notifications",
};

/** Candidate statuses as this viewer may see them: invisible and `hide`-filtered ones removed. */
export function viewCandidates(sql: SqlStorage, me: string, candidates: StatusRecord[], context: ViewContext): ViewedStatuses {
  const viewed = viewStatuses(sql, me, candidates, context);
  const filterContext = FILTER_CONTEXT[context];
  const filters = filterContext ? activeFilters(sql, filterContext) : [];
  const { kept, filtered } = applyFilters(filters, viewed.statuses, (s) => s);
  return { statuses: kept, flags: viewed.flags, filtered };
}

/**
 * Candidates given as their snapshot JSON, viewed by this viewer and rendered: the JSON text of
 * each visible status. Text crosses the RPC boundary for a fraction of the cost of records, and
 * parsing through the memo lets the rendered part shared by every viewer be reused.
 */
export function renderCandidates(sql: SqlStorage, me: string, snapshots: string[], context: ViewContext, o: Origin): string[] {
  const viewed = viewCandidates(sql, me, snapshots.map(parseStatusSnapshot), context);
  return viewed.statuses.map((s) => viewedStatusJson(s, o, viewed));
}

/** Rounds of reading when visibility or filters thin a page out (bounded, so reads stay fast). */
const MAX_ROUNDS = 4;

interface FeedSource {
  table: "home" | "list_entries";
  conditions: string[];
  params: SqlStorageValue[];
}

/**
 * A page of a feed the account holds, numeric id order through the CAST index. Rows are read
 * `limit` at a time; if some are not shown, the next rows fill the page. The cursor bounds
 * what was consumed, so the next page starts right after it.
 */
function readFeed(sql: SqlStorage, me: string, source: FeedSource, w: IdWindow, context: ViewContext): TimelinePage {
  const filters = activeFilters(sql, "home");
  const shown: StatusRecord[] = [];
  const flags: Record<string, ViewerFlags> = {};
  const filtered: Record<string, FilterMatch[]> = {};
  let window: IdWindow = { ...w };
  let first: string | undefined;
  let last: string | undefined;
  for (let round = 0; round < MAX_ROUNDS && shown.length < w.limit; round++) {
    const win = windowSql("id", window, true);
    const rows = sql
      .exec<{ id: string; snapshot: string }>(
        `SELECT id, snapshot FROM ${source.table} ${whereClause([...source.conditions, ...win.conditions])} ORDER BY ${win.orderBy} LIMIT ?`,
        ...source.params,
        ...win.params,
        w.limit,
      )
      .toArray();
    if (rows.length === 0) break;
    const records = rows.map((r) => parseStatusSnapshot(r.snapshot));
    const viewed = viewStatuses(sql, me, records, context);
    const visible = new Set(viewed.statuses.map((s) => s.id));
    const result = applyFilters(filters, records.filter((s) => visible.has(s.id)), (s) => s);
    Object.assign(flags, viewed.flags);
    Object.assign(filtered, result.filtered);
    const kept = new Set(result.kept.map((s) => s.id));
    // Walk in read order so the cursor stops exactly at the last row consumed.
    for (const s of records) {
      first ??= s.id;
      last = s.id;
      if (kept.has(s.id)) shown.push(s);
      if (shown.length === w.limit) break;
    }
    if (rows.length < w.limit) break;
    window = win.ascending ? { ...window, minId: last, sinceId: undefined } : { ...window, maxId: last };
  }
  const ascending = w.minId !== undefined;
  const statuses = newestFirst(shown, ascending);
  const cursor = first && last ? (ascending ? { newest: last, oldest: first } : { newest: first, oldest: last }) : null;
  return { statuses, flags, filtered, cursor };
}

/** Posts of followed accounts a moderator suspended stay stored but are not shown (the copy says so). */
const NOT_SUSPENDED = "author_id NOT IN (SELECT account_id FROM following WHERE json_extract(snapshot, '$.suspended') = 1)";

export function readHome(sql: SqlStorage, me: string, w: IdWindow): TimelinePage {
  return readFeed(sql, me, { table: "home", conditions: [NOT_SUSPENDED], params: [] }, w, "home");
}

export function readList(sql: SqlStorage, me: string, listId: string, w: IdWindow): Result<TimelinePage> {
  if (!sql.exec("SELECT 1 FROM lists WHERE id = ?", listId).toArray().length) return fail(404, "Record not found");
  return ok(readFeed(sql, me, { table: "list_entries", conditions: ["list_id = ?"], params: [listId] }, w, "list"));
}
