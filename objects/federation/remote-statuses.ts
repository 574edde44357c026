import type { AccountSnapshot, PollRecord, StatusRecord } from "../../schemas/records";
import { snowflake } from "../../lib/ids";
import type { InboundAttachment } from "../../core/activitypub/inbound";
import { remoteMedia } from "../../core/activitypub/remote-media";
import { fail, ok, type Result } from "../../lib/result";
import type { Page } from "../../schemas/paging";
import { JobRegistry, OUTBOX_TABLE_SQL } from "../outbox";
import { newestFirst, whereClause, windowSql } from "../paging";
import { selectIn } from "../account/viewer";
import { boosterIds, deletionOf, editVersions, watcherIds } from "../account/status-rows";

import type { RemoteActor } from "./actor-document";
import { blocksLocal, deletedActor, isLocalFollower } from "./remote-relations";
import type { AccountStatusesQuery, FanoutOp, FanoutPage, StatusDeleted, WatchedChange } from "../../schemas/calls";

/**
 * Remote statuses and the local relations of one remote actor, stored in its RemoteActorObject
 * (`idFromName("actor:" + uri)`): the remote side of the account model. What an AccountObject
 * is to a local author, this is to a remote one: its statuses (with local snowflake ids, live
 * counts of what we know, edit history), who interacted with them here (favourited_by,
 * reblogged_by, bookmarked_by, poll votes, replies), the local accounts following it (fan-out of
 * its posts), the local accounts it follows, and a ledger of its activities (Like, Block,
 * Announce, Follow) so an Undo that names only an activity id finds what to undo.
 *
 * Every status is in the status index with `actorUri` set (`locateStatusOwners`) and in the
 * URI index (`remoteStatusByUri`). For code that holds a status id, the RPC surface mirrors the
 * AccountObject's: `statusesFor(ids, viewerId)`, `statusHistory`, `accountStatuses`,
 * `recentStatusesFor`, `interactionAccounts`, `receiveInteraction(interaction, actor)` (the
 * author side of favourite/boost/bookmark/vote/reply by a local account: counts and who-did-it,
 * remote-interactions.ts; sending the activity is the caller's business). Relations and the
 * ledger: remote-relations.ts. Side effects (index, thread, fan-out to local followers,
 * watchers, whole-actor cascades) are durable jobs of this object (remote-fanout.ts).
 */

/** What the module needs of its RemoteActorObject. */
export interface RemoteHost {
  readonly sql: SqlStorage;
  readonly storage: DurableObjectStorage;
  readonly env: Env;
  enqueue(kind: string, payload: unknown, at?: number): void;
  wake(): Promise<void>;
  /** The stored actor document (null if never fetched). */
  actor(): RemoteActor | null;
}

export const remoteActorJobs = new JobRegistry<RemoteHost>();

export const NOT_FOUND = "Record not found";

/** Appended to the RemoteActorObject's migrations. */
export function remoteStatusesSchema(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE statuses (
    id TEXT PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    snapshot TEXT NOT NULL,
    visibility TEXT NOT NULL,
    reblog_of_id TEXT,
    in_reply_to_id TEXT,
    in_reply_to_account_id TEXT,
    in_reply_to_uri TEXT,
    conversation_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    pinned_at TEXT,
    audience TEXT NOT NULL DEFAULT '[]',
    parent TEXT,
    replies_count INTEGER NOT NULL DEFAULT 0,
    reblogs_count INTEGER NOT NULL DEFAULT 0,
    favourites_count INTEGER NOT NULL DEFAULT 0
  )`);
  sql.exec("CREATE INDEX statuses_order ON statuses (CAST(id AS INTEGER))");
  sql.exec("CREATE INDEX statuses_reblog_of ON statuses (reblog_of_id)");
  sql.exec("CREATE TABLE status_edits (id INTEGER PRIMARY KEY AUTOINCREMENT, status_id TEXT NOT NULL, snapshot TEXT NOT NULL, created_at TEXT NOT NULL)");
  sql.exec("CREATE INDEX status_edits_status ON status_edits (status_id, id)");
  // Local accounts' interactions with these statuses (author side, as in the account object).
  sql.exec(`CREATE TABLE favourited_by (
    status_id TEXT NOT NULL, account_id TEXT NOT NULL, id TEXT NOT NULL, snapshot TEXT NOT NULL, PRIMARY KEY (status_id, account_id)
  )`);
  sql.exec(`CREATE TABLE reblogged_by (
    status_id TEXT NOT NULL, account_id TEXT NOT NULL, reblog_id TEXT NOT NULL, snapshot TEXT NOT NULL, PRIMARY KEY (status_id, account_id)
  )`);
  sql.exec("CREATE TABLE bookmarked_by (status_id TEXT NOT NULL, account_id TEXT NOT NULL, PRIMARY KEY (status_id, account_id))");
  sql.exec("CREATE TABLE poll_votes (status_id TEXT NOT NULL, account_id TEXT NOT NULL, choice INTEGER NOT NULL, PRIMARY KEY (status_id, account_id, choice))");
  sql.exec("CREATE TABLE status_replies (status_id TEXT NOT NULL, reply_id TEXT NOT NULL, account_id TEXT NOT NULL, PRIMARY KEY (status_id, reply_id))");
  // Local accounts whose follow of this actor was accepted: the audience of its posts here.
  sql.exec("CREATE TABLE local_followers (account_id TEXT PRIMARY KEY, created_at TEXT NOT NULL)");
  // Local accounts this actor follows (or asked to), with the Follow's id.
  sql.exec("CREATE TABLE followed_locals (account_id TEXT PRIMARY KEY, follow_id TEXT NOT NULL, created_at TEXT NOT NULL)");
  // This actor's activities that an Undo may name by id alone.
  sql.exec(`CREATE TABLE activities (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, account_id TEXT, status_id TEXT, created_at TEXT NOT NULL
  )`);
  sql.exec("CREATE INDEX activities_target ON activities (kind, account_id, status_id)");
  // Deleted (the account is gone) or moved; activities from a deleted actor are ignored.
  sql.exec("CREATE TABLE lifecycle (id INTEGER PRIMARY KEY CHECK (id = 1), deleted_at TEXT, moved_to TEXT)");
  sql.exec(OUTBOX_TABLE_SQL);
}

// ----- rows and records -----

export interface RemoteStatusRow {
  [key: string]: SqlStorageValue;
  id: string;
  uri: string;
  snapshot: string;
  visibility: string;
  reblog_of_id: string | null;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  in_reply_to_uri: string | null;
  conversation_id: string;
  created_at: string;
  pinned_at: string | null;
  audience: string;
  parent: string | null;
  replies_count: number;
  reblogs_count: number;
  favourites_count: number;
}

/** Where a status lives: a local account (actorUri null) or a remote author's object. */
export interface StatusRef {
  id: string;
  accountId: string;
  actorUri: string | null;
}

export function rowById(sql: SqlStorage, id: string): RemoteStatusRow | undefined {
  return sql.exec<RemoteStatusRow>("SELECT * FROM statuses WHERE id = ?", id).toArray()[0];
}

export function rowByUri(sql: SqlStorage, uri: string): RemoteStatusRow | undefined {
  return sql.exec<RemoteStatusRow>("SELECT * FROM statuses WHERE uri = ?", uri).toArray()[0];
}

function rowsById(sql: SqlStorage, ids: string[]): RemoteStatusRow[] {
  return ids.length ? selectIn<RemoteStatusRow>(sql, (p) => `SELECT * FROM statuses WHERE id IN (${p})`, ids) : [];
}

/** Records with live counts and the author's current profile. */
export function hydrate(host: RemoteHost, rows: RemoteStatusRow[]): StatusRecord[] {
  const account = host.actor()?.account;
  return rows.map((row) => {
    const record = JSON.parse(row.snapshot) as StatusRecord;
    return {
      ...record,
      account: account ?? record.account,
      replies_count: row.replies_count,
      reblogs_count: row.reblogs_count,
      favourites_count: row.favourites_count,
    };
  });
}

// ----- storing -----

export interface NewRemoteStatus {
  /** Counts are ignored (they start at 0). `account` is the author's snapshot. */
  record: StatusRecord;
  inReplyToUri: string | null;
  /** The replied-to status (local or remote), linked into its thread by the link job. */
  parent: StatusRef | null;
  /** For a boost: where the boosted status lives (its author is told of the boost). */
  reblogOf: StatusRef | null;
  /** Local accounts that may see it besides followers (mentioned accounts). */
  audience: string[];
  /** Deliver to local followers, mentioned accounts and public timelines (not for fetched statuses). */
  fanout: boolean;
  /** Everyone in a direct conversation (for the recipients' conversations). */
  participants?: AccountSnapshot[];
  pinned?: boolean;
}

export const LINK_JOB = "remote.link";
export const UNLINK_JOB = "remote.unlink";
export const FANOUT_JOB = "remote.fanout";
/** Delivers the fan-out queue's first pages, several statuses per recipient call (remote-fanout.ts). */
export const FANOUT_DRAIN_JOB = "remote.fanoutDrain";
export const WATCHERS_JOB = "remote.watchers";
export const THREAD_SYNC_JOB = "remote.threadSync";
/** The link step runs at once (or in the fan-out drain); this queued copy redoes it later if that failed. */
export const LINK_RETRY_MS = 30_000;

/** What reaches the places a deleted status went (fanout.ts StatusDeleted, every field known). */
export type RemoteDeleted = Required<StatusDeleted>;

export type RemoteOp = FanoutOp<RemoteDeleted>;

/** One page of a remote status's fan-out to local accounts (the shape of a local author's: fanout.ts). */
export type FanoutJob = FanoutPage<RemoteOp>;

/** Appended to the RemoteActorObject's migrations: first pages of fan-out, delivered in order and in batches. */
export function fanoutQueueSchema(sql: SqlStorage): void {
  sql.exec("CREATE TABLE fanout_queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL)");
}

/**
 * Queues the first page of a status's fan-out; call inside the transaction that makes the change.
 * One drain job is pending whenever the queue is not empty (the drain queues the next one), so a
 * burst of statuses from this actor reaches each local follower in one call per drain.
 */
export function queueFanout(host: RemoteHost, job: FanoutJob): void {
  const idle = host.sql.exec("SELECT 1 FROM fanout_queue LIMIT 1").toArray().length === 0;
  host.sql.exec("INSERT INTO fanout_queue (job) VALUES (?)", JSON.stringify(job));
  if (idle) host.enqueue(FANOUT_DRAIN_JOB, {});
}

export interface UnlinkJob {
  id: string;
  uri: string;
  conversation_id: string;
  parent: StatusRef | null;
  reblogOf: StatusRef | null;
  /** A local status it quoted and that status's author, who forgets the quote. */
  quoted?: { id: string; accountId: string } | null;
}

/** Stores a status once per ActivityPub id, queuing its link (or fan-out, which links first) in the same transaction. */
export function storeStatus(host: RemoteHost, input: NewRemoteStatus): { id: string; created: boolean } {
  const sql = host.sql;
  const r = input.record;
  return host.storage.transactionSync(() => {
    const record: StatusRecord = { ...r, replies_count: 0, reblogs_count: 0, favourites_count: 0 };
    // The uri is unique: a second copy writes nothing, and is then looked up (the rare case).
    const inserted = sql.exec(
      `INSERT INTO statuses (id, uri, snapshot, visibility, reblog_of_id, in_reply_to_id, in_reply_to_account_id, in_reply_to_uri,
         conversation_id, created_at, pinned_at, audience, parent)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uri) DO NOTHING`,
      record.id,
      record.uri,
      JSON.stringify(record),
      record.visibility,
      record.reblog?.id ?? null,
      record.in_reply_to_id,
      record.in_reply_to_account_id,
      input.inReplyToUri,
      record.conversation_id,
      record.created_at,
      input.pinned ? new Date().toISOString() : null,
      JSON.stringify(input.audience),
      JSON.stringify({ parent: input.parent, reblogOf: input.reblogOf }),
    );
    if (inserted.rowsWritten === 0) return { id: rowByUri(sql, r.uri!)!.id, created: false };
    // With a fan-out, the drain links it first (remote-fanout.ts); otherwise the caller links it now.
    if (!input.fanout) host.enqueue(LINK_JOB, { id: record.id }, Date.now() + LINK_RETRY_MS);
    if (input.fanout) {
      const extra = [...input.audience];
      queueFanout(host, { op: { kind: "create", status: record, participants: input.participants }, after: null, extra });
    }
    return { id: record.id, created: true };
  });
}

/** Parent and boosted-status references stored with a row. */
export function linksOf(row: RemoteStatusRow): { parent: StatusRef | null; reblogOf: StatusRef | null } {
  if (!row.parent) return { parent: null, reblogOf: null };
  const links = JSON.parse(row.parent) as { parent: StatusRef | null; reblogOf: StatusRef | null };
  return { parent: links.parent ?? null, reblogOf: links.reblogOf ?? null };
}

// ----- reading -----

function audienceOf(row: RemoteStatusRow): string[] {
  return JSON.parse(row.audience) as string[];
}

/**
 * Which rows `viewerId` (a local account; null = anonymous) may see, judged from what this
 * object knows: public and unlisted for all, private for local followers and addressed
 * accounts, direct for addressed accounts only; nothing for an account this actor blocks.
 */
export function visibleRows(sql: SqlStorage, viewerId: string | null, rows: RemoteStatusRow[]): RemoteStatusRow[] {
  const open = (v: string) => v === "public" || v === "unlisted";
  if (viewerId === null) return rows.filter((r) => open(r.visibility) && (!r.reblog_of_id || open(reblogVisibility(r))));
  if (blocksLocal(sql, viewerId)) return [];
  const follower = isLocalFollower(sql, viewerId);
  return rows.filter((r) => {
    if (open(r.visibility)) return true;
    const addressed = audienceOf(r).includes(viewerId);
    return r.visibility === "private" ? follower || addressed : addressed;
  });
}

function reblogVisibility(row: RemoteStatusRow): string {
  return (JSON.parse(row.snapshot) as StatusRecord).reblog?.visibility ?? "public";
}

/** Statuses by id that `viewerId` may see, with live counts (the API's reads). */
export function statusesFor(host: RemoteHost, ids: string[], viewerId: string | null): StatusRecord[] {
  if (deletedActor(host.sql)) return [];
  return hydrate(host, visibleRows(host.sql, viewerId, rowsById(host.sql, ids)));
}

/** Statuses by id without a visibility check: for federation internals (threads, links), never for a reader. */
export function statusesById(host: RemoteHost, ids: string[]): StatusRecord[] {
  return hydrate(host, rowsById(host.sql, ids));
}

export function statusByUri(host: RemoteHost, uri: string): StatusRecord | null {
  const row = rowByUri(host.sql, uri);
  return row ? hydrate(host, [row])[0] : null;
}

/** `GET /api/v1/accounts/:id/statuses` for a remote account: what we hold of it. */
export function accountStatuses(host: RemoteHost, viewerId: string | null, q: AccountStatusesQuery): Result<StatusRecord[]> {
  const actor = host.actor();
  if (!actor || deletedActor(host.sql)) return fail(404, NOT_FOUND);
  const sql = host.sql;
  if (viewerId && blocksLocal(sql, viewerId)) return ok([]);
  // Public and unlisted rows are filtered in SQL; private and direct ones per row (audience).
  const filters: string[] = [];
  const params: SqlStorageValue[] = [];
  if (q.only_media) filters.push("json_array_length(snapshot, '$.media_attachments') > 0");
  if (q.exclude_replies) filters.push("(in_reply_to_id IS NULL OR in_reply_to_account_id = ?)"), params.push(actor.id);
  if (q.exclude_reblogs || q.pinned) filters.push("reblog_of_id IS NULL");
  if (q.tagged) filters.push("EXISTS (SELECT 1 FROM json_each(snapshot, '$.tags') WHERE value = ?)"), params.push(q.tagged.toLowerCase());
  if (q.pinned) filters.push("pinned_at IS NOT NULL");
  if (viewerId === null) filters.push("visibility IN ('public', 'unlisted')");
  let rows: RemoteStatusRow[];
  if (q.pinned) {
    rows = sql.exec<RemoteStatusRow>(`SELECT * FROM statuses ${whereClause(filters)} ORDER BY pinned_at DESC LIMIT ?`, ...params, q.page.limit).toArray();
  } else {
    const w = windowSql("id", q.page, true);
    rows = newestFirst(
      sql
        .exec<RemoteStatusRow>(`SELECT * FROM statuses ${whereClause([...filters, ...w.conditions])} ORDER BY ${w.orderBy} LIMIT ?`, ...params, ...w.params, q.page.limit)
        .toArray(),
      w.ascending,
    );
  }
  return ok(hydrate(host, visibleRows(sql, viewerId, rows)));
}

/** The newest statuses a new local follower may see (home backfill). */
export function recentStatusesFor(host: RemoteHost, viewerId: string, limit = 40): StatusRecord[] {
  if (deletedActor(host.sql)) return [];
  const rows = host.sql.exec<RemoteStatusRow>("SELECT * FROM statuses ORDER BY CAST(id AS INTEGER) DESC LIMIT ?", limit).toArray();
  return hydrate(host, visibleRows(host.sql, viewerId, rows));
}

/** Every version of a status, oldest first (one entry when never edited). */
export function statusHistory(host: RemoteHost, id: string, viewerId: string | null): Result<{ status: StatusRecord; versions: StatusRecord[] }> {
  const [status] = statusesFor(host, [id], viewerId);
  if (!status || status.reblog) return fail(404, NOT_FOUND);
  return ok({ status, versions: editVersions(host.sql, status) });
}

/** `favourited_by` / `reblogged_by` (the local accounts we know of). */
export function interactionAccounts(
  host: RemoteHost,
  id: string,
  viewerId: string | null,
  list: "favourited_by" | "reblogged_by",
  page: Page,
): Result<{ status: StatusRecord; accounts: { cursor: string; account: AccountSnapshot }[] }> {
  const [status] = statusesFor(host, [id], viewerId);
  if (!status) return fail(404, NOT_FOUND);
  const idColumn = list === "favourited_by" ? "id" : "reblog_id";
  const w = windowSql(idColumn, page, true);
  const rows = newestFirst(
    host.sql
      .exec<{ cursor: string; snapshot: string }>(
        `SELECT ${idColumn} AS cursor, snapshot FROM ${list} ${whereClause(["status_id = ?", ...w.conditions])} ORDER BY ${w.orderBy} LIMIT ?`,
        id,
        ...w.params,
        page.limit,
      )
      .toArray(),
    w.ascending,
  );
  return ok({ status, accounts: rows.map((r) => ({ cursor: r.cursor, account: JSON.parse(r.snapshot) as AccountSnapshot })) });
}

// ----- edits (Update of a Note) -----

/** The fields an Update may change; the rest of the record stays. */
export interface RemoteEdit {
  uri: string;
  content: string;
  spoiler_text: string;
  sensitive: boolean;
  language: string | null;
  mentions: StatusRecord["mentions"];
  tags: string[];
  poll: PollRecord | null;
  /** Attachments as the Update lists them (absent: unchanged). */
  attachments?: InboundAttachment[];
  /** When the author says it was edited (`updated`); now when absent. */
  edited_at: string | null;
  /** Local accounts newly addressed (they may see it from now on). */
  audience: string[];
  /** The quote as the Update carries it (a stamp may have come); absent: unchanged. */
  quote?: StatusRecord["quote"];
  quote_policy?: StatusRecord["quote_policy"];
}

export type EditOutcome = "unknown" | "unchanged" | "refreshed" | "edited";

function samePollShape(a: PollRecord | null, b: PollRecord | null): boolean {
  if (!a || !b) return a === null && b === null;
  return a.multiple === b.multiple && a.options.length === b.options.length && a.options.every((o, i) => o.title === b.options[i].title);
}

/**
 * Applies an Update: a change of text, warning, sensitivity or poll options is an edit (kept
 * in the history, `edited_at` set, copies refreshed everywhere); new poll tallies or language
 * alone refresh the copies without an edit. An Update older than the stored edit is ignored.
 */
export function editStatus(host: RemoteHost, edit: RemoteEdit): EditOutcome {
  const sql = host.sql;
  return host.storage.transactionSync((): EditOutcome => {
    const row = rowByUri(sql, edit.uri);
    if (!row || row.reblog_of_id) return "unknown";
    const current = JSON.parse(row.snapshot) as StatusRecord;
    if (current.edited_at && edit.edited_at && Date.parse(edit.edited_at) < Date.parse(current.edited_at)) return "unchanged";
    const reshaped = !samePollShape(current.poll, edit.poll);
    const media = edit.attachments ? remoteMedia(edit.attachments, () => snowflake(), current.media_attachments) : current.media_attachments;
    const mediaChanged = JSON.stringify(media ?? []) !== JSON.stringify(current.media_attachments ?? []);
    const significant = edit.content !== current.content || edit.spoiler_text !== current.spoiler_text || edit.sensitive !== current.sensitive || reshaped || mediaChanged;
    const poll = edit.poll ? { ...edit.poll, id: row.id } : null;
    const next: StatusRecord = {
      ...current,
      content: edit.content,
      spoiler_text: edit.spoiler_text,
      sensitive: edit.sensitive,
      language: edit.language,
      mentions: edit.mentions,
      tags: edit.tags,
      poll,
      ...(media?.length ? { media_attachments: media } : { media_attachments: undefined }),
      edited_at: significant ? (edit.edited_at ?? new Date().toISOString()) : current.edited_at,
      ...(edit.quote ? { quote: edit.quote } : {}),
      ...(edit.quote_policy ? { quote_policy: edit.quote_policy } : {}),
    };
    const snapshot = JSON.stringify(next);
    if (snapshot === row.snapshot) return "unchanged";
    if (significant) {
      const hasHistory = sql.exec("SELECT 1 FROM status_edits WHERE status_id = ? LIMIT 1", row.id).toArray().length > 0;
      if (!hasHistory) sql.exec("INSERT INTO status_edits (status_id, snapshot, created_at) VALUES (?, ?, ?)", row.id, row.snapshot, current.created_at);
      sql.exec("INSERT INTO status_edits (status_id, snapshot, created_at) VALUES (?, ?, ?)", row.id, snapshot, next.edited_at);
    }
    const audience = [...new Set([...audienceOf(row), ...edit.audience])];
    sql.exec("UPDATE statuses SET snapshot = ?, audience = ? WHERE id = ?", snapshot, JSON.stringify(audience), row.id);
    const voters = reshaped ? sql.exec<{ account_id: string }>("SELECT DISTINCT account_id FROM poll_votes WHERE status_id = ?", row.id).toArray().map((r) => r.account_id) : [];
    if (reshaped) sql.exec("DELETE FROM poll_votes WHERE status_id = ?", row.id);
    const [updated] = hydrate(host, [rowById(sql, row.id)!]);
    const boosters = boosterIds(sql, row.id);
    queueFanout(host, { op: { kind: "update", status: updated }, after: null, extra: [...audience, ...boosters] });
    const watchers = [...new Set([...watcherIds(sql, row.id), ...voters])];
    if (watchers.length) host.enqueue(WATCHERS_JOB, { change: { kind: "update", status: updated, pollReset: reshaped }, accounts: watchers });
    if (row.in_reply_to_id !== null || row.replies_count > 0) host.enqueue(THREAD_SYNC_JOB, { id: row.id });
    return significant ? "edited" : "refreshed";
  });
}

// ----- deletes (Delete of a Note, Undo of an Announce) -----

/**
 * Removes a status (or boost) with everything hanging off it and queues the rest: unlink
 * (indexes, thread, parent and boosted counts), fan-out of the delete to where it went, and the
 * watchers' copies. Returns false if it was not here (a replay, or never received).
 */
export function removeStatus(host: RemoteHost, uri: string): boolean {
  const sql = host.sql;
  const removed = host.storage.transactionSync(() => {
    const row = rowByUri(sql, uri);
    if (!row) return false;
    queueRemoval(host, row);
    return true;
  });
  return removed;
}

/** Deletes a row and queues its unlink and fan-out. Inside a transaction. */
export function queueRemoval(host: RemoteHost, row: RemoteStatusRow): void {
  const sql = host.sql;
  const [record] = hydrate(host, [row]);
  const watchers = watcherIds(sql, row.id);
  const boosters = boosterIds(sql, row.id);
  for (const table of ["status_edits", "favourited_by", "reblogged_by", "bookmarked_by", "poll_votes", "status_replies"]) {
    sql.exec(`DELETE FROM ${table} WHERE status_id = ?`, row.id);
  }
  sql.exec("DELETE FROM statuses WHERE id = ?", row.id);
  const { parent, reblogOf } = linksOf(row);
  const quotedLocal = record.quote?.quoted_status?.account.domain === null ? record.quote.quoted_status : null;
  const quoted = quotedLocal ? { id: quotedLocal.id, accountId: quotedLocal.account.id } : null;
  host.enqueue(UNLINK_JOB, { id: row.id, uri: row.uri, conversation_id: row.conversation_id, parent, reblogOf, quoted } satisfies UnlinkJob);
  const deleted: RemoteDeleted = deletionOf(record, boosters);
  queueFanout(host, { op: { kind: "delete", deleted }, after: null, extra: [...audienceOf(row), ...boosters] });
  if (watchers.length) host.enqueue(WATCHERS_JOB, { change: { kind: "delete", statusId: row.id }, accounts: watchers });
}

/**
 * A status this actor boosted changed where it lives (its local author edited or deleted it,
 * the same call local boosters get): the boost follows, and the actor's local followers see it.
 */
export function applyWatchedChange(host: RemoteHost, change: WatchedChange): void {
  const sql = host.sql;
  const statusId = change.kind === "delete" ? change.statusId : change.status.id;
  host.storage.transactionSync(() => {
    const boosts = sql.exec<RemoteStatusRow>("SELECT * FROM statuses WHERE reblog_of_id = ?", statusId).toArray();
    for (const row of boosts) {
      if (change.kind === "delete") {
        queueRemoval(host, row);
        continue;
      }
      sql.exec("UPDATE statuses SET snapshot = json_set(snapshot, '$.reblog', json(?)) WHERE id = ?", JSON.stringify(change.status), row.id);
      const [boost] = hydrate(host, [rowById(sql, row.id)!]);
      queueFanout(host, { op: { kind: "update", status: boost }, after: null, extra: [] });
    }
  });
}

/** Featured (pinned) statuses: Add / Remove on the actor's featured collection. */
export function setPinned(host: RemoteHost, uri: string, pinned: boolean): boolean {
  const at = pinned ? new Date().toISOString() : null;
  const where = pinned ? "pinned_at IS NULL" : "pinned_at IS NOT NULL";
  return host.sql.exec(`UPDATE statuses SET pinned_at = ? WHERE uri = ? AND reblog_of_id IS NULL AND ${where}`, at, uri).rowsWritten > 0;
}
