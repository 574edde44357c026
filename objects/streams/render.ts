import type { AccountSnapshot, FilterMatch, NotificationRecord, StatusRecord, ViewerFlags } from "../../schemas/records";
import type { Origin } from "../../core/serializers/account";
import { viewedStatusJson } from "../../core/serializers/rendered";
import { serializeNotification } from "../../core/serializers/notification";
import { serializeConversation } from "../../core/serializers/timeline";
import { viewCandidates } from "../account/feeds";
import { activeFilters, applyFilters } from "../account/filters";
import { flagsFor, type ViewContext } from "../account/viewer";

/**
 * Payloads of streamed events, rendered for the receiving account exactly as its timelines
 * render them: visibility (blocks, mutes, private/direct), `hide` filters drop the event,
 * other filter matches go in `filtered`, and the account's flags (favourited, reblogged...).
 * The expensive part (SQL) runs once per event; serializing runs once per origin.
 */

export interface ViewedStatus {
  status: StatusRecord;
  flags: Record<string, ViewerFlags>;
  filtered: Record<string, FilterMatch[]>;
}

/** The status as the account may see it in `context`, or null if it may not see it. */
export function viewForStream(sql: SqlStorage, me: string, status: StatusRecord, context: ViewContext): ViewedStatus | null {
  const viewed = viewCandidates(sql, me, [status], context);
  const shown = viewed.statuses[0];
  if (!shown) return null;
  return { status: shown, flags: viewed.flags, filtered: viewed.filtered };
}

/**
 * A status the receiving account's home rules just admitted into home, with visibility
 * already settled by them (home.ts `homeView`): only the flags (unless `known`) and, if the
 * account has any filters, the home filters are read. Same result as `viewForStream(..., "home")`.
 */
export function viewAdmitted(sql: SqlStorage, me: string, status: StatusRecord, hasFilters: boolean, known: Record<string, ViewerFlags> | null = null): ViewedStatus | null {
  const flags = known ?? flagsFor(sql, me, [status]);
  const { kept, filtered } = applyFilters(hasFilters ? activeFilters(sql, "home") : [], [status], (s) => s);
  return kept.length ? { status, flags, filtered } : null;
}

export function statusPayload(v: ViewedStatus, o: Origin): string {
  return viewedStatusJson(v.status, o, v);
}

type NotificationRow = {
  id: string;
  type: string;
  from_account_id: string;
  from_snapshot: string;
  status_snapshot: string | null;
  group_key: string;
  created_at: string;
};

/** A stored notification, rendered per origin; null if it is gone or filtered out (`hide`). */
export function notificationPayload(sql: SqlStorage, me: string, id: string): ((o: Origin) => string) | null {
  const row = sql.exec<NotificationRow>("SELECT * FROM notifications WHERE id = ?", id).toArray()[0];
  if (!row) return null;
  const n: NotificationRecord = {
    id: row.id,
    type: row.type as NotificationRecord["type"],
    created_at: row.created_at,
    group_key: row.group_key,
    account: JSON.parse(row.from_snapshot) as AccountSnapshot,
    status: row.status_snapshot ? (JSON.parse(row.status_snapshot) as StatusRecord) : null,
  };
  const { kept, filtered } = applyFilters(activeFilters(sql, "notifications"), [n], (x) => x.status);
  if (kept.length === 0) return null;
  const flags = flagsFor(sql, me, n.status ? [n.status] : []);
  return (o) => JSON.stringify(serializeNotification(n, o, { flags, filtered }));
}

type ConversationRow = { id: string; participants: string; last_status: string; unread: number };

/** A direct conversation as `GET /api/v1/conversations` shows it, rendered per origin. */
export function conversationPayload(sql: SqlStorage, me: string, conversationId: string): ((o: Origin) => string) | null {
  const row = sql
    .exec<ConversationRow>("SELECT id, participants, last_status, unread FROM conversations WHERE conversation_id = ?", conversationId)
    .toArray()[0];
  if (!row) return null;
  const lastStatus = JSON.parse(row.last_status) as StatusRecord;
  const others = JSON.parse(row.participants) as AccountSnapshot[];
  // Talking to oneself: the only participant is the account itself (the author of the status).
  const accounts = others.length ? others : [lastStatus.account];
  const flags = flagsFor(sql, me, [lastStatus]);
  return (o) => JSON.stringify(serializeConversation({ id: row.id, unread: row.unread === 1, accounts, last_status: lastStatus }, o, flags));
}
