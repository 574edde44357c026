import type { StatusRecord } from "../schemas/records";
import { searchableText } from "./account/filters";

/**
 * A full-text index of statuses in an object's SQLite (FTS5), shared by the account objects
 * (what each account may search) and the public timeline object (public statuses of indexable
 * accounts). The FTS table is contentless: it stores only the index, keyed by the status id as
 * an integer (snowflakes fit in int64); `search_docs` holds the filterable facts per status
 * (and, where the object has no other copy, its snapshot). The indexed text is the content
 * warning, the content with HTML stripped, and the poll options.
 */
export function createSearchIndex(sql: SqlStorage): void {
  sql.exec(
    "CREATE VIRTUAL TABLE search_fts USING fts5(body, content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2')",
  );
  sql.exec(`CREATE TABLE search_docs (
    key INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    author_id TEXT NOT NULL,
    language TEXT,
    reply INTEGER NOT NULL,
    sensitive INTEGER NOT NULL,
    poll INTEGER NOT NULL,
    media INTEGER NOT NULL,
    snapshot TEXT
  )`);
  sql.exec("CREATE INDEX search_docs_author ON search_docs (author_id, key)");
}

/** What to look for, as the Worker compiled it (lib/search-query.ts); the same for every index. */
export interface StatusQuery {
  /** FTS5 expression of the required phrases, or null (operators only). */
  match: string | null;
  /** FTS5 expression of the excluded phrases, or null. */
  exclude: string | null;
  authorId?: string;
  language?: string;
  reply?: boolean;
  sensitive?: boolean;
  poll?: boolean;
  media?: boolean;
  /** Exclusive id bounds (max_id, min_id and dates combined). */
  below?: string;
  above?: string;
  /** min_id paging: read upwards from `above`, nearest first. */
  ascending: boolean;
}

/** A query that would match every indexed status: refused rather than listing everything. */
export function isOpenQuery(q: StatusQuery): boolean {
  const facets = [q.authorId, q.language, q.reply, q.sensitive, q.poll, q.media, q.below, q.above];
  return q.match === null && facets.every((f) => f === undefined);
}

function media(s: StatusRecord): boolean {
  const attachments = (s as { media_attachments?: unknown[] }).media_attachments;
  return Array.isArray(attachments) && attachments.length > 0;
}

/** Adds or replaces a status in the index; `snapshot` is stored when given. */
export function indexStatus(sql: SqlStorage, s: StatusRecord, snapshot: string | null = null): void {
  unindexStatus(sql, s.id);
  sql.exec("INSERT INTO search_fts (rowid, body) VALUES (CAST(? AS INTEGER), ?)", s.id, searchableText(s));
  sql.exec(
    `INSERT INTO search_docs (key, id, author_id, language, reply, sensitive, poll, media, snapshot)
     VALUES (CAST(? AS INTEGER), ?, ?, ?, ?, ?, ?, ?, ?)`,
    s.id,
    s.id,
    s.account.id,
    s.language?.toLowerCase() ?? null,
    s.in_reply_to_id ? 1 : 0,
    s.sensitive ? 1 : 0,
    s.poll ? 1 : 0,
    media(s) ? 1 : 0,
    snapshot,
  );
}

export function unindexStatus(sql: SqlStorage, id: string): void {
  sql.exec("DELETE FROM search_fts WHERE rowid = CAST(? AS INTEGER)", id);
  sql.exec("DELETE FROM search_docs WHERE key = CAST(? AS INTEGER)", id);
}

/**
 * Ids of matching statuses in read order (newest first; nearest-above first with min_id), at
 * most `limit`. Recency order, not relevance: it is what max_id/min_id paging needs, and
 * scores from two indexes (an account's, the public one) could not be merged anyway.
 */
export function findStatusIds(sql: SqlStorage, q: StatusQuery, limit: number): string[] {
  if (isOpenQuery(q) || limit <= 0) return [];
  const conditions: string[] = [];
  const params: SqlStorageValue[] = [];
  let from = "search_docs d";
  let key = "d.key";
  if (q.match) {
    from = "search_fts JOIN search_docs d ON d.key = search_fts.rowid";
    key = "search_fts.rowid";
    conditions.push("search_fts MATCH ?");
    params.push(q.exclude ? `(${q.match}) NOT (${q.exclude})` : q.match);
  } else if (q.exclude) {
    conditions.push("d.key NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)");
    params.push(q.exclude);
  }
  if (q.below) conditions.push(`${key} < CAST(? AS INTEGER)`), params.push(q.below);
  if (q.above) conditions.push(`${key} > CAST(? AS INTEGER)`), params.push(q.above);
  if (q.authorId) conditions.push("d.author_id = ?"), params.push(q.authorId);
  if (q.language) conditions.push("d.language = ?"), params.push(q.language);
  for (const facet of ["reply", "sensitive", "poll", "media"] as const) {
    if (q[facet] !== undefined) conditions.push(`d.${facet} = ?`), params.push(q[facet] ? 1 : 0);
  }
  const rows = sql
    .exec<{ id: string }>(
      `SELECT d.id AS id FROM ${from} WHERE ${conditions.join(" AND ")} ORDER BY ${key} ${q.ascending ? "ASC" : "DESC"} LIMIT ?`,
      ...params,
      limit,
    )
    .toArray();
  return rows.map((r) => r.id);
}
