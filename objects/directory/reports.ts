import { snowflake } from "../../lib/ids";
import type { NewReport, ReportRecord } from "../../schemas/records";

/**
 * Reports about local accounts (Flag activities from other servers; later the
 * client API's own reports). Kept in the directory singleton: reports are rare writes, and an
 * admin API lists them from one place. One report per activity and reported account.
 */
/** Local reports (`POST /api/v1/reports`) carry a category and the rules broken. */
export function reportCategoriesSchema(sql: SqlStorage): void {
  sql.exec("ALTER TABLE reports ADD COLUMN category TEXT NOT NULL DEFAULT 'other'");
  sql.exec("ALTER TABLE reports ADD COLUMN rule_ids TEXT NOT NULL DEFAULT '[]'");
}

export function reportsSchema(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    activity_id TEXT,
    reporter_id TEXT NOT NULL,
    reporter_uri TEXT,
    target_account_id TEXT NOT NULL,
    status_ids TEXT NOT NULL DEFAULT '[]',
    comment TEXT NOT NULL DEFAULT '',
    forwarded INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    action_taken_at TEXT
  )`);
  sql.exec("CREATE UNIQUE INDEX reports_activity ON reports (activity_id, target_account_id)");
  sql.exec("CREATE INDEX reports_target ON reports (target_account_id)");
}

/** Stores a report; the same Flag about the same account again changes nothing. Returns its id, and whether it is new. */
export function addReport(sql: SqlStorage, r: NewReport): { id: string; created: boolean } {
  const written = sql.exec(
    `INSERT OR IGNORE INTO reports (id, activity_id, reporter_id, reporter_uri, target_account_id, status_ids, comment, forwarded, created_at, category, rule_ids)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    snowflake(),
    r.activityId,
    r.reporterId,
    r.reporterUri,
    r.targetAccountId,
    JSON.stringify(r.statusIds),
    r.comment,
    r.activityId || r.forwarded ? 1 : 0,
    new Date().toISOString(),
    r.category ?? "other",
    JSON.stringify(r.ruleIds ?? []),
  ).rowsWritten;
  const id = sql
    .exec<{ id: string }>("SELECT id FROM reports WHERE activity_id IS ? AND target_account_id = ? ORDER BY id DESC LIMIT 1", r.activityId, r.targetAccountId)
    .one().id;
  if (written > 0 && r.targetDomain) sql.exec("UPDATE reports SET target_domain = ? WHERE id = ?", r.targetDomain.toLowerCase(), id);
  return { id, created: written > 0 };
}

/** A row of the `reports` table, all columns (moderation.ts reads the same rows). */
export type ReportRow = {
  id: string;
  activity_id: string | null;
  reporter_id: string;
  reporter_uri: string | null;
  target_account_id: string;
  status_ids: string;
  comment: string;
  forwarded: number;
  created_at: string;
  action_taken_at: string | null;
  action_taken_by_account_id: string | null;
  category: string;
  rule_ids: string;
  assigned_account_id: string | null;
  updated_at: string | null;
};

/** Newest first; optionally about one account. */
export function listReports(sql: SqlStorage, input: { targetAccountId?: string; limit: number }): ReportRecord[] {
  const rows = input.targetAccountId
    ? sql.exec<ReportRow>("SELECT * FROM reports WHERE target_account_id = ? ORDER BY id DESC LIMIT ?", input.targetAccountId, input.limit).toArray()
    : sql.exec<ReportRow>("SELECT * FROM reports ORDER BY id DESC LIMIT ?", input.limit).toArray();
  return rows.map((r) => ({
    id: r.id,
    activityId: r.activity_id,
    reporterId: r.reporter_id,
    reporterUri: r.reporter_uri,
    targetAccountId: r.target_account_id,
    statusIds: JSON.parse(r.status_ids) as string[],
    comment: r.comment,
    createdAt: r.created_at,
    actionTakenAt: r.action_taken_at,
  }));
}
