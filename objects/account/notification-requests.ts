import type { AccountSnapshot, NotificationRequestRecord, StatusRecord, ViewerFlags } from "../../schemas/records";
import type { IdWindow } from "../paging";
import { newestFirst, whereClause, windowSql } from "../paging";
import { fail, ok, type Result } from "../../lib/result";
import { snowflake } from "../../lib/ids";
import { parseStatusSnapshot } from "./status-memo";
import { flagsFor } from "./viewer";
import { readPolicy, writePolicy, type NotificationPolicy } from "./notification-policy";

/**
 * Notification requests: the filtered notifications of one sender, waiting for this account
 * to accept them (they join the list, and that sender is never filtered again) or dismiss
 * them (they are deleted). Requests from blocked or muted senders, and requests whose
 * notifications are all gone, are not shown.
 */

export type NotificationRequestOp =
  | { op: "policy" }
  | { op: "setPolicy"; changes: Partial<NotificationPolicy> }
  | { op: "list"; window: IdWindow }
  | { op: "get"; id: string }
  | { op: "accept" | "dismiss"; ids: string[]; bulk: boolean };

export interface PolicyView {
  policy: NotificationPolicy;
  summary: { pending_requests_count: number; pending_notifications_count: number };
}

export interface RequestsPage {
  requests: NotificationRequestRecord[];
  flags: Record<string, ViewerFlags>;
}

export function runNotificationRequestOp(
  sql: SqlStorage,
  storage: DurableObjectStorage,
  me: string,
  op: NotificationRequestOp,
): Result<PolicyView | RequestsPage | Record<string, never>> {
  switch (op.op) {
    case "policy":
      return ok(policyView(sql, readPolicy(sql)));
    case "setPolicy":
      return ok(policyView(sql, writePolicy(sql, op.changes)));
    case "list":
      return ok(page(sql, me, visibleRequests(sql, op.window, null)));
    case "get": {
      const found = visibleRequests(sql, { limit: 1 }, op.id);
      return found.length ? ok(page(sql, me, found)) : fail(404, "Record not found");
    }
    default:
      return decide(sql, storage, op.op, op.ids, op.bulk);
  }
}

/** Records a filtered notification's sender as a request (or refreshes it); inside the notification's transaction. */
export function noteFilteredNotification(sql: SqlStorage, from: AccountSnapshot, status: StatusRecord | null): void {
  const now = new Date().toISOString();
  sql.exec(
    `INSERT INTO notification_requests (account_id, id, from_snapshot, last_status_snapshot, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
     ON CONFLICT (account_id) DO UPDATE SET from_snapshot = excluded.from_snapshot,
       last_status_snapshot = coalesce(excluded.last_status_snapshot, last_status_snapshot), updated_at = excluded.updated_at`,
    from.id,
    snowflake(),
    JSON.stringify(from),
    status ? JSON.stringify(status) : null,
    now,
  );
}

/** The hidden senders and the emptied requests every read leaves out. */
const VISIBLE = [
  "account_id NOT IN (SELECT account_id FROM blocks)",
  "account_id NOT IN (SELECT account_id FROM blocked_by)",
  "account_id NOT IN (SELECT account_id FROM mutes WHERE expires_at IS NULL OR expires_at > ?)",
  "n > 0",
];

type RequestRow = { id: string; account_id: string; from_snapshot: string; last_status_snapshot: string | null; created_at: string; updated_at: string; n: number };

function visibleRequests(sql: SqlStorage, window: IdWindow, id: string | null): NotificationRequestRecord[] {
  const w = windowSql("id", window, true);
  const conditions = [...VISIBLE, ...w.conditions, ...(id ? ["id = ?"] : [])];
  const rows = sql
    .exec<RequestRow>(
      `SELECT * FROM (SELECT r.*, (SELECT count(*) FROM notifications WHERE filtered = 1 AND from_account_id = r.account_id) AS n FROM notification_requests r)
       ${whereClause(conditions)} ORDER BY ${w.orderBy} LIMIT ?`,
      new Date().toISOString(),
      ...w.params,
      ...(id ? [id] : []),
      window.limit,
    )
    .toArray();
  return newestFirst(rows, w.ascending).map((r) => ({
    id: r.id,
    created_at: r.created_at,
    updated_at: r.updated_at,
    account: JSON.parse(r.from_snapshot) as AccountSnapshot,
    notifications_count: r.n,
    last_status: r.last_status_snapshot ? parseStatusSnapshot(r.last_status_snapshot) : null,
  }));
}

function page(sql: SqlStorage, me: string, requests: NotificationRequestRecord[]): RequestsPage {
  const statuses = requests.flatMap((r) => (r.last_status ? [r.last_status] : []));
  return { requests, flags: flagsFor(sql, me, statuses) };
}

function policyView(sql: SqlStorage, policy: NotificationPolicy): PolicyView {
  const row = sql
    .exec<{ requests: number; notifications: number | null }>(
      `SELECT count(*) AS requests, sum(n) AS notifications FROM (SELECT r.account_id, (SELECT count(*) FROM notifications WHERE filtered = 1 AND from_account_id = r.account_id) AS n FROM notification_requests r)
       ${whereClause(VISIBLE)}`,
      new Date().toISOString(),
    )
    .one();
  return { policy, summary: { pending_requests_count: row.requests, pending_notifications_count: row.notifications ?? 0 } };
}

/**
 * Accepting a request lets its notifications into the list and its sender through from now on
 * (Mastodon's AcceptNotificationRequestService); dismissing deletes them. One unknown id is a
 * 404; the bulk forms skip unknown ids, as Mastodon's do.
 */
function decide(sql: SqlStorage, storage: DurableObjectStorage, action: "accept" | "dismiss", ids: string[], bulk: boolean): Result<Record<string, never>> {
  const found = ids.flatMap((id) => sql.exec<{ account_id: string }>("SELECT account_id FROM notification_requests WHERE id = ?", id).toArray());
  if (!bulk && found.length === 0) return fail(404, "Record not found");
  storage.transactionSync(() => {
    for (const { account_id } of found) {
      sql.exec("DELETE FROM notification_requests WHERE account_id = ?", account_id);
      if (action === "accept") {
        sql.exec("INSERT OR IGNORE INTO notification_permissions (account_id) VALUES (?)", account_id);
        sql.exec("UPDATE notifications SET filtered = 0 WHERE from_account_id = ? AND filtered = 1", account_id);
      } else {
        sql.exec("DELETE FROM notifications WHERE from_account_id = ? AND filtered = 1", account_id);
      }
    }
  });
  return ok({});
}
