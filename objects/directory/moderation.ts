import type { ReportRow } from "./reports";
import type { ModerationReport, Role } from "../../schemas/records";
import { newestFirst, whereClause, windowSql, type IdWindow } from "../paging";


/**
 * What moderators read and change in the directory (worker/api/admin.ts): local accounts by
 * origin/status/role/name filters, pending registrations, and reports. The directory only knows
 * local accounts; remote ones live in their actor objects and are not listed here.
 */
export function moderationSchema(sql: SqlStorage): void {
  sql.exec("ALTER TABLE reports ADD COLUMN action_taken_by_account_id TEXT");
  sql.exec("CREATE INDEX reports_open ON reports (action_taken_at, id)");
}

/** Mastodon's AccountFilter statuses; we have no suspension, silencing or disabling yet. */
export type AccountStatus = "active" | "pending" | "disabled" | "silenced" | "suspended" | "sensitized";

export interface AccountFilter {
  origin?: "local" | "remote";
  status?: AccountStatus;
  /** Moderators, admins and owners only. */
  staff?: boolean;
  /** Prefixes, case-insensitive (Mastodon's `matches_username`, `matches_display_name`, `matches_email`). */
  username?: string;
  displayName?: string;
  email?: string;
  window: IdWindow;
}

export interface ModerationEntry {
  id: string;
  username: string;
  approved: boolean;
  role: Role;
}

const STAFF_ROLES = "('moderator', 'admin', 'owner')";

/** `value%` with LIKE's wildcards escaped, lower-cased like the columns it is matched against. */
function prefixPattern(value: string): string {
  return `${value.trim().toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/** Local accounts matching the filter, newest first, one id window. */
export function filterAccounts(sql: SqlStorage, f: AccountFilter): ModerationEntry[] {
  if (f.origin === "remote") return [];
  // Nobody can be suspended, silenced, disabled or sensitized here yet: those lists are empty.
  if (f.status && f.status !== "active" && f.status !== "pending") return [];
  const w = windowSql("id", f.window, true);
  const conditions = ["state = 'active'", ...w.conditions];
  const params: SqlStorageValue[] = [...w.params];
  if (f.status === "pending") conditions.push("approved = 0");
  if (f.staff) conditions.push(`role IN ${STAFF_ROLES}`);
  const prefixes: [string | undefined, string][] = [
    [f.username, "username_lower"],
    [f.displayName, "display_name_lower"],
    [f.email, "email_lower"],
  ];
  for (const [value, column] of prefixes) {
    if (value === undefined || value.trim() === "") continue;
    conditions.push(`${column} LIKE ? ESCAPE '\\'`);
    params.push(prefixPattern(value));
  }
  const rows = sql
    .exec<{ id: string; username: string; approved: number; role: string }>(
      `SELECT id, username, approved, role FROM accounts ${whereClause(conditions)} ORDER BY ${w.orderBy} LIMIT ?`,
      ...params,
      f.window.limit,
    )
    .toArray();
  return newestFirst(rows, w.ascending).map((r) => ({ id: r.id, username: r.username, approved: r.approved === 1, role: r.role as Role }));
}

/** A registration's directory row, whatever its approval (null when unknown or mid-rejection). */
export function moderationEntry(sql: SqlStorage, id: string): ModerationEntry | null {
  const row = sql
    .exec<{ id: string; username: string; approved: number; role: string }>(
      "SELECT id, username, approved, role FROM accounts WHERE state = 'active' AND id = ?",
      id,
    )
    .toArray()[0];
  return row ? { id: row.id, username: row.username, approved: row.approved === 1, role: row.role as Role } : null;
}

// ----- reports -----

export interface ReportFilter {
  /** Mastodon's default is open reports only; `resolved` lists the closed ones instead. */
  resolved: boolean;
  accountId?: string;
  targetAccountId?: string;
  window: IdWindow;
}

function toReport(r: ReportRow): ModerationReport {
  return {
    id: r.id,
    activityId: r.activity_id,
    reporterId: r.reporter_id,
    reporterUri: r.reporter_uri,
    targetAccountId: r.target_account_id,
    statusIds: JSON.parse(r.status_ids) as string[],
    comment: r.comment,
    forwarded: r.forwarded === 1,
    createdAt: r.created_at,
    actionTakenAt: r.action_taken_at,
    actionTakenByAccountId: r.action_taken_by_account_id,
  };
}

export function filterReports(sql: SqlStorage, f: ReportFilter): ModerationReport[] {
  const w = windowSql("id", f.window, true);
  const conditions = [f.resolved ? "action_taken_at IS NOT NULL" : "action_taken_at IS NULL", ...w.conditions];
  const params: SqlStorageValue[] = [...w.params];
  if (f.accountId) conditions.push("reporter_id = ?"), params.push(f.accountId);
  if (f.targetAccountId) conditions.push("target_account_id = ?"), params.push(f.targetAccountId);
  const rows = sql
    .exec<ReportRow>(`SELECT * FROM reports ${whereClause(conditions)} ORDER BY ${w.orderBy} LIMIT ?`, ...params, f.window.limit)
    .toArray();
  return newestFirst(rows, w.ascending).map(toReport);
}

export function findReport(sql: SqlStorage, id: string): ModerationReport | null {
  const row = sql.exec<ReportRow>("SELECT * FROM reports WHERE id = ?", id).toArray()[0];
  return row ? toReport(row) : null;
}

/** Marks a report resolved by a moderator (again: the latest resolution counts, as in Mastodon). */
export function resolveReport(sql: SqlStorage, id: string, byAccountId: string): ModerationReport | null {
  sql.exec(
    "UPDATE reports SET action_taken_at = ?, action_taken_by_account_id = ? WHERE id = ?",
    new Date().toISOString(),
    byAccountId,
    id,
  );
  return findReport(sql, id);
}
