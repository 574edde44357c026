import type { AccountSnapshot, ConversationRecord, PageCursor, StatusRecord, ViewerFlags } from "../../schemas/records";
import { fail, ok, type Result } from "../../lib/result";
import { snowflake } from "../../lib/ids";
import { newestFirst, whereClause, windowSql, type IdWindow } from "../paging";
import { flagsFor } from "./viewer";
import { publishToUser } from "../streams/user-events";

/**
 * Direct-message conversations of this account, one per thread: participants (snapshots),
 * the last status and an unread flag. `conversation_statuses` remembers each direct status
 * so that deleting the last one falls back to the one before.
 */

type ConversationRow = { id: string; conversation_id: string; participants: string; last_status_id: string; last_status: string; unread: number };

/** Records a direct status for this account (author: read; recipient: unread). Idempotent. */
export function recordDirectStatus(sql: SqlStorage, me: string, status: StatusRecord, participants: AccountSnapshot[], unread: boolean): void {
  publishToUser(sql, { event: "conversation", conversationId: status.conversation_id });
  const others = participants.filter((a) => a.id !== me);
  sql.exec(
    "INSERT OR REPLACE INTO conversation_statuses (conversation_id, status_id, snapshot) VALUES (?, ?, ?)",
    status.conversation_id,
    status.id,
    JSON.stringify(status),
  );
  const row = sql.exec<ConversationRow>("SELECT * FROM conversations WHERE conversation_id = ?", status.conversation_id).toArray()[0];
  if (!row) {
    sql.exec(
      "INSERT INTO conversations (id, conversation_id, participants, last_status_id, last_status, unread) VALUES (?, ?, ?, ?, ?, ?)",
      snowflake(),
      status.conversation_id,
      JSON.stringify(others),
      status.id,
      JSON.stringify(status),
      unread ? 1 : 0,
    );
    return;
  }
  const merged = new Map((JSON.parse(row.participants) as AccountSnapshot[]).map((a) => [a.id, a]));
  for (const a of others) merged.set(a.id, a);
  const newer = BigInt(status.id) > BigInt(row.last_status_id);
  sql.exec(
    "UPDATE conversations SET participants = ?, last_status_id = ?, last_status = ?, unread = ? WHERE id = ?",
    JSON.stringify([...merged.values()]),
    newer ? status.id : row.last_status_id,
    newer ? JSON.stringify(status) : row.last_status,
    newer ? (unread ? 1 : 0) : row.unread,
    row.id,
  );
}

export function refreshConversations(sql: SqlStorage, status: StatusRecord): void {
  const json = JSON.stringify(status);
  sql.exec("UPDATE conversation_statuses SET snapshot = ? WHERE status_id = ?", json, status.id);
  sql.exec("UPDATE conversations SET last_status = ? WHERE last_status_id = ?", json, status.id);
}

/** A deleted status leaves its conversations; one left empty disappears. */
export function dropFromConversations(sql: SqlStorage, statusId: string): void {
  const threads = sql.exec<{ conversation_id: string }>("SELECT conversation_id FROM conversation_statuses WHERE status_id = ?", statusId).toArray();
  for (const { conversation_id } of threads) {
    sql.exec("DELETE FROM conversation_statuses WHERE conversation_id = ? AND status_id = ?", conversation_id, statusId);
    const row = sql.exec<ConversationRow>("SELECT * FROM conversations WHERE conversation_id = ?", conversation_id).toArray()[0];
    if (!row || row.last_status_id !== statusId) continue;
    const previous = sql
      .exec<{ status_id: string; snapshot: string }>(
        "SELECT status_id, snapshot FROM conversation_statuses WHERE conversation_id = ? ORDER BY CAST(status_id AS INTEGER) DESC LIMIT 1",
        conversation_id,
      )
      .toArray()[0];
    if (previous) sql.exec("UPDATE conversations SET last_status_id = ?, last_status = ? WHERE id = ?", previous.status_id, previous.snapshot, row.id);
    else sql.exec("DELETE FROM conversations WHERE id = ?", row.id);
  }
}

// ----- reads -----

export interface ConversationPage {
  conversations: ConversationRecord[];
  flags: Record<string, ViewerFlags>;
  cursor: PageCursor | null;
}

function toRecord(row: ConversationRow, self: AccountSnapshot): ConversationRecord {
  const accounts = JSON.parse(row.participants) as AccountSnapshot[];
  return {
    id: row.id,
    unread: row.unread === 1,
    accounts: accounts.length ? accounts : [self],
    last_status: JSON.parse(row.last_status) as StatusRecord,
  };
}

/** Newest conversation first, paged by last status id (as Mastodon does). */
export function listConversations(sql: SqlStorage, self: AccountSnapshot, w: IdWindow): ConversationPage {
  const win = windowSql("last_status_id", w, true);
  const rows = sql
    .exec<ConversationRow>(`SELECT * FROM conversations ${whereClause(win.conditions)} ORDER BY ${win.orderBy} LIMIT ?`, ...win.params, w.limit)
    .toArray();
  const ordered = newestFirst(rows, win.ascending);
  const conversations = ordered.map((r) => toRecord(r, self));
  return {
    conversations,
    flags: flagsFor(sql, self.id, conversations.map((c) => c.last_status)),
    cursor: ordered.length ? { newest: ordered[0].last_status_id, oldest: ordered[ordered.length - 1].last_status_id } : null,
  };
}

export function markConversationRead(sql: SqlStorage, self: AccountSnapshot, id: string): Result<{ conversation: ConversationRecord; flags: Record<string, ViewerFlags> }> {
  const row = sql.exec<ConversationRow>("SELECT * FROM conversations WHERE id = ?", id).toArray()[0];
  if (!row) return fail(404, "Record not found");
  sql.exec("UPDATE conversations SET unread = 0 WHERE id = ?", id);
  const conversation = toRecord({ ...row, unread: 0 }, self);
  return ok({ conversation, flags: flagsFor(sql, self.id, [conversation.last_status]) });
}

export function removeConversation(sql: SqlStorage, id: string): Result<Record<string, never>> {
  const row = sql.exec<{ conversation_id: string }>("SELECT conversation_id FROM conversations WHERE id = ?", id).toArray()[0];
  if (!row) return fail(404, "Record not found");
  sql.exec("DELETE FROM conversations WHERE id = ?", id);
  sql.exec("DELETE FROM conversation_statuses WHERE conversation_id = ?", row.conversation_id);
  return ok({});
}
