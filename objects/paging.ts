/**
 * Id-window SQL for paged lists (`max_id`, `since_id`, `min_id`, `limit`), shared by every
 * object that serves a feed. Status ids are compared as numbers: with `numeric`, the column is
 * wrapped in CAST(... AS INTEGER), which must match an expression index on the table so the
 * query is an index range scan however large the table grows. Columns whose ids are always
 * generated now (notifications) can use plain text order.
 */
export interface IdWindow {
  maxId?: string;
  sinceId?: string;
  minId?: string;
  limit: number;
}

export interface WindowSql {
  /** Conditions to AND into the WHERE clause (may be empty). */
  conditions: string[];
  params: SqlStorageValue[];
  /** `ORDER BY` expression and direction; `min_id` pages read upwards and are reversed. */
  orderBy: string;
  ascending: boolean;
}

export function windowSql(column: string, w: IdWindow, numeric: boolean): WindowSql {
  const key = numeric ? `CAST(${column} AS INTEGER)` : column;
  const value = numeric ? "CAST(? AS INTEGER)" : "?";
  const conditions: string[] = [];
  const params: SqlStorageValue[] = [];
  if (w.maxId) {
    conditions.push(`${key} < ${value}`);
    params.push(w.maxId);
  }
  const lower = w.minId ?? w.sinceId;
  if (lower) {
    conditions.push(`${key} > ${value}`);
    params.push(lower);
  }
  const ascending = w.minId !== undefined;
  return { conditions, params, orderBy: `${key} ${ascending ? "ASC" : "DESC"}`, ascending };
}

/** `WHERE a AND b` or "" */
export function whereClause(conditions: string[]): string {
  return conditions.length ? `WHERE ${conditions.join(" AND ")}` : "";
}

/** Rows of a window read newest first, whatever direction the query ran in. */
export function newestFirst<T>(rows: T[], ascending: boolean): T[] {
  return ascending ? rows.reverse() : rows;
}
