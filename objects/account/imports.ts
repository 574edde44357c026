import type { AccountHost } from "./host";
import type { Viewer } from "../../schemas/auth";
import type { ImportDetail, ImportFailure, ImportMode, ImportRecord, ImportType, PortabilityOrigin } from "../../schemas/portability";
import { fail, ok, type Result } from "../../lib/result";
import { snowflake } from "../../lib/ids";
import { csvFormatRows } from "d3-dsv";
import { accountJobs } from "./jobs";
import { parseImport, type ImportItem } from "./import-parse";
import { applyItem, applyRemoval, overwriteRemovals, type Removal } from "./import-rows";

/**
 * CSV imports (Mastodon's BulkImport): the upload is parsed and checked whole, then stored as
 * one row per line in the same transaction as the import itself, so an accepted import always
 * runs to the end. Jobs apply the rows in batches (first, for `overwrite`, the removals of what
 * the file does not name); each row ends `done` or `failed` with its reason, and the counters
 * total / processed / failed are what the settings page shows. Rows unusable as read are
 * failed at upload time and reported like the others.
 */

const BATCH = 20;
const JOB = "import.batch";
/** Mastodon's FollowLimitValidator: 7,500 follows, more for accounts with many followers. */
const FOLLOW_LIMIT = 7_500;
const FOLLOW_RATIO = 1.1;
/** The failures a report lists (the counters count them all). */
const FAILURES_SHOWN = 1000;


interface ImportRow {
  [key: string]: SqlStorageValue;
  id: string;
  type: string;
  mode: string;
  filename: string;
  state: string;
  total: number;
  processed: number;
  failed: number;
  origin: string;
  created_at: string;
  finished_at: string | null;
}

function toImport(r: ImportRow): ImportRecord {
  return {
    id: r.id,
    type: r.type as ImportType,
    mode: r.mode as ImportMode,
    filename: r.filename,
    state: r.state as ImportRecord["state"],
    total: r.total,
    processed: r.processed,
    failed: r.failed,
    created_at: r.created_at,
    finished_at: r.finished_at,
  };
}

function importRow(sql: SqlStorage, id: string): ImportRow | undefined {
  return sql.exec<ImportRow>("SELECT * FROM imports WHERE id = ?", id).toArray()[0];
}

export interface NewImport {
  type: ImportType;
  mode: ImportMode;
  csv: string;
  filename: string;
  o: PortabilityOrigin;
}

function followLimit(sql: SqlStorage): number {
  const { following, followers } = sql.exec<{ following: number; followers: number }>("SELECT following_count AS following, followers_count AS followers FROM account").one();
  return following < FOLLOW_LIMIT ? FOLLOW_LIMIT : Math.max(Math.round(followers * FOLLOW_RATIO), FOLLOW_LIMIT);
}

export async function createImport(host: AccountHost, input: NewImport): Promise<Result<ImportRecord>> {
  const parsed = parseImport(input.type, input.csv);
  if (!parsed.ok) return parsed;
  const rows = parsed.value;
  const sql = host.sql;
  if (input.type === "following" && rows.length > followLimit(sql)) {
    return fail(422, `Validation failed: You cannot follow more than ${followLimit(sql)} people`);
  }
  const id = snowflake();
  const now = new Date().toISOString();
  const items = rows.flatMap((r) => (r.item ? [r.item] : []));
  const unusable = rows.length - items.length;
  host.storage.transactionSync(() => {
    sql.exec(
      `INSERT INTO imports (id, type, mode, filename, state, total, processed, failed, origin, created_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)`,
      id,
      input.type,
      input.mode,
      input.filename.slice(0, 255),
      rows.length,
      unusable,
      unusable,
      JSON.stringify(input.o),
      now,
    );
    for (const r of rows) {
      sql.exec(
        "INSERT INTO import_rows (import_id, line, row, item, state, error) VALUES (?, ?, ?, ?, ?, ?)",
        id,
        r.line,
        JSON.stringify(r.row),
        r.item ? JSON.stringify(r.item) : null,
        r.item ? "pending" : "failed",
        r.item ? null : (r.error ?? "Invalid row"),
      );
    }
    if (input.mode === "overwrite") {
      overwriteRemovals(sql, input.o, input.type, items).forEach((removal, seq) =>
        sql.exec("INSERT INTO import_removals (import_id, seq, removal) VALUES (?, ?, ?)", id, seq, JSON.stringify(removal)),
      );
    }
    host.enqueue(JOB, { id });
  });
  await host.wake();
  return ok(toImport(importRow(sql, id)!));
}

export function listImports(sql: SqlStorage, limit = 20): ImportRecord[] {
  return sql.exec<ImportRow>("SELECT * FROM imports ORDER BY id DESC LIMIT ?", limit).toArray().map(toImport);
}

export function importDetail(sql: SqlStorage, id: string): Result<ImportDetail> {
  const row = importRow(sql, id);
  if (!row) return fail(404, "Record not found");
  const failures: ImportFailure[] = sql
    .exec<{ line: number; row: string; error: string | null }>("SELECT line, row, error FROM import_rows WHERE import_id = ? AND state = 'failed' ORDER BY line LIMIT ?", id, FAILURES_SHOWN)
    .toArray()
    .map((f) => ({ line: f.line, row: JSON.parse(f.row) as string[], error: f.error ?? "Failed" }));
  return ok({ ...toImport(row), failures });
}

/** Headers of the files Mastodon's imports read with headers (its export's own). */
const FAILURE_HEADERS: Partial<Record<ImportType, string[]>> = {
  following: ["Account address", "Show boosts", "Notify on new posts", "Languages"],
  muting: ["Account address", "Hide notifications"],
};

/** The rows that failed, as a CSV to fix and upload again (Mastodon's failures.csv). */
export function importFailuresCsv(sql: SqlStorage, id: string): Result<string> {
  const row = importRow(sql, id);
  if (!row) return fail(404, "Record not found");
  const failed = sql
    .exec<{ row: string }>("SELECT row FROM import_rows WHERE import_id = ? AND state = 'failed' ORDER BY line", id)
    .toArray()
    .map((f) => JSON.parse(f.row) as string[]);
  const header = FAILURE_HEADERS[row.type as ImportType];
  const all = header ? [header, ...failed] : failed;
  return ok(all.length ? `${csvFormatRows(all)}\n` : "");
}

/** Jobs act as the account itself, with every write an API client could be granted. */
function accountViewer(host: AccountHost): Viewer | null {
  const account = host.record();
  if (!account) return null;
  return { account, token: { client_id: "import", app_name: "Import", app_website: null, scopes: ["read", "write", "follow"], created_at: 0 } };
}

function reason(result: Result<unknown> | Error): string {
  if (result instanceof Error) return `Could not be processed (${result.message.slice(0, 200)})`;
  return result.ok ? "" : result.error;
}

async function runRemovals(host: AccountHost, viewer: Viewer, id: string): Promise<number> {
  const due = host.sql.exec<{ seq: number; removal: string }>("SELECT seq, removal FROM import_removals WHERE import_id = ? ORDER BY seq LIMIT ?", id, BATCH).toArray();
  for (const r of due) {
    // A removal that fails (the account is gone) leaves nothing to report: the entry is not there.
    await applyRemoval(host, viewer, JSON.parse(r.removal) as Removal).catch(() => null);
    host.sql.exec("DELETE FROM import_removals WHERE import_id = ? AND seq = ?", id, r.seq);
  }
  return due.length;
}

async function runRows(host: AccountHost, viewer: Viewer, imp: ImportRow): Promise<number> {
  const sql = host.sql;
  const o = JSON.parse(imp.origin) as PortabilityOrigin;
  const due = sql
    .exec<{ line: number; item: string }>("SELECT line, item FROM import_rows WHERE import_id = ? AND state = 'pending' ORDER BY line LIMIT ?", imp.id, BATCH)
    .toArray();
  for (const r of due) {
    const outcome = await applyItem(host, viewer, o, imp.type as ImportType, JSON.parse(r.item) as ImportItem).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    const failed = outcome instanceof Error || !outcome.ok;
    host.storage.transactionSync(() => {
      sql.exec("UPDATE import_rows SET state = ?, error = ? WHERE import_id = ? AND line = ?", failed ? "failed" : "done", failed ? reason(outcome) : null, imp.id, r.line);
      sql.exec("UPDATE imports SET processed = processed + 1, failed = failed + ? WHERE id = ?", failed ? 1 : 0, imp.id);
    });
  }
  return due.length;
}

accountJobs.register(JOB, async (host, payload: { id: string }) => {
  const imp = importRow(host.sql, payload.id);
  if (!imp || imp.state === "finished") return;
  const viewer = accountViewer(host);
  if (!viewer) return;
  host.sql.exec("UPDATE imports SET state = 'running' WHERE id = ? AND state = 'queued'", imp.id);
  const done = (await runRemovals(host, viewer, imp.id)) || (await runRows(host, viewer, imp));
  if (done > 0) {
    host.enqueue(JOB, { id: imp.id });
    await host.wake();
    return;
  }
  host.sql.exec("UPDATE imports SET state = 'finished', finished_at = ? WHERE id = ?", new Date().toISOString(), imp.id);
});
