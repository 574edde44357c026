import type { FilterAction, FilterContext, FilterKeywordRecord, FilterMatch, FilterRecord, FilterStatusRecord, StatusRecord, V1FilterRecord } from "../../schemas/records";
import { fail, ok, type Result } from "../../lib/result";
import { snowflake } from "../../lib/ids";
import { selectIn } from "./viewer";
import { publishToUser } from "../streams/user-events";

/**
 * Filters v2 (keywords and statuses, per context, warn or hide) kept in the account's object,
 * and their application to statuses the account reads. v1 filters are a view of the keywords.
 */

export interface KeywordChange {
  id?: string;
  keyword?: string;
  whole_word?: boolean;
  destroy?: boolean;
}

export interface FilterChanges {
  title?: string;
  context?: FilterContext[];
  filter_action?: FilterAction;
  /** Seconds from now; null = never expires; undefined = unchanged. */
  expires_in?: number | null;
  keywords?: KeywordChange[];
}

type FilterRow = { id: string; title: string; context: string; filter_action: string; expires_at: string | null };
type KeywordRow = { id: string; filter_id: string; keyword: string; whole_word: number };
type FilterStatusRow = { id: string; filter_id: string; status_id: string };

const invalid = (field: string, message: string) =>
  fail(422, `Validation failed: ${message}`, { details: { [field]: [{ error: "ERR_INVALID", description: message }] } });

// ----- reads -----

export function listFilters(sql: SqlStorage): FilterRecord[] {
  const rows = sql.exec<FilterRow>("SELECT * FROM filters ORDER BY CAST(id AS INTEGER)").toArray();
  return withChildren(sql, rows);
}

export function getFilter(sql: SqlStorage, id: string): FilterRecord | null {
  return withChildren(sql, sql.exec<FilterRow>("SELECT * FROM filters WHERE id = ?", id).toArray())[0] ?? null;
}

function withChildren(sql: SqlStorage, rows: FilterRow[]): FilterRecord[] {
  const ids = rows.map((r) => r.id);
  const keywords = selectIn<KeywordRow>(sql, (p) => `SELECT * FROM filter_keywords WHERE filter_id IN (${p}) ORDER BY CAST(id AS INTEGER)`, ids);
  const statuses = selectIn<FilterStatusRow>(sql, (p) => `SELECT * FROM filter_statuses WHERE filter_id IN (${p}) ORDER BY CAST(id AS INTEGER)`, ids);
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    context: JSON.parse(r.context) as FilterContext[],
    filter_action: r.filter_action as FilterAction,
    expires_at: r.expires_at,
    keywords: keywords.filter((k) => k.filter_id === r.id).map(toKeyword),
    statuses: statuses.filter((s) => s.filter_id === r.id).map((s) => ({ id: s.id, status_id: s.status_id })),
  }));
}

const toKeyword = (k: KeywordRow): FilterKeywordRecord => ({ id: k.id, keyword: k.keyword, whole_word: k.whole_word === 1 });

// ----- filters -----

export function createFilter(sql: SqlStorage, input: FilterChanges): Result<FilterRecord> {
  if (!input.title?.trim()) return invalid("title", "Title can't be blank");
  if (!input.context?.length) return invalid("context", "Context can't be blank");
  const checked = checkKeywordChanges(sql, null, input.keywords ?? []);
  if (!checked.ok) return checked;
  const id = snowflake();
  sql.exec(
    "INSERT INTO filters (id, title, context, filter_action, expires_at) VALUES (?, ?, ?, ?, ?)",
    id,
    input.title.trim(),
    JSON.stringify([...new Set(input.context)]),
    input.filter_action ?? "warn",
    expiresAt(input.expires_in ?? null),
  );
  const applied = applyKeywordChanges(sql, id, input.keywords ?? []);
  if (!applied.ok) return applied;
  return ok(getFilter(sql, id)!);
}

export function updateFilter(sql: SqlStorage, id: string, input: FilterChanges): Result<FilterRecord> {
  const current = getFilter(sql, id);
  if (!current) return fail(404, "Record not found");
  if (input.title !== undefined && !input.title.trim()) return invalid("title", "Title can't be blank");
  if (input.context !== undefined && input.context.length === 0) return invalid("context", "Context can't be blank");
  const checked = checkKeywordChanges(sql, id, input.keywords ?? []);
  if (!checked.ok) return checked;
  sql.exec(
    "UPDATE filters SET title = ?, context = ?, filter_action = ?, expires_at = ? WHERE id = ?",
    input.title?.trim() ?? current.title,
    JSON.stringify(input.context ? [...new Set(input.context)] : current.context),
    input.filter_action ?? current.filter_action,
    input.expires_in === undefined ? current.expires_at : expiresAt(input.expires_in),
    id,
  );
  const applied = applyKeywordChanges(sql, id, input.keywords ?? []);
  if (!applied.ok) return applied;
  return ok(getFilter(sql, id)!);
}

export function deleteFilter(sql: SqlStorage, id: string): Result<Record<string, never>> {
  if (!sql.exec("SELECT 1 FROM filters WHERE id = ?", id).toArray().length) return fail(404, "Record not found");
  sql.exec("DELETE FROM filter_keywords WHERE filter_id = ?", id);
  sql.exec("DELETE FROM filter_statuses WHERE filter_id = ?", id);
  sql.exec("DELETE FROM filters WHERE id = ?", id);
  return ok({});
}

function expiresAt(seconds: number | null): string | null {
  return seconds === null ? null : new Date(Date.now() + seconds * 1000).toISOString();
}

/** Validates `keywords_attributes[]` before anything is written, so a refusal changes nothing. */
function checkKeywordChanges(sql: SqlStorage, filterId: string | null, changes: KeywordChange[]): Result<true> {
  for (const change of changes) {
    if (change.destroy) continue;
    if (change.id === undefined ? !change.keyword?.trim() : change.keyword !== undefined && !change.keyword.trim()) {
      return invalid("keywords.keyword", "Keywords keyword can't be blank");
    }
  }
  for (const change of changes) {
    if (change.id === undefined) continue;
    const owned = filterId !== null && sql.exec("SELECT 1 FROM filter_keywords WHERE id = ? AND filter_id = ?", change.id, filterId).toArray().length > 0;
    if (!owned) return fail(404, "Record not found");
  }
  return ok(true);
}

/** `keywords_attributes[]`: new ones (no id), changes (id), removals (id + _destroy). */
function applyKeywordChanges(sql: SqlStorage, filterId: string, changes: KeywordChange[]): Result<true> {
  for (const change of changes) {
    if (change.id === undefined) {
      if (!change.destroy) addKeyword(sql, filterId, { keyword: change.keyword ?? "", whole_word: change.whole_word });
    } else if (change.destroy) {
      deleteKeyword(sql, change.id);
    } else {
      updateKeyword(sql, change.id, change);
    }
  }
  return ok(true);
}

// ----- keywords -----

export function listKeywords(sql: SqlStorage, filterId: string): Result<FilterKeywordRecord[]> {
  const filter = getFilter(sql, filterId);
  return filter ? ok(filter.keywords) : fail(404, "Record not found");
}

export function addKeyword(sql: SqlStorage, filterId: string, input: { keyword: string; whole_word?: boolean }): Result<FilterKeywordRecord> {
  if (!sql.exec("SELECT 1 FROM filters WHERE id = ?", filterId).toArray().length) return fail(404, "Record not found");
  const keyword = input.keyword.trim();
  if (!keyword) return invalid("keyword", "Keyword can't be blank");
  const id = snowflake();
  sql.exec("INSERT INTO filter_keywords (id, filter_id, keyword, whole_word) VALUES (?, ?, ?, ?)", id, filterId, keyword, input.whole_word === false ? 0 : 1);
  return ok({ id, keyword, whole_word: input.whole_word !== false });
}

export function getKeyword(sql: SqlStorage, id: string): Result<FilterKeywordRecord & { filter_id: string }> {
  const row = sql.exec<KeywordRow>("SELECT * FROM filter_keywords WHERE id = ?", id).toArray()[0];
  return row ? ok({ ...toKeyword(row), filter_id: row.filter_id }) : fail(404, "Record not found");
}

export function updateKeyword(sql: SqlStorage, id: string, input: { keyword?: string; whole_word?: boolean }): Result<FilterKeywordRecord> {
  const current = getKeyword(sql, id);
  if (!current.ok) return current;
  const keyword = input.keyword === undefined ? current.value.keyword : input.keyword.trim();
  if (!keyword) return invalid("keyword", "Keyword can't be blank");
  const wholeWord = input.whole_word ?? current.value.whole_word;
  sql.exec("UPDATE filter_keywords SET keyword = ?, whole_word = ? WHERE id = ?", keyword, wholeWord ? 1 : 0, id);
  return ok({ id, keyword, whole_word: wholeWord });
}

export function deleteKeyword(sql: SqlStorage, id: string): Result<Record<string, never>> {
  if (!sql.exec("SELECT 1 FROM filter_keywords WHERE id = ?", id).toArray().length) return fail(404, "Record not found");
  sql.exec("DELETE FROM filter_keywords WHERE id = ?", id);
  return ok({});
}

// ----- statuses -----

export function listFilterStatuses(sql: SqlStorage, filterId: string): Result<FilterStatusRecord[]> {
  const filter = getFilter(sql, filterId);
  return filter ? ok(filter.statuses) : fail(404, "Record not found");
}

export function addFilterStatus(sql: SqlStorage, filterId: string, statusId: string): Result<FilterStatusRecord> {
  if (!sql.exec("SELECT 1 FROM filters WHERE id = ?", filterId).toArray().length) return fail(404, "Record not found");
  const existing = sql.exec<FilterStatusRow>("SELECT * FROM filter_statuses WHERE filter_id = ? AND status_id = ?", filterId, statusId).toArray()[0];
  if (existing) return invalid("status_id", "Status has already been taken");
  const id = snowflake();
  sql.exec("INSERT INTO filter_statuses (id, filter_id, status_id) VALUES (?, ?, ?)", id, filterId, statusId);
  return ok({ id, status_id: statusId });
}

export function getFilterStatus(sql: SqlStorage, id: string): Result<FilterStatusRecord> {
  const row = sql.exec<FilterStatusRow>("SELECT * FROM filter_statuses WHERE id = ?", id).toArray()[0];
  return row ? ok({ id: row.id, status_id: row.status_id }) : fail(404, "Record not found");
}

export function deleteFilterStatus(sql: SqlStorage, id: string): Result<Record<string, never>> {
  if (!sql.exec("SELECT 1 FROM filter_statuses WHERE id = ?", id).toArray().length) return fail(404, "Record not found");
  sql.exec("DELETE FROM filter_statuses WHERE id = ?", id);
  return ok({});
}

// ----- v1: one keyword = one filter -----

export function listV1Filters(sql: SqlStorage): V1FilterRecord[] {
  return listFilters(sql).flatMap((filter) => filter.keywords.map((keyword) => ({ keyword, filter })));
}

export function getV1Filter(sql: SqlStorage, keywordId: string): Result<V1FilterRecord> {
  const keyword = getKeyword(sql, keywordId);
  if (!keyword.ok) return keyword;
  const filter = getFilter(sql, keyword.value.filter_id)!;
  return ok({ keyword: filter.keywords.find((k) => k.id === keywordId)!, filter });
}

export interface V1FilterInput {
  phrase?: string;
  context?: FilterContext[];
  irreversible?: boolean;
  whole_word?: boolean;
  expires_in?: number | null;
}

export function createV1Filter(sql: SqlStorage, input: V1FilterInput): Result<V1FilterRecord> {
  if (!input.phrase?.trim()) return invalid("phrase", "Phrase can't be blank");
  const created = createFilter(sql, {
    title: input.phrase,
    context: input.context,
    filter_action: input.irreversible ? "hide" : "warn",
    expires_in: input.expires_in ?? null,
    keywords: [{ keyword: input.phrase, whole_word: input.whole_word ?? true }],
  });
  if (!created.ok) return created;
  return ok({ keyword: created.value.keywords[0], filter: created.value });
}

export function updateV1Filter(sql: SqlStorage, keywordId: string, input: V1FilterInput): Result<V1FilterRecord> {
  const current = getV1Filter(sql, keywordId);
  if (!current.ok) return current;
  const updated = updateFilter(sql, current.value.filter.id, {
    context: input.context,
    filter_action: input.irreversible === undefined ? undefined : input.irreversible ? "hide" : "warn",
    expires_in: input.expires_in,
    keywords: [{ id: keywordId, keyword: input.phrase, whole_word: input.whole_word }],
  });
  if (!updated.ok) return updated;
  return getV1Filter(sql, keywordId);
}

export function deleteV1Filter(sql: SqlStorage, keywordId: string): Result<Record<string, never>> {
  const current = getV1Filter(sql, keywordId);
  if (!current.ok) return current;
  deleteKeyword(sql, keywordId);
  // The filter existed only to hold this phrase (v1 semantics): drop it with its last keyword.
  if (current.value.filter.keywords.length === 1 && current.value.filter.statuses.length === 0) deleteFilter(sql, current.value.filter.id);
  return ok({});
}

// ----- application -----

interface CompiledFilter {
  filter: FilterRecord;
  keywords: { keyword: string; pattern: RegExp }[];
  statusIds: Set<string>;
}

/** Unexpired filters for a context, compiled once per request. */
export function activeFilters(sql: SqlStorage, context: FilterContext): CompiledFilter[] {
  const now = new Date().toISOString();
  const rows = sql
    .exec<FilterRow>("SELECT * FROM filters WHERE (expires_at IS NULL OR expires_at > ?)", now)
    .toArray()
    .filter((r) => (JSON.parse(r.context) as string[]).includes(context));
  if (rows.length === 0) return [];
  return withChildren(sql, rows).map((filter) => ({
    filter,
    keywords: filter.keywords.map((k) => ({ keyword: k.keyword, pattern: keywordPattern(k) })),
    statusIds: new Set(filter.statuses.map((s) => s.status_id)),
  }));
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

/** Whole-word keywords only match at word boundaries (Unicode-aware, unlike JS `\b`). */
function keywordPattern(k: FilterKeywordRecord): RegExp {
  const escaped = k.keyword.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (!k.whole_word) return new RegExp(escaped, "iu");
  const start = WORD_CHAR.test(k.keyword[0]) ? "(?<![\\p{L}\\p{N}_])" : "";
  const end = WORD_CHAR.test(k.keyword[k.keyword.length - 1]) ? "(?![\\p{L}\\p{N}_])" : "";
  return new RegExp(`${start}${escaped}${end}`, "iu");
}

/** The text a filter looks at: content warning, content as text, poll options. */
export function searchableText(s: StatusRecord): string {
  const parts = [s.spoiler_text, htmlToText(s.content), ...(s.poll?.options.map((o) => o.title) ?? [])];
  return parts.filter(Boolean).join("\n\n");
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", "#39": "'", nbsp: " " };

export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/p>\s*<p[^>]*>/gi, "\n\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#?\w+);/g, (m, name: string) => {
      if (ENTITIES[name]) return ENTITIES[name];
      const code = name.startsWith("#x") ? parseInt(name.slice(2), 16) : name.startsWith("#") ? parseInt(name.slice(1), 10) : NaN;
      return Number.isFinite(code) ? String.fromCodePoint(code) : m;
    });
}

export function matchFilters(filters: CompiledFilter[], status: StatusRecord): FilterMatch[] {
  const proper = status.reblog ?? status;
  let text: string | undefined;
  const matches: FilterMatch[] = [];
  for (const f of filters) {
    let keywordMatches: string[] | null = null;
    if (f.keywords.length) {
      text ??= searchableText(proper);
      const hits = f.keywords.filter((k) => k.pattern.test(text!)).map((k) => k.keyword);
      if (hits.length) keywordMatches = hits;
    }
    const statusHits = [status.id, status.reblog?.id].filter((id): id is string => !!id && f.statusIds.has(id));
    const statusMatches = statusHits.length ? statusHits : null;
    if (keywordMatches || statusMatches) matches.push({ filter: f.filter, keyword_matches: keywordMatches, status_matches: statusMatches });
  }
  return matches;
}

/**
 * Applies filters to items carrying a status: items matching a `hide` filter are dropped,
 * other matches (warn, blur) are reported by status id for the `filtered` attribute.
 */
export function applyFilters<T>(
  filters: CompiledFilter[],
  items: T[],
  statusOf: (item: T) => StatusRecord | null,
): { kept: T[]; filtered: Record<string, FilterMatch[]> } {
  const filtered: Record<string, FilterMatch[]> = {};
  if (filters.length === 0) return { kept: items, filtered };
  const kept = items.filter((item) => {
    const status = statusOf(item);
    if (!status) return true;
    const matches = matchFilters(filters, status);
    if (matches.some((m) => m.filter.filter_action === "hide")) return false;
    if (matches.length) filtered[status.id] = matches;
    return true;
  });
  return { kept, filtered };
}

// ----- one entry point for the object's RPC method -----

export type FilterOp =
  | { op: "list" }
  | { op: "get"; id: string }
  | { op: "create"; input: FilterChanges }
  | { op: "update"; id: string; input: FilterChanges }
  | { op: "delete"; id: string }
  | { op: "keywords"; filterId: string }
  | { op: "addKeyword"; filterId: string; input: { keyword: string; whole_word?: boolean } }
  | { op: "getKeyword"; id: string }
  | { op: "updateKeyword"; id: string; input: { keyword?: string; whole_word?: boolean } }
  | { op: "deleteKeyword"; id: string }
  | { op: "statuses"; filterId: string }
  | { op: "addStatus"; filterId: string; statusId: string }
  | { op: "getStatus"; id: string }
  | { op: "deleteStatus"; id: string }
  | { op: "v1list" }
  | { op: "v1get"; id: string }
  | { op: "v1create"; input: V1FilterInput }
  | { op: "v1update"; id: string; input: V1FilterInput }
  | { op: "v1delete"; id: string };

/** What each operation returns (the Worker reads results through this map). */
export interface FilterOpResults {
  list: FilterRecord[];
  get: FilterRecord;
  create: FilterRecord;
  update: FilterRecord;
  delete: Record<string, never>;
  keywords: FilterKeywordRecord[];
  addKeyword: FilterKeywordRecord;
  getKeyword: FilterKeywordRecord;
  updateKeyword: FilterKeywordRecord;
  deleteKeyword: Record<string, never>;
  statuses: FilterStatusRecord[];
  addStatus: FilterStatusRecord;
  getStatus: FilterStatusRecord;
  deleteStatus: Record<string, never>;
  v1list: V1FilterRecord[];
  v1get: V1FilterRecord;
  v1create: V1FilterRecord;
  v1update: V1FilterRecord;
  v1delete: Record<string, never>;
}

export const READ_FILTER_OPS = new Set<FilterOp["op"]>(["list", "get", "keywords", "getKeyword", "statuses", "getStatus", "v1list", "v1get"]);

export function runFilterOp(sql: SqlStorage, o: FilterOp): Result<FilterOpResults[FilterOp["op"]]> {
  if (!READ_FILTER_OPS.has(o.op)) publishToUser(sql, { event: "filters_changed" });
  switch (o.op) {
    case "list":
      return ok(listFilters(sql));
    case "get": {
      const f = getFilter(sql, o.id);
      return f ? ok(f) : fail(404, "Record not found");
    }
    case "create":
      return createFilter(sql, o.input);
    case "update":
      return updateFilter(sql, o.id, o.input);
    case "delete":
      return deleteFilter(sql, o.id);
    case "keywords":
      return listKeywords(sql, o.filterId);
    case "addKeyword":
      return addKeyword(sql, o.filterId, o.input);
    case "getKeyword": {
      const k = getKeyword(sql, o.id);
      return k.ok ? ok({ id: k.value.id, keyword: k.value.keyword, whole_word: k.value.whole_word }) : k;
    }
    case "updateKeyword":
      return updateKeyword(sql, o.id, o.input);
    case "deleteKeyword":
      return deleteKeyword(sql, o.id);
    case "statuses":
      return listFilterStatuses(sql, o.filterId);
    case "addStatus":
      return addFilterStatus(sql, o.filterId, o.statusId);
    case "getStatus":
      return getFilterStatus(sql, o.id);
    case "deleteStatus":
      return deleteFilterStatus(sql, o.id);
    case "v1list":
      return ok(listV1Filters(sql));
    case "v1get":
      return getV1Filter(sql, o.id);
    case "v1create":
      return createV1Filter(sql, o.input);
    case "v1update":
      return updateV1Filter(sql, o.id, o.input);
    case "v1delete":
      return deleteV1Filter(sql, o.id);
  }
}
