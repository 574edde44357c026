import type { ReportRow } from "./reports";
import type { ModerationReport, ModerationState, ReportCategory, Role } from "../../schemas/records";
import { snowflake } from "../../lib/ids";
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

/** Mastodon's AccountFilter statuses. */
export type AccountStatus = "active" | "pending" | "disabled" | "silenced" | "suspended" | "sensitized";

/** Moderation state columns of the directory's accounts, kept in step with each account's object. */
export function accountModerationSchema(sql: SqlStorage): void {
  sql.exec("ALTER TABLE accounts ADD COLUMN suspended_at TEXT");
  sql.exec("ALTER TABLE accounts ADD COLUMN silenced_at TEXT");
  sql.exec("ALTER TABLE accounts ADD COLUMN sensitized_at TEXT");
  sql.exec("ALTER TABLE accounts ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0");
  sql.exec("ALTER TABLE reports ADD COLUMN assigned_account_id TEXT");
  sql.exec("ALTER TABLE reports ADD COLUMN updated_at TEXT");
  // The reported account's server, for a remote one (Mastodon's `by_target_domain`).
  sql.exec("ALTER TABLE reports ADD COLUMN target_domain TEXT");
  // Mastodon's account warnings: what a moderator did, why, and for which report.
  sql.exec(`CREATE TABLE account_actions (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL, action TEXT NOT NULL, text TEXT NOT NULL,
    report_id TEXT, by_account_id TEXT NOT NULL, created_at TEXT NOT NULL
  )`);
  sql.exec("CREATE INDEX account_actions_account ON account_actions (account_id, id)");
}

/** A moderator's action as logged (null for a reversal, which Mastodon logs only in its audit log). */
export interface ActionLog {
  action: string;
  text: string;
  reportId: string | null;
  byAccountId: string;
}

/**
 * Logs an action and resolves what it settles: the cited report for `none`, every open report
 * about the account otherwise (Mastodon's Admin::AccountAction).
 */
export function recordAction(sql: SqlStorage, accountId: string, log: ActionLog): void {
  const now = new Date().toISOString();
  sql.exec(
    "INSERT INTO account_actions (id, account_id, action, text, report_id, by_account_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    snowflake(),
    accountId,
    log.action,
    log.text,
    log.reportId,
    log.byAccountId,
    now,
  );
  if (log.reportId) changeReport(sql, log.reportId, { op: "resolve", byAccountId: log.byAccountId });
  if (log.action !== "none") {
    sql.exec(
      "UPDATE reports SET action_taken_at = ?, action_taken_by_account_id = ?, updated_at = ? WHERE target_account_id = ? AND action_taken_at IS NULL",
      now,
      log.byAccountId,
      now,
      accountId,
    );
  }
}

export interface AccountFilter {
  origin?: "local" | "remote";
  status?: AccountStatus;
  /** Moderators, admins and owners only. */
  staff?: boolean;
  /** Only these roles (Mastodon's `role_ids`, mapped to our roles). */
  roles?: Role[];
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
  suspended: boolean;
}

const STAFF_ROLES = "('moderator', 'admin', 'owner')";

const STATUS_SQL: Record<AccountStatus, string> = {
  // Mastodon's `active` is every account that is not suspended.
  active: "suspended_at IS NULL",
  pending: "approved = 0",
  disabled: "disabled = 1",
  silenced: "silenced_at IS NOT NULL",
  suspended: "suspended_at IS NOT NULL",
  sensitized: "sensitized_at IS NOT NULL",
};

/** `value%` with LIKE's wildcards escaped, lower-cased like the columns it is matched against. */
function prefixPattern(value: string): string {
  return `${value.trim().toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

type EntryRow = { id: string; username: string; approved: number; role: string; suspended_at: string | null };
const ENTRY_COLUMNS = "id, username, approved, role, suspended_at";
const toEntry = (r: EntryRow): ModerationEntry => ({
  id: r.id,
  username: r.username,
  approved: r.approved === 1,
  role: r.role as Role,
  suspended: r.suspended_at !== null,
});

/** Local accounts matching the filter, newest first, one id window. */
export function filterAccounts(sql: SqlStorage, f: AccountFilter): ModerationEntry[] {
  if (f.origin === "remote") return [];
  if (f.roles && f.roles.length === 0) return [];
  const w = windowSql("id", f.window, true);
  const conditions = ["state = 'active'", ...w.conditions];
  const params: SqlStorageValue[] = [...w.params];
  if (f.status) conditions.push(STATUS_SQL[f.status]);
  if (f.staff) conditions.push(`role IN ${STAFF_ROLES}`);
  if (f.roles) {
    conditions.push(`role IN (${f.roles.map(() => "?").join(", ")})`);
    params.push(...f.roles);
  }
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
    .exec<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM accounts ${whereClause(conditions)} ORDER BY ${w.orderBy} LIMIT ?`, ...params, f.window.limit)
    .toArray();
  return newestFirst(rows, w.ascending).map(toEntry);
}

/** A registration's directory row, whatever its approval (null when unknown or mid-rejection). */
export function moderationEntry(sql: SqlStorage, id: string): ModerationEntry | null {
  const row = sql.exec<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM accounts WHERE state = 'active' AND id = ?`, id).toArray()[0];
  return row ? toEntry(row) : null;
}

/** Staff accounts (moderators, admins, owners) who hear of sign-ups and reports. */
export function staffAccountIds(sql: SqlStorage): string[] {
  return sql
    .exec<{ id: string }>(
      `SELECT id FROM accounts WHERE state = 'active' AND approved = 1 AND suspended_at IS NULL AND disabled = 0 AND role IN ${STAFF_ROLES}`,
    )
    .toArray()
    .map((r) => r.id);
}

/** Mirrors an account's moderation state here, for the filters and the listings. */
export function recordModeration(sql: SqlStorage, id: string, m: ModerationState): void {
  sql.exec(
    "UPDATE accounts SET suspended_at = ?, silenced_at = ?, sensitized_at = ?, disabled = ? WHERE id = ?",
    m.suspendedAt,
    m.silencedAt,
    m.sensitizedAt,
    m.disabled ? 1 : 0,
    id,
  );
}

// ----- reports -----

export interface ReportFilter {
  /** Mastodon's default is open reports only; `resolved` lists the closed ones instead. */
  resolved: boolean;
  accountId?: string;
  targetAccountId?: string;
  /** Reports about accounts of this server (lower case). */
  targetDomain?: string;
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
    assignedAccountId: r.assigned_account_id,
    category: r.category as ReportCategory,
    ruleIds: JSON.parse(r.rule_ids) as string[],
    updatedAt: r.updated_at ?? r.action_taken_at ?? r.created_at,
  };
}

export function filterReports(sql: SqlStorage, f: ReportFilter): ModerationReport[] {
  const w = windowSql("id", f.window, true);
  const conditions = [f.resolved ? "action_taken_at IS NOT NULL" : "action_taken_at IS NULL", ...w.conditions];
  const params: SqlStorageValue[] = [...w.params];
  if (f.accountId) conditions.push("reporter_id = ?"), params.push(f.accountId);
  if (f.targetAccountId) conditions.push("target_account_id = ?"), params.push(f.targetAccountId);
  if (f.targetDomain) conditions.push("target_domain = ?"), params.push(f.targetDomain);
  const rows = sql
    .exec<ReportRow>(`SELECT * FROM reports ${whereClause(conditions)} ORDER BY ${w.orderBy} LIMIT ?`, ...params, f.window.limit)
    .toArray();
  return newestFirst(rows, w.ascending).map(toReport);
}

export function findReport(sql: SqlStorage, id: string): ModerationReport | null {
  const row = sql.exec<ReportRow>("SELECT * FROM reports WHERE id = ?", id).toArray()[0];
  return row ? toReport(row) : null;
}

/** A moderator's change to a report; null when the report is unknown. */
export type ReportChange =
  | { op: "resolve"; byAccountId: string }
  | { op: "reopen" }
  | { op: "assign"; accountId: string | null }
  | { op: "update"; category?: ReportCategory; ruleIds?: string[] };

/**
 * Resolving again keeps the latest moderator (as Mastodon); reopening clears who acted;
 * a category other than violation drops the cited rules, as Mastodon's Report validation does.
 */
export function changeReport(sql: SqlStorage, id: string, change: ReportChange): ModerationReport | null {
  const now = new Date().toISOString();
  const run = (set: string, ...values: SqlStorageValue[]) => sql.exec(`UPDATE reports SET ${set}, updated_at = ? WHERE id = ?`, ...values, now, id);
  switch (change.op) {
    case "resolve":
      run("action_taken_at = ?, action_taken_by_account_id = ?", now, change.byAccountId);
      break;
    case "reopen":
      run("action_taken_at = NULL, action_taken_by_account_id = NULL");
      break;
    case "assign":
      run("assigned_account_id = ?", change.accountId);
      break;
    case "update": {
      const current = findReport(sql, id);
      if (!current) return null;
      const category = change.category ?? current.category ?? "other";
      const ruleIds = category === "violation" ? (change.ruleIds ?? current.ruleIds ?? []) : [];
      run("category = ?, rule_ids = ?", category, JSON.stringify(ruleIds));
      break;
    }
  }
  return findReport(sql, id);
}
