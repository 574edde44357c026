/**
 * What a RemoteActorObject knows of the remote actor's relations with this server (see
 * remote-statuses.ts for the whole picture): the local accounts following it (the audience of
 * its posts here), the local accounts it follows, a ledger of its activities that an Undo may
 * name by id alone (Like, Block, Follow), and whether it was deleted or moved.
 */

export function isLocalFollower(sql: SqlStorage, accountId: string): boolean {
  return sql.exec("SELECT 1 FROM local_followers WHERE account_id = ?", accountId).toArray().length > 0;
}

export function blocksLocal(sql: SqlStorage, accountId: string): boolean {
  return sql.exec("SELECT 1 FROM activities WHERE kind = 'Block' AND account_id = ?", accountId).toArray().length > 0;
}

export function addLocalFollower(sql: SqlStorage, accountId: string): void {
  sql.exec("INSERT OR IGNORE INTO local_followers (account_id, created_at) VALUES (?, ?)", accountId, new Date().toISOString());
}

export function removeLocalFollower(sql: SqlStorage, accountId: string): void {
  sql.exec("DELETE FROM local_followers WHERE account_id = ?", accountId);
}

export function localFollowersAfter(sql: SqlStorage, after: string | null, limit: number): string[] {
  return sql
    .exec<{ account_id: string }>("SELECT account_id FROM local_followers WHERE account_id > ? ORDER BY account_id LIMIT ?", after ?? "", limit)
    .toArray()
    .map((r) => r.account_id);
}

export function noteFollowOf(sql: SqlStorage, accountId: string, followId: string): void {
  sql.exec(
    `INSERT INTO followed_locals (account_id, follow_id, created_at) VALUES (?, ?, ?)
     ON CONFLICT (account_id) DO UPDATE SET follow_id = excluded.follow_id`,
    accountId,
    followId,
    new Date().toISOString(),
  );
}

export function forgetFollowOf(sql: SqlStorage, accountId: string): void {
  sql.exec("DELETE FROM followed_locals WHERE account_id = ?", accountId);
}

/** An activity of this actor that an Undo may name by id: what it was about. */
export interface LedgerEntry {
  id: string;
  kind: "Like" | "Block" | "Follow" | "Announce";
  accountId: string | null;
  statusId: string | null;
}

export function rememberActivity(sql: SqlStorage, e: LedgerEntry): void {
  sql.exec(
    "INSERT OR REPLACE INTO activities (id, kind, account_id, status_id, created_at) VALUES (?, ?, ?, ?, ?)",
    e.id,
    e.kind,
    e.accountId,
    e.statusId,
    new Date().toISOString(),
  );
}

export function findActivity(sql: SqlStorage, id: string): LedgerEntry | null {
  const row = sql
    .exec<{ id: string; kind: string; account_id: string | null; status_id: string | null }>("SELECT * FROM activities WHERE id = ?", id)
    .toArray()[0];
  return row ? { id: row.id, kind: row.kind as LedgerEntry["kind"], accountId: row.account_id, statusId: row.status_id } : null;
}

/** Forgets ledger entries by id, or by what they were about (an Undo naming an embedded copy). */
export function forgetActivities(sql: SqlStorage, match: { id?: string; kind?: LedgerEntry["kind"]; accountId?: string; statusId?: string }): void {
  if (match.id) sql.exec("DELETE FROM activities WHERE id = ?", match.id);
  if (match.kind && (match.accountId || match.statusId)) {
    sql.exec("DELETE FROM activities WHERE kind = ? AND account_id IS ? AND status_id IS ?", match.kind, match.accountId ?? null, match.statusId ?? null);
  }
}

// ----- lifecycle -----

export function deletedActor(sql: SqlStorage): boolean {
  return sql.exec("SELECT 1 FROM lifecycle WHERE deleted_at IS NOT NULL").toArray().length > 0;
}

export function markLifecycle(sql: SqlStorage, change: { deleted?: boolean; movedTo?: string }): void {
  sql.exec("INSERT OR IGNORE INTO lifecycle (id) VALUES (1)");
  if (change.deleted) sql.exec("UPDATE lifecycle SET deleted_at = coalesce(deleted_at, ?)", new Date().toISOString());
  if (change.movedTo) sql.exec("UPDATE lifecycle SET moved_to = ?", change.movedTo);
}
