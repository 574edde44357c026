import type { AccountSnapshot, PollRecord, StatusRecord } from "../../schemas/records";
import { selectIn } from "./viewer";
import { snowflake } from "../../lib/ids";

import type { Interaction, StatusDeleted } from "../../schemas/calls";

/**
 * Storage of this account's own statuses (and boosts): rows ↔ StatusRecords with LIVE counts,
 * and the author-side visibility rule. The snapshot column holds the record as posted; counts,
 * poll tallies and the author's profile are filled in from live data when read. Lists page with
 * ./id-page.ts (ids are local snowflakes of equal width).
 */
export interface StatusRow {
  [key: string]: SqlStorageValue;
  id: string;
  snapshot: string;
  text: string;
  visibility: string;
  reblog_of_id: string | null;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  conversation_id: string;
  has_media: number;
  created_at: string;
  pinned_at: string | null;
  replies_count: number;
  reblogs_count: number;
  favourites_count: number;
  /** Accepted quotes (quote posts); absent where a table has no such column. */
  quotes_count: number;
}

/** Statuses-work tables beyond migration 3 (appended to ACCOUNT_MIGRATIONS). */
export function statusesExtraSchema(sql: SqlStorage): void {
  // Who bookmarked this account's statuses: a delete or edit must reach their bookmarks.
  sql.exec("CREATE TABLE bookmarked_by (status_id TEXT NOT NULL, account_id TEXT NOT NULL, PRIMARY KEY (status_id, account_id))");
  // Replies to this account's statuses, so replies_count changes exactly once per reply.
  sql.exec(`CREATE TABLE status_replies (
    status_id TEXT NOT NULL, reply_id TEXT NOT NULL, account_id TEXT NOT NULL, PRIMARY KEY (status_id, reply_id)
  )`);
}

// ----- author-side tables shared with remote authors' objects (objects/federation/remote-statuses.ts) -----
// status_edits, favourited_by, reblogged_by, bookmarked_by, poll_votes and status_replies have the
// same shape there, so the code reading and writing them is here, once.

/** Every version of a status, oldest first (one entry when never edited), shown with the author as now. */
export function editVersions(sql: SqlStorage, status: StatusRecord): StatusRecord[] {
  const versions = sql
    .exec<{ snapshot: string; created_at: string }>("SELECT snapshot, created_at FROM status_edits WHERE status_id = ? ORDER BY id", status.id)
    .toArray()
    .map((r) => ({ ...(JSON.parse(r.snapshot) as StatusRecord), account: status.account, created_at: r.created_at }));
  return versions.length ? versions : [status];
}

/** Accounts that boosted a status. */
export function boosterIds(sql: SqlStorage, statusId: string): string[] {
  return sql.exec<{ account_id: string }>("SELECT account_id FROM reblogged_by WHERE status_id = ?", statusId).toArray().map((r) => r.account_id);
}

/** What the fan-out of a deletion needs to reach every place the status went (fanout.ts). */
export function deletionOf(record: StatusRecord, boosters: string[]): Required<StatusDeleted> {
  return {
    id: record.id,
    conversation_id: record.conversation_id,
    reblog_of_id: record.reblog?.id ?? null,
    author_id: record.account.id,
    visibility: record.visibility,
    tags: record.tags,
    mention_ids: record.mentions.map((m) => m.id),
    booster_ids: boosters,
  };
}

/** Accounts holding a copy of a status: they favourited, boosted, bookmarked it or voted in it. */
export function watcherIds(sql: SqlStorage, statusId: string): string[] {
  return sql
    .exec<{ account_id: string }>(
      `SELECT account_id FROM favourited_by WHERE status_id = ?1 UNION SELECT account_id FROM reblogged_by WHERE status_id = ?1
       UNION SELECT account_id FROM bookmarked_by WHERE status_id = ?1 UNION SELECT account_id FROM poll_votes WHERE status_id = ?1`,
      statusId,
    )
    .toArray()
    .map((r) => r.account_id);
}

/**
 * The who-did-it row and count of one interaction on the author's side (favourite, boost,
 * bookmark, reply and their undoing): true when a row was added or removed. Votes and
 * notifications are the caller's business. Inside a transaction.
 */
export function writeInteractionRow(sql: SqlStorage, interaction: Interaction, actor: AccountSnapshot): boolean {
  const id = interaction.statusId;
  const counted = (rowsWritten: number, column: string, by: number): boolean => {
    if (rowsWritten) sql.exec(`UPDATE statuses SET ${column} = max(${column} + ?, 0) WHERE id = ?`, by, id);
    return rowsWritten > 0;
  };
  const snapshot = JSON.stringify(actor);
  switch (interaction.kind) {
    case "favourite": {
      const added = sql.exec("INSERT OR IGNORE INTO favourited_by (status_id, account_id, id, snapshot) VALUES (?, ?, ?, ?)", id, actor.id, snowflake(), snapshot);
      return counted(added.rowsWritten, "favourites_count", 1);
    }
    case "unfavourite":
      return counted(sql.exec("DELETE FROM favourited_by WHERE status_id = ? AND account_id = ?", id, actor.id).rowsWritten, "favourites_count", -1);
    case "reblog": {
      const added = sql.exec("INSERT OR IGNORE INTO reblogged_by (status_id, account_id, reblog_id, snapshot) VALUES (?, ?, ?, ?)", id, actor.id, interaction.reblogId, snapshot);
      return counted(added.rowsWritten, "reblogs_count", 1);
    }
    case "unreblog":
      return counted(sql.exec("DELETE FROM reblogged_by WHERE status_id = ? AND account_id = ?", id, actor.id).rowsWritten, "reblogs_count", -1);
    case "bookmark":
      return sql.exec("INSERT OR IGNORE INTO bookmarked_by (status_id, account_id) VALUES (?, ?)", id, actor.id).rowsWritten > 0;
    case "unbookmark":
      return sql.exec("DELETE FROM bookmarked_by WHERE status_id = ? AND account_id = ?", id, actor.id).rowsWritten > 0;
    case "reply": {
      const added = sql.exec("INSERT OR IGNORE INTO status_replies (status_id, reply_id, account_id) VALUES (?, ?, ?)", id, interaction.replyId, actor.id);
      return counted(added.rowsWritten, "replies_count", 1);
    }
    case "unreply":
      return counted(sql.exec("DELETE FROM status_replies WHERE status_id = ? AND reply_id = ?", id, interaction.replyId).rowsWritten, "replies_count", -1);
    case "vote":
    case "check":
      return false;
  }
}

/** Job kind shared by statuses.ts (queues it) and interactions.ts (handles it): kept in this leaf module. */
export const POLL_EXPIRE_JOB = "poll.expire";

export const THREAD_LIMITS = { ancestors: 4096, descendants: 4096, depth: 4096 };

// ----- reading -----

export function ownRows(sql: SqlStorage, ids: string[]): StatusRow[] {
  if (ids.length === 0) return [];
  return selectIn<StatusRow>(sql, (p) => `SELECT * FROM statuses WHERE id IN (${p})`, ids);
}

export function ownRow(sql: SqlStorage, id: string): StatusRow | undefined {
  return sql.exec<StatusRow>("SELECT * FROM statuses WHERE id = ?", id).toArray()[0];
}

/** Live poll tallies of the given statuses: per-option counts and distinct voters. */
function pollTallies(sql: SqlStorage, ids: string[]): Map<string, { choices: Map<number, number>; voters: number }> {
  const out = new Map<string, { choices: Map<number, number>; voters: number }>();
  if (ids.length === 0) return out;
  const counts = selectIn<{ status_id: string; choice: number; n: number }>(
    sql,
    (p) => `SELECT status_id, choice, count(*) AS n FROM poll_votes WHERE status_id IN (${p}) GROUP BY status_id, choice`,
    ids,
  );
  const voters = selectIn<{ status_id: string; n: number }>(
    sql,
    (p) => `SELECT status_id, count(DISTINCT account_id) AS n FROM poll_votes WHERE status_id IN (${p}) GROUP BY status_id`,
    ids,
  );
  for (const id of ids) out.set(id, { choices: new Map(), voters: 0 });
  for (const c of counts) out.get(c.status_id)!.choices.set(c.choice, c.n);
  for (const v of voters) out.get(v.status_id)!.voters = v.n;
  return out;
}

function livePoll(poll: PollRecord, tally: { choices: Map<number, number>; voters: number } | undefined): PollRecord {
  const options = poll.options.map((o, i) => ({ title: o.title, votes_count: tally?.choices.get(i) ?? 0 }));
  return { ...poll, options, votes_count: options.reduce((n, o) => n + o.votes_count, 0), voters_count: tally?.voters ?? 0 };
}

/**
 * Records with live counts, poll tallies and the author's current profile. A boost of one of
 * this account's own statuses gets the boosted status's live data too.
 */
export function hydrate(sql: SqlStorage, self: AccountSnapshot, rows: StatusRow[]): StatusRecord[] {
  const ownIds = new Set(rows.map((r) => r.id));
  const boostedOwn = rows.filter((r) => r.reblog_of_id && !ownIds.has(r.reblog_of_id)).map((r) => r.reblog_of_id!);
  const originals = new Map(ownRows(sql, boostedOwn).map((r) => [r.id, r]));
  const all = [...rows, ...originals.values()];
  const tallies = pollTallies(
    sql,
    all.filter((r) => r.snapshot.includes('"poll":{')).map((r) => r.id),
  );
  const byId = new Map(all.map((r) => [r.id, r]));
  const live = (row: StatusRow): StatusRecord => {
    const record = JSON.parse(row.snapshot) as StatusRecord;
    const poll = record.poll ? livePoll(record.poll, tallies.get(row.id)) : null;
    const reblogRow = row.reblog_of_id ? byId.get(row.reblog_of_id) : undefined;
    return {
      ...record,
      account: self,
      replies_count: row.replies_count,
      reblogs_count: row.reblogs_count,
      favourites_count: row.favourites_count,
      ...(row.quotes_count ? { quotes_count: row.quotes_count } : {}),
      poll,
      reblog: reblogRow ? live(reblogRow) : record.reblog,
    };
  };
  return rows.map(live);
}

// ----- author-side visibility -----

/**
 * Whether `viewerId` (null = anonymous) may see one of this account's statuses, judged from
 * this account's own tables: blocks, followers, mentions. The viewer's object applies its own
 * rules (its blocks and mutes) afterwards.
 */
export function authorAllows(sql: SqlStorage, selfId: string, viewerId: string | null, records: StatusRecord[]): StatusRecord[] {
  if (viewerId === selfId) return records;
  const open = (s: StatusRecord) => s.visibility === "public" || s.visibility === "unlisted";
  if (viewerId === null) return records.filter((s) => open(s) && (!s.reblog || open(s.reblog)));
  if (sql.exec("SELECT 1 FROM blocks WHERE account_id = ?", viewerId).toArray().length) return [];
  const follower = sql.exec("SELECT 1 FROM followers WHERE account_id = ?", viewerId).toArray().length > 0;
  const mentioned = (s: StatusRecord) => s.mentions.some((m) => m.id === viewerId);
  const allowed = (s: StatusRecord): boolean => {
    if (open(s) || s.account.id === viewerId) return true;
    if (s.visibility === "private") return follower || mentioned(s);
    return mentioned(s);
  };
  return records.filter((s) => allowed(s) && (!s.reblog || s.reblog.account.id !== selfId || allowed(s.reblog)));
}

/** A status (or its thread root) is in a thread object when it is a reply or has replies. */
export function isThreaded(row: Pick<StatusRow, "in_reply_to_id" | "replies_count">): boolean {
  return row.in_reply_to_id !== null || row.replies_count > 0;
}
