import type { Page } from "../../schemas/paging";
import { newestFirst, whereClause, windowSql } from "../paging";

/**
 * Paging over rows keyed by ids this object generated itself (follow, block, mute, list and tag
 * row ids: local snowflakes, all 18 digits until the 25th century). Equal length makes text
 * order numeric order, so the plain id indexes serve the window; a client's cursor is brought
 * to the same width first.
 */
const ID_DIGITS = 18;
const BEYOND_ALL = "9".repeat(ID_DIGITS);

export function normalizeCursor(id: string): string {
  const digits = id.replace(/^0+/, "") || "0";
  return digits.length > ID_DIGITS ? BEYOND_ALL : digits.padStart(ID_DIGITS, "0");
}

/**
 * `SELECT <columns> FROM <from> WHERE <filter> AND <window> ORDER BY <id>`, newest first.
 * `filter` may use `?` placeholders bound by `filterParams`.
 */
export function selectPage<T extends Record<string, SqlStorageValue>>(
  sql: SqlStorage,
  input: { columns: string; from: string; idColumn: string; filter?: string; filterParams?: SqlStorageValue[]; page: Page },
): T[] {
  const p = input.page;
  const cursor = (id?: string) => (id === undefined ? undefined : normalizeCursor(id));
  const w = windowSql(input.idColumn, { maxId: cursor(p.maxId), sinceId: cursor(p.sinceId), minId: cursor(p.minId), limit: p.limit }, false);
  const conditions = input.filter ? [`(${input.filter})`, ...w.conditions] : w.conditions;
  const rows = sql
    .exec<T>(
      `SELECT ${input.columns} FROM ${input.from} ${whereClause(conditions)} ORDER BY ${w.orderBy} LIMIT ?`,
      ...(input.filterParams ?? []),
      ...w.params,
      p.limit,
    )
    .toArray();
  return newestFirst(rows, w.ascending);
}
