import type { AccountSnapshot, NotificationReport, NotificationType, StatusRecord } from "../../schemas/records";
import { snowflake } from "../../lib/ids";
import { publishToUser } from "../streams/user-events";
import { dispositionOf } from "./notification-policy";
import { noteFilteredNotification } from "./notification-requests";

export type { NotificationType };

/**
 * Mastodon groups favourites and boosts of one status, and follows, into one group per day-ish
 * window; everything else is its own group. The key is stored so paging stays stable.
 */
export function groupKeyFor(type: NotificationType, statusId: string | null, id: string): string {
  if ((type === "favourite" || type === "reblog") && statusId) return `${type}-${statusId}`;
  if (type === "follow" || type === "admin.sign_up") return `${type}-${new Date().toISOString().slice(0, 10)}`;
  return `ungrouped-${id}`;
}

/** A notification just written, for whoever listens (push subscriptions). */
export interface AddedNotification {
  id: string;
  type: NotificationType;
  fromId: string;
}

const listeners = new WeakMap<SqlStorage, (n: AddedNotification) => void>();

/**
 * Calls `listener` for each notification stored through `sql`, inside the transaction that
 * stores it (so what it queues commits or rolls back with the notification).
 */
export function onNotificationAdded(sql: SqlStorage, listener: (n: AddedNotification) => void): void {
  listeners.set(sql, listener);
}

/**
 * Records a notification for this account unless the actor is blocked, on a domain this
 * account blocks, or muted with notifications, or the status's conversation is muted, or the
 * notification policy drops it. A notification the policy filters is stored aside (a
 * notification request), neither streamed nor pushed. Returns the new id, or null if skipped.
 * Call inside the transaction of the change that causes it.
 */
const REPEATABLE = new Set<NotificationType>(["mention", "status", "update", "poll", "admin.report", "quoted_update"]);

export function addNotification(
  sql: SqlStorage,
  input: { type: NotificationType; from: AccountSnapshot; status?: StatusRecord | null; report?: NotificationReport },
): string | null {
  const fromId = input.from.id;
  const blocked = sql
    .exec(
      "SELECT 1 FROM blocks WHERE account_id = ?1 UNION SELECT 1 FROM blocked_by WHERE account_id = ?1 UNION SELECT 1 FROM user_domain_blocks WHERE domain = lower(?2)",
      fromId,
      input.from.domain ?? null,
    )
    .toArray();
  if (blocked.length) return null;
  const muted = sql
    .exec("SELECT 1 FROM mutes WHERE account_id = ? AND notifications = 1 AND (expires_at IS NULL OR expires_at > ?)", fromId, new Date().toISOString())
    .toArray();
  if (muted.length) return null;
  const status = input.status ?? null;
  if (status && sql.exec("SELECT 1 FROM muted_conversations WHERE conversation_id = ?", status.conversation_id).toArray().length) return null;
  // One favourite/boost/follow notification per actor and status: repeats change nothing.
  if (!REPEATABLE.has(input.type)) {
    const dup = sql
      .exec("SELECT 1 FROM notifications WHERE type = ? AND from_account_id = ? AND status_id IS ?", input.type, fromId, status?.id ?? null)
      .toArray();
    if (dup.length) return null;
  }
  const disposition = dispositionOf(sql, input);
  if (disposition === "drop") return null;
  const filtered = disposition === "filter";
  const id = snowflake();
  sql.exec(
    `INSERT INTO notifications (id, type, from_account_id, from_snapshot, status_id, status_snapshot, group_key, created_at, filtered, report_snapshot)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    id,
    input.type,
    fromId,
    JSON.stringify(input.from),
    status?.id ?? null,
    status ? JSON.stringify(status) : null,
    groupKeyFor(input.type, status?.id ?? null, id),
    new Date().toISOString(),
    filtered ? 1 : 0,
    input.report ? JSON.stringify(input.report) : null,
  );
  if (filtered) {
    noteFilteredNotification(sql, input.from, status);
    return id;
  }
  publishToUser(sql, { event: "notification", id });
  listeners.get(sql)?.({ id, type: input.type, fromId });
  return id;
}
