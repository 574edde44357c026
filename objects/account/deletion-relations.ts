import { localAccountIds } from "../federation/account-owners";
import type { AccountHost } from "./host";

/**
 * The local accounts a deleted account was related to, and what each of them forgets of it
 * (deletion.ts). Its statuses already left their timelines through the status deletes; what
 * is left is the graph (follows, requests, blocks, mutes, endorsements, lists, notes) and the
 * notifications it caused (follows, favourites, boosts of their statuses).
 */

const RELATION_TABLES = ["following", "followers", "follow_requests", "blocks", "blocked_by", "mutes", "endorsements"] as const;

/** Local accounts (ids after `after`, in order) related to this one, one page. */
export async function localRelations(host: AccountHost, after: string | null, limit: number): Promise<string[]> {
  // One statement per table (a compound SELECT of them all is over the runtime's limit).
  const found = new Set<string>();
  for (const table of RELATION_TABLES) {
    const rows = host.sql.exec<{ account_id: string }>(`SELECT account_id FROM ${table} WHERE account_id > ? ORDER BY account_id LIMIT ?`, after ?? "", limit);
    for (const row of rows) found.add(row.account_id);
  }
  const ids = [...found].sort().slice(0, limit);
  const local = new Set(await localAccountIds(host.env, ids));
  // The page cursor must move past remote ids too: return them as a last element when needed.
  const kept = ids.filter((id) => local.has(id));
  return ids.length === limit && kept[kept.length - 1] !== ids[ids.length - 1] ? [...kept, ids[ids.length - 1]] : kept;
}

/** Forgets `accountId` here: its graph rows, list memberships, notes and the notifications it caused. */
export function forgetAccountHere(sql: SqlStorage, accountId: string): void {
  for (const table of [...RELATION_TABLES, "account_notes", "list_accounts", "dismissed_suggestions", "former_followers"]) {
    sql.exec(`DELETE FROM ${table} WHERE account_id = ?`, accountId);
  }
  sql.exec("DELETE FROM notifications WHERE from_account_id = ?", accountId);
  sql.exec("DELETE FROM home WHERE author_id = ?", accountId);
  sql.exec("DELETE FROM list_entries WHERE author_id = ?", accountId);
  const counts = sql
    .exec<{ followers: number; following: number }>(
      "SELECT (SELECT count(*) FROM followers) AS followers, (SELECT count(*) FROM following WHERE state = 'accepted') AS following",
    )
    .one();
  sql.exec("UPDATE account SET followers_count = ?, following_count = ?", counts.followers, counts.following);
}
