import type { StatusRecord } from "../../schemas/records";
import type { AccountHost } from "./host";
import { watcherIds } from "./status-rows";

/**
 * Copies of statuses this account holds that are someone else's (favourites, bookmarks,
 * boosts, votes) and the accounts that hold copies of this account's statuses: an edit or a
 * delete reaches every copy through the WATCHERS_JOB (interactions.ts runs it).
 */
export const WATCHERS_JOB = "status.watchers";

/** Other accounts that hold a copy of one of this account's statuses. */
export function watchersOf(host: AccountHost, statusId: string): string[] {
  const self = host.accountId();
  return watcherIds(host.sql, statusId).filter((id) => id !== self);
}

/** Refreshes this account's copies of an edited status. Synchronous: usable inside a transaction. */
export function refreshCopies(host: AccountHost, status: StatusRecord, pollReset: boolean): void {
  const sql = host.sql;
  const json = JSON.stringify(status);
  sql.exec("UPDATE favourites SET snapshot = ? WHERE status_id = ?", json, status.id);
  sql.exec("UPDATE bookmarks SET snapshot = ? WHERE status_id = ?", json, status.id);
  sql.exec("UPDATE statuses SET snapshot = json_set(snapshot, '$.reblog', json(?)) WHERE reblog_of_id = ?", json, status.id);
  sql.exec("UPDATE home SET snapshot = json_set(snapshot, '$.reblog', json(?)) WHERE reblog_of_id = ? AND author_id = ?", json, status.id, host.accountId());
  if (pollReset) sql.exec("DELETE FROM own_votes WHERE status_id = ?", status.id);
}
