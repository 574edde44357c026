import type { AccountSnapshot, StatusRecord } from "../../schemas/records";
import { snowflake } from "../../lib/ids";
import { publishToUser } from "../streams/user-events";

export type NotificationType =
  | "mention"
  | "status"
  | "reblog"
  | "follow"
  | "follow_request"
  | "favourite"
  | "poll"
  | "update"
  | "quote"
  | "quoted_update";

/**
 * Mastodon groups favourites and boosts of one status, and follows, into one group per day-ish
 * window; everything else is its own group. The key is stored so paging stays stable.
 */
export function groupKeyFor(type: NotificationType, statusId: string | null, id: string): string {
  if ((type === "favourite" || type === "reblog") && statusId) return `${type}-${statusId}`;
  if (type === "follow") return `follow-${new Date().toISOString().slice(0, 10)}`;
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
 * Records a notification for this account unless the actor is blocked or muted with
 * notifications, or the status's conversation is muted. Returns the new id, or null if skipped.
 * Call inside the transaction of the change that causes it.
 */
export function addNotification(
  sql: SqlStorage,
  input: { type: NotificationType; from: AccountSnapshot; status?: StatusRecord | null },
): string | null {
  const fromId = input.from.id;
  const blocked = sql.exec("SELECT 1 FROM blocks WHERE account_id = ? UNION SELECT 1 FROM blocked_by WHERE account_id = ?", fromId, fromId).toArray();
  if (blocked.length) return null;
  const muted = sql
    .exec("SELECT 1 FROM mutes WHERE account_id = ? AND notifications = 1 AND (expires_at IS NULL OR expires_at > ?)", fromId, new Date().toISOString())
    .toArray();
  if (muted.length) return null;
  const status = input.status ?? null;
  if (status && sql.exec("SELECT 1 FROM muted_conversations WHERE conversation_id = ?", status.conversation_id).toArray().length) return null;
  // One favourite/boost/follow notification per actor and status: repeats change nothing.
  if (input.type !== "mention" && input.type !== "status" && input.type !== "update" && input.type !== "poll" && input.type !== "quoted_update") {
    const dup = sql
      .exec("SELECT 1 FROM notifications WHERE type = ? AND from_account_id = ? AND status_id IS ?", input.type, fromId, status?.id ?? null)
      .toArray();
    if (dup.length) return null;
  }
  const id = snowflake();
  sql.exec(
    `INSERT INTO notifications (id, type, from_account_id, from_snapshot, status_id, status_snapshot, group_key, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    id,
    input.type,
    fromId,
    JSON.stringify(input.from),
    status?.id ?? null,
    status ? JSON.stringify(status) : null,
    groupKeyFor(input.type, status?.id ?? null, id),
    new Date().toISOString(),
  );
  publishToUser(sql, { event: "notification", id });
  listeners.get(sql)?.({ id, type: input.type, fromId });
  return id;
}
