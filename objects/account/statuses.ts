import { sensitized } from "./moderation";
import { hasMedia, isListedAccount, toSnapshot, type MentionRecord, type PollRecord, type QuotePolicy, type StatusRecord, type Visibility } from "../../schemas/records";
import type { MediaChange } from "../../schemas/media";
import { applyPlan, attachUploads, detachStatusMedia, planAttachments, releaseStatusMedia, scheduledHolder } from "./media";
import { fail, ok, type Result } from "../../lib/result";
import { snowflake } from "../../lib/ids";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";
import { flagsFor } from "./viewer";
import { selectPage } from "./id-page";
import { queueDirectorySync } from "./directory-sync";
import { publishToUser } from "../streams/user-events";
import { authorAllows, boosterIds, deletionOf, editVersions, hydrate, isThreaded, ownRow, ownRows, POLL_EXPIRE_JOB, THREAD_LIMITS, type StatusRow } from "./status-rows";
import { deliverInteraction, fetchVisibleStatus, indexStatus, NOT_FOUND, thread, unindexStatus } from "./status-peers";
import { refreshCopies, watchersOf, WATCHERS_JOB } from "./status-copies";
import { effectivePolicy, quotingChanges, linkOf, queueQuoteRegistration, queueQuotersChange, QUOTE_UNREGISTER_JOB, registerQuoteNow, resolveQuote } from "./quote-rules";

import { insertIntoHome } from "./home";
import type { Viewer } from "../../schemas/auth";
import type { AccountStatusesQuery, StatusDeleted, ViewedStatus } from "../../schemas/calls";

/**
 * Posting, editing, deleting and reading this account's own statuses (author side).
 * The Worker validates and renders the text; this module stores, keeps counts and queues the
 * side effects: `status.created` / `status.updated` / `status.deleted` (fan-out, timelines
 * work) and the statuses work's own jobs below.
 */

export interface PollDraft {
  options: string[];
  expires_in: number;
  multiple: boolean;
  hide_totals: boolean;
}

/** A validated new status: text already rendered to HTML, mentions resolved. */
export interface StatusDraft {
  text: string;
  content: string;
  spoiler_text: string;
  /** null: the account's default (`source.privacy`). */
  visibility: Visibility | null;
  /** null: the account's default, or true when there is a spoiler text. */
  sensitive: boolean | null;
  language: string | null;
  in_reply_to_id: string | null;
  mentions: MentionRecord[];
  tags: string[];
  poll: PollDraft | null;
  /** This account's uploads to attach, in order (absent in drafts stored before media existed). */
  media_ids?: string[];
  /** The scheduled status holding those uploads until it is published. */
  scheduled_id?: string;
  /** The status to quote (`quoted_status_id`). */
  quoted_status_id?: string | null;
  /** `quote_approval_policy`; absent or null: the account's default (`source.quote_policy`). */
  quote_policy?: QuotePolicy | null;
}

/** An edit: absent keys keep their value; `poll: null` removes the poll (as Mastodon does). */
export interface EditDraft {
  text?: string;
  content?: string;
  spoiler_text?: string;
  sensitive?: boolean;
  language?: string | null;
  mentions?: MentionRecord[];
  tags?: string[];
  poll: PollDraft | null;
  /** The attachments after the edit, in order; absent: unchanged. */
  media_ids?: string[];
  /** Alt text and focus of attachments (`media_attributes[]`). */
  media_attributes?: ({ id: string } & MediaChange)[];
  /** A status to quote instead of the current one (or for the first time). */
  quoted_status_id?: string;
  quote_policy?: QuotePolicy;
}

export type Application = StatusRecord["application"];

/** The app a status was posted with: the one the token was issued to. */
export function applicationOf(viewer: Viewer): Application {
  return { name: viewer.token.app_name, website: viewer.token.app_website };
}

export const MEDIA_WITH_POLL = "Validation failed: Polls and media attachments cannot be combined";
export const REPLY_NOT_FOUND = "The post you are trying to reply to does not appear to exist.";
const IDEMPOTENCY_TTL_MS = 3600 * 1000;
/** Index, thread and parent are updated at once; this job re-does it later if that failed. */
const LINK_RETRY_MS = 30_000;
export const LINK_JOB = "status.link";
export const UNLINK_JOB = "status.unlink";
export const SYNC_JOB = "status.sync";

/**
 * One status as its viewer sees it after an action. A boost carries the boosted status's
 * favourited/reblogged/bookmarked flags on itself too, as Mastodon's single-status answers do
 * (its `reblogged?` looks through the boost), so `POST .../reblog` answers `reblogged: true`.
 */
export function viewed(host: AccountHost, viewerId: string, status: StatusRecord): ViewedStatus {
  const flags = flagsFor(host.sql, viewerId, [status]);
  const inner = status.reblog ? flags[status.reblog.id] : undefined;
  if (inner) {
    const own = flags[status.id];
    flags[status.id] = { ...own, favourited: inner.favourited, reblogged: inner.reblogged, bookmarked: inner.bookmarked };
  }
  return { status, flags };
}

function self(host: AccountHost) {
  return toSnapshot(host.record()!);
}

// ----- posting -----

/** The status an Idempotency-Key already produced in the last hour, if any. */
export function idempotentResult(host: AccountHost, key: string | null): string | null {
  if (!key) return null;
  host.sql.exec("DELETE FROM idempotency_keys WHERE created_at < ?", Date.now() - IDEMPOTENCY_TTL_MS);
  return host.sql.exec<{ status_id: string }>("SELECT status_id FROM idempotency_keys WHERE key = ?", key).toArray()[0]?.status_id ?? null;
}

export function rememberIdempotencyKey(host: AccountHost, key: string | null, resultId: string): void {
  if (key) host.sql.exec("INSERT OR REPLACE INTO idempotency_keys (key, status_id, created_at) VALUES (?, ?, ?)", key, resultId, Date.now());
}

export function newPoll(id: string, draft: PollDraft, now: number): PollRecord {
  return {
    id,
    expires_at: new Date(now + draft.expires_in * 1000).toISOString(),
    multiple: draft.multiple,
    options: draft.options.map((title) => ({ title, votes_count: 0 })),
    votes_count: 0,
    voters_count: 0,
  };
}

/**
 * Stores a new status and queues its fan-out. A reply is checked against the parent (which
 * must be visible to the author) and linked into the thread before returning.
 * `idempotencyKey` is remembered in the same transaction.
 */
export async function createStatus(
  host: AccountHost,
  draft: StatusDraft,
  application: Application,
  idempotencyKey: string | null = null,
): Promise<Result<StatusRecord>> {
  const account = host.record()!;
  let parent: StatusRecord | null = null;
  if (draft.in_reply_to_id) {
    parent = await fetchVisibleStatus(host, draft.in_reply_to_id, account.id);
    if (!parent) return fail(404, REPLY_NOT_FOUND);
    if (parent.reblog) parent = parent.reblog;
  }
  const quote = draft.quoted_status_id ? await resolveQuote(host, draft.quoted_status_id) : null;
  if (quote && !quote.ok) return quote;
  const quoting = quote ? await quotingChanges(host, quote.value, { visibility: draft.visibility ?? account.privacy, content: draft.content, mentionIds: draft.mentions.map((m) => m.id) }) : null;
  if (quoting && !quoting.ok) return quoting;
  const visibility = quoting?.value.visibility ?? draft.visibility ?? account.privacy;
  const now = Date.now();
  const id = snowflake(now);
  const record: StatusRecord = {
    id,
    uri: null,
    url: null,
    account: toSnapshot(account),
    in_reply_to_id: parent?.id ?? null,
    in_reply_to_account_id: parent?.account.id ?? null,
    conversation_id: parent?.conversation_id ?? id,
    reblog: null,
    content: quoting?.value.content ?? draft.content,
    spoiler_text: draft.spoiler_text,
    visibility,
    sensitive: (draft.sensitive ?? account.sensitive) || draft.spoiler_text !== "",
    language: draft.language ?? account.language,
    created_at: new Date(now).toISOString(),
    edited_at: null,
    replies_count: 0,
    reblogs_count: 0,
    favourites_count: 0,
    mentions: draft.mentions,
    tags: draft.tags,
    poll: draft.poll ? newPoll(id, draft.poll, now) : null,
    application,
    ...(quote ? { quote: quote.value } : {}),
    quote_policy: effectivePolicy(visibility, draft.quote_policy ?? account.quote_policy ?? "public"),
  };
  let duplicate: string | null = null;
  let refused: Result<never> | null = null;
  host.storage.transactionSync(() => {
    // A concurrent request with the same key may have finished while we awaited the parent.
    duplicate = idempotentResult(host, idempotencyKey);
    if (duplicate) return;
    const media = attachUploads(host.sql, draft.media_ids ?? [], id, draft.scheduled_id ? scheduledHolder(draft.scheduled_id) : null);
    if (!media.ok) return void (refused = media);
    if (media.value.length) record.media_attachments = media.value;
    // A moderator marked this account sensitive: its new media is behind a warning.
    if (media.value.length && sensitized(host)) record.sensitive = true;
    storeNewStatus(host, record, draft.text);
    rememberIdempotencyKey(host, idempotencyKey, id);
    if (record.poll) host.enqueue(POLL_EXPIRE_JOB, { id, expires_at: record.poll.expires_at }, Date.parse(record.poll.expires_at!));
  });
  if (refused) return refused;
  if (duplicate) {
    const existing = statusesFor(host, [duplicate], account.id)[0];
    return existing ? ok(existing) : fail(404, NOT_FOUND);
  }
  await linkNow(host, id);
  if (record.quote) await registerQuoteNow(host, id);
  await host.wake();
  return ok(hydrate(host.sql, self(host), [ownRow(host.sql, id)!])[0]);
}

/**
 * Writes a new status or boost row with its mentions and tags, the author's own home entry and
 * counters, and queues the fan-out and the link job. Call inside a transaction.
 */
export function storeNewStatus(host: AccountHost, record: StatusRecord, text: string): void {
  const sql = host.sql;
  sql.exec(
    `INSERT INTO statuses (id, snapshot, text, visibility, reblog_of_id, in_reply_to_id, in_reply_to_account_id, conversation_id, has_media, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    record.id,
    JSON.stringify(record),
    text,
    record.visibility,
    record.reblog?.id ?? null,
    record.in_reply_to_id,
    record.in_reply_to_account_id,
    record.conversation_id,
    hasMedia(record) ? 1 : 0,
    record.created_at,
  );
  writeMentionsAndTags(sql, record);
  insertIntoHome(sql, [record]);
  publishToUser(sql, { event: "update", status: record });
  // Mastodon does not count direct messages in statuses_count.
  if (record.visibility !== "direct") sql.exec("UPDATE account SET statuses_count = statuses_count + 1, last_status_at = ?", record.created_at);
  queueDirectorySync(host);
  queueQuoteRegistration(host, record);
  host.enqueue("status.created", { status: record });
  host.enqueue(LINK_JOB, { id: record.id }, Date.now() + LINK_RETRY_MS);
}

function writeMentionsAndTags(sql: SqlStorage, record: StatusRecord): void {
  sql.exec("DELETE FROM status_mentions WHERE status_id = ?", record.id);
  sql.exec("DELETE FROM status_tags WHERE status_id = ?", record.id);
  for (const m of record.mentions) sql.exec("INSERT OR IGNORE INTO status_mentions (status_id, account_id) VALUES (?, ?)", record.id, m.id);
  for (const t of record.tags) sql.exec("INSERT OR IGNORE INTO status_tags (status_id, tag) VALUES (?, ?)", record.id, t);
}

/** Runs the link step at once; if it fails the queued job retries it, else the job is dropped. */
export async function linkNow(host: AccountHost, id: string): Promise<void> {
  try {
    await linkStatus(host, id);
    // Linked: the safety-net job would only redo it 30 s later (an alarm and an index call per post).
    host.sql.exec("DELETE FROM outbox WHERE kind = ? AND payload = ? AND attempts = 0", LINK_JOB, JSON.stringify({ id }));
  } catch (err) {
    console.warn("status.link deferred", id, err instanceof Error ? err.message : err);
  }
}

/** Index entry, and for a reply: the parent's replies count and the thread. Idempotent. */
async function linkStatus(host: AccountHost, id: string): Promise<void> {
  const row = ownRow(host.sql, id);
  if (!row) return;
  await indexStatus(host, id);
  if (!row.in_reply_to_id || !row.in_reply_to_account_id) return;
  const [record] = hydrate(host.sql, self(host), [row]);
  const parent = await deliverInteraction(host, row.in_reply_to_account_id, { kind: "reply", statusId: row.in_reply_to_id, replyId: id }, record.account);
  // The parent is gone: the reply stays, outside any thread (as when Mastodon's parent is deleted).
  if (!parent.ok) return;
  await thread(host, row.conversation_id).link(parent.value.status, record);
}

accountJobs.register(LINK_JOB, async (host, payload: { id: string }) => linkStatus(host, payload.id));

// ----- editing -----

function samePoll(a: PollRecord | null, b: PollDraft | null): boolean {
  if (!a || !b) return a === null && b === null;
  return a.multiple === b.multiple && a.options.length === b.options.length && a.options.every((o, i) => o.title === b.options[i]);
}

/** Applies an edit to one of this account's statuses, keeping every version (history). */
export async function editStatus(host: AccountHost, viewer: Viewer, id: string, edit: EditDraft): Promise<Result<ViewedStatus>> {
  const row = ownRow(host.sql, id);
  if (!row || row.reblog_of_id) return fail(404, NOT_FOUND);
  const me = self(host);
  const [current] = hydrate(host.sql, me, [row]);
  const pollChanged = !samePoll(current.poll, edit.poll);
  const currentMedia = current.media_attachments ?? [];
  const media = planAttachments(host.sql, id, currentMedia, edit.media_ids, edit.media_attributes ?? []);
  if (!media.ok) return media;
  if (media.value.length && edit.poll) return fail(422, MEDIA_WITH_POLL);
  if ((edit.text ?? row.text).trim() === "" && media.value.length === 0) return fail(422, "Validation failed: Text can't be blank");
  const mediaChanged = JSON.stringify(media.value) !== JSON.stringify(currentMedia);
  const requoted = edit.quoted_status_id !== undefined && edit.quoted_status_id !== current.quote?.quoted_status_id;
  const quote = requoted ? await resolveQuote(host, edit.quoted_status_id!) : null;
  if (quote && !quote.ok) return quote;
  const now = Date.now();
  const next: StatusRecord = {
    ...current,
    content: edit.content ?? current.content,
    spoiler_text: edit.spoiler_text ?? current.spoiler_text,
    sensitive: edit.sensitive ?? current.sensitive,
    language: edit.language !== undefined ? edit.language : current.language,
    mentions: edit.mentions ?? current.mentions,
    tags: edit.tags ?? current.tags,
    poll: pollChanged ? (edit.poll ? newPoll(id, edit.poll, now) : null) : current.poll,
    media_attachments: media.value,
    ...(quote ? { quote: quote.value } : {}),
    ...(edit.quote_policy ? { quote_policy: effectivePolicy(current.visibility, edit.quote_policy) } : {}),
  };
  if (next.spoiler_text !== "") next.sensitive = true;
  const significant =
    next.content !== current.content || next.spoiler_text !== current.spoiler_text || next.sensitive !== current.sensitive || pollChanged || mediaChanged || requoted;
  if (!significant) {
    if (next.language !== current.language) {
      host.sql.exec("UPDATE statuses SET snapshot = json_set(snapshot, '$.language', ?) WHERE id = ?", next.language, id);
    }
    if (next.quote_policy !== current.quote_policy) await rewriteOwnStatus(host, id, (r) => ({ ...r, quote_policy: next.quote_policy }));
    return ok(viewed(host, viewer.account.id, hydrate(host.sql, me, [ownRow(host.sql, id)!])[0]));
  }
  next.edited_at = new Date(now).toISOString();
  const voters = pollChanged ? host.sql.exec<{ account_id: string }>("SELECT DISTINCT account_id FROM poll_votes WHERE status_id = ?", id).toArray().map((r) => r.account_id) : [];
  host.storage.transactionSync(() => {
    const sql = host.sql;
    const hasHistory = sql.exec("SELECT 1 FROM status_edits WHERE status_id = ? LIMIT 1", id).toArray().length > 0;
    if (!hasHistory) sql.exec("INSERT INTO status_edits (status_id, snapshot, created_at) VALUES (?, ?, ?)", id, JSON.stringify(current), current.created_at);
    sql.exec("INSERT INTO status_edits (status_id, snapshot, created_at) VALUES (?, ?, ?)", id, JSON.stringify(next), next.edited_at);
    applyPlan(sql, id, media.value);
    sql.exec("UPDATE statuses SET snapshot = ?, text = ?, has_media = ? WHERE id = ?", JSON.stringify(next), edit.text ?? row.text, hasMedia(next) ? 1 : 0, id);
    writeMentionsAndTags(sql, next);
    if (pollChanged) {
      sql.exec("DELETE FROM poll_votes WHERE status_id = ?", id);
      sql.exec("DELETE FROM own_votes WHERE status_id = ?", id);
      if (next.poll) host.enqueue(POLL_EXPIRE_JOB, { id, expires_at: next.poll.expires_at }, Date.parse(next.poll.expires_at!));
    }
    const updated = propagateUpdate(host, row, pollChanged, voters);
    queueQuotersChange(host, id, { kind: "update", status: updated });
    const before = linkOf(current);
    if (requoted && before) host.enqueue(QUOTE_UNREGISTER_JOB, before);
    if (requoted) queueQuoteRegistration(host, next);
  });
  if (isThreaded(row)) await syncNow(host, id);
  if (requoted) await registerQuoteNow(host, id);
  await host.wake();
  return ok(viewed(host, viewer.account.id, hydrate(host.sql, me, [ownRow(host.sql, id)!])[0]));
}

/**
 * After a status's snapshot changed: its home entry, the fan-out of the update, its thread, this
 * account's copies and others' copies (favourites, bookmarks, boosts, votes). Inside a transaction.
 */
function propagateUpdate(host: AccountHost, row: StatusRow, pollChanged: boolean, voters: string[] = []): StatusRecord {
  const sql = host.sql;
  const id = row.id;
  const [updated] = hydrate(sql, self(host), [ownRow(sql, id)!]);
  sql.exec("UPDATE home SET snapshot = ? WHERE id = ?", JSON.stringify(updated), id);
  host.enqueue("status.updated", { status: updated });
  if (isThreaded(row)) host.enqueue(SYNC_JOB, { id });
  refreshCopies(host, updated, pollChanged);
  const watchers = [...new Set([...watchersOf(host, id), ...voters])];
  if (watchers.length) host.enqueue(WATCHERS_JOB, { change: { kind: "update", status: updated, pollReset: pollChanged }, accounts: watchers });
  return updated;
}

/**
 * Changes one of this account's statuses without making it an edit (no history, no
 * `edited_at`): a quote's state, the quote policy. `change` returns null to leave it as it is.
 * Everyone's copy follows, as after an edit.
 */
export async function rewriteOwnStatus(host: AccountHost, id: string, change: (current: StatusRecord) => StatusRecord | null): Promise<StatusRecord | null> {
  const row = ownRow(host.sql, id);
  if (!row || row.reblog_of_id) return null;
  const [current] = hydrate(host.sql, self(host), [row]);
  const next = change(current);
  if (!next) return null;
  let updated: StatusRecord | null = null;
  host.storage.transactionSync(() => {
    host.sql.exec("UPDATE statuses SET snapshot = ? WHERE id = ?", JSON.stringify(next), id);
    updated = propagateUpdate(host, row, false);
  });
  if (isThreaded(row)) await syncNow(host, id);
  await host.wake();
  return updated;
}

/** The thread sees an edit at once when it can; the queued SYNC_JOB covers a failure. */
async function syncNow(host: AccountHost, id: string): Promise<void> {
  try {
    await syncThread(host, id);
  } catch (err) {
    console.warn("status.sync deferred", id, err instanceof Error ? err.message : err);
  }
}

/** Pushes a threaded status's current snapshot (content and counts) to its thread. */
async function syncThread(host: AccountHost, id: string): Promise<void> {
  const row = ownRow(host.sql, id);
  if (!row || !isThreaded(row)) return;
  const [record] = hydrate(host.sql, self(host), [row]);
  await thread(host, row.conversation_id).update(record);
}

accountJobs.register(SYNC_JOB, async (host, payload: { id: string }) => syncThread(host, payload.id));

// ----- deleting -----

interface UnlinkPayload {
  id: string;
  conversation_id: string;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  threaded: boolean;
  reblog_of_id: string | null;
  reblog_author_id: string | null;
}

/**
 * Deletes one of this account's statuses or boosts with everything hanging off it, in one
 * transaction; queues `status.deleted` (fan-out), the unlink job (index, thread, parent or
 * boosted status) and the watchers job (favourites, bookmarks, boosts, votes of others).
 * Returns the status as it was and its source text (for "delete and redraft").
 */
export async function removeStatus(host: AccountHost, id: string, deleteMedia = true): Promise<Result<{ status: StatusRecord; text: string }>> {
  const row = ownRow(host.sql, id);
  if (!row) return fail(404, NOT_FOUND);
  const [record] = hydrate(host.sql, self(host), [row]);
  const unlink: UnlinkPayload = {
    id,
    conversation_id: row.conversation_id,
    in_reply_to_id: row.in_reply_to_id,
    in_reply_to_account_id: row.in_reply_to_account_id,
    threaded: isThreaded(row),
    reblog_of_id: row.reblog_of_id,
    reblog_author_id: record.reblog?.account.id ?? null,
  };
  host.storage.transactionSync(() => {
    const sql = host.sql;
    const watchers = watchersOf(host, id);
    const deleted = deletionOf(record, boosterIds(sql, id));
    queueQuotersChange(host, id, { kind: "delete" });
    const quoted = linkOf(record);
    if (quoted) host.enqueue(QUOTE_UNREGISTER_JOB, quoted);
    sql.exec("DELETE FROM status_quotes WHERE status_id = ?", id);
    for (const table of ["status_mentions", "status_tags", "status_edits", "favourited_by", "reblogged_by", "bookmarked_by", "poll_votes", "status_replies"]) {
      sql.exec(`DELETE FROM ${table} WHERE status_id = ?`, id);
    }
    for (const table of ["favourites", "bookmarks", "own_votes"]) sql.exec(`DELETE FROM ${table} WHERE status_id = ?`, id);
    sql.exec("DELETE FROM statuses WHERE id = ?", id);
    sql.exec("DELETE FROM home WHERE id = ?", id);
    // Kept a day for "delete and redraft" unless the client asked for them to go now.
    if (deleteMedia) releaseStatusMedia(host, id);
    else detachStatusMedia(host, id);
    if (row.visibility !== "direct") sql.exec("UPDATE account SET statuses_count = max(statuses_count - 1, 0)");
    queueDirectorySync(host);
    // visibility/tags/mention_ids/booster_ids let the fan-out reach every place the status went (fanout.ts StatusDeleted).
    host.enqueue("status.deleted", deleted satisfies StatusDeleted);
    host.enqueue(UNLINK_JOB, unlink, Date.now() + LINK_RETRY_MS);
    if (watchers.length) host.enqueue(WATCHERS_JOB, { change: { kind: "delete", statusId: id }, accounts: watchers });
  });
  try {
    await unlinkStatus(host, unlink);
  } catch (err) {
    console.warn("status.unlink deferred", id, err instanceof Error ? err.message : err);
  }
  await host.wake();
  return ok({ status: record, text: row.text });
}

/** Undoes linkStatus (and, for a boost, the boosted status's count). Idempotent. */
async function unlinkStatus(host: AccountHost, p: UnlinkPayload): Promise<void> {
  if (ownRow(host.sql, p.id)) return;
  await unindexStatus(host, p.id);
  if (p.reblog_of_id && p.reblog_author_id) {
    await deliverInteraction(host, p.reblog_author_id, { kind: "unreblog", statusId: p.reblog_of_id }, self(host));
  }
  if (p.in_reply_to_id && p.in_reply_to_account_id) {
    await deliverInteraction(host, p.in_reply_to_account_id, { kind: "unreply", statusId: p.in_reply_to_id, replyId: p.id }, self(host));
  }
  if (p.threaded) await thread(host, p.conversation_id).unlink(p.id);
}

accountJobs.register(UNLINK_JOB, async (host, payload: UnlinkPayload) => unlinkStatus(host, payload));

// ----- reading -----

/** Own statuses by id that `viewerId` may see (author-side check), with live counts. */
export function statusesFor(host: AccountHost, ids: string[], viewerId: string | null, moderator = false): StatusRecord[] {
  const record = host.record();
  if (!record || !(moderator || isListedAccount(record))) return [];
  const records = hydrate(host.sql, toSnapshot(record), ownRows(host.sql, ids));
  return authorAllows(host.sql, record.id, viewerId, records);
}

/**
 * `GET /api/v1/accounts/:id/statuses`: a page of this account's statuses that the viewer may
 * see, filtered in SQL so pages stay full. The author blocking the viewer empties it.
 */
export function accountStatuses(host: AccountHost, viewerId: string | null, q: AccountStatusesQuery): Result<StatusRecord[]> {
  const account = host.record();
  if (!account || !account.approved) return fail(404, NOT_FOUND);
  // Mastodon lists no statuses of a suspended account.
  if (account.suspended) return ok([]);
  const sql = host.sql;
  if (viewerId && viewerId !== account.id && sql.exec("SELECT 1 FROM blocks WHERE account_id = ?", viewerId).toArray().length) return ok([]);
  const filters: string[] = [];
  const params: SqlStorageValue[] = [];
  if (viewerId !== account.id) {
    const follower = viewerId !== null && sql.exec("SELECT 1 FROM followers WHERE account_id = ?", viewerId).toArray().length > 0;
    const open = follower ? "('public', 'unlisted', 'private')" : "('public', 'unlisted')";
    filters.push(`(visibility IN ${open} OR id IN (SELECT status_id FROM status_mentions WHERE account_id = ?))`);
    params.push(viewerId ?? "");
  }
  if (q.exclude_replies) filters.push("(in_reply_to_id IS NULL OR in_reply_to_account_id = ?)"), params.push(account.id);
  if (q.exclude_reblogs || q.pinned) filters.push("reblog_of_id IS NULL");
  if (q.only_media) filters.push("has_media = 1");
  if (q.tagged) filters.push("id IN (SELECT status_id FROM status_tags WHERE tag = ?)"), params.push(q.tagged);
  if (q.pinned) filters.push("pinned_at IS NOT NULL");
  const filter = filters.length ? filters.join(" AND ") : "1";
  const rows = q.pinned
    ? sql.exec<StatusRow>(`SELECT * FROM statuses WHERE ${filter} ORDER BY pinned_at DESC LIMIT ?`, ...params, q.page.limit).toArray()
    : selectPage<StatusRow>(sql, { columns: "*", from: "statuses", idColumn: "id", filter, filterParams: params, page: q.page });
  return ok(hydrate(sql, toSnapshot(account), rows));
}

export function statusSource(host: AccountHost, id: string, viewerId: string): Result<{ status: StatusRecord; source: { id: string; text: string; spoiler_text: string } }> {
  const [record] = statusesFor(host, [id], viewerId);
  if (!record || record.reblog) return fail(404, NOT_FOUND);
  const row = ownRow(host.sql, id)!;
  return ok({ status: record, source: { id, text: row.text, spoiler_text: record.spoiler_text } });
}

/** Every version of a status, oldest first; one entry when it was never edited. */
export function statusHistory(host: AccountHost, id: string, viewerId: string | null): Result<{ status: StatusRecord; versions: StatusRecord[] }> {
  const [record] = statusesFor(host, [id], viewerId);
  if (!record || record.reblog) return fail(404, NOT_FOUND);
  return ok({ status: record, versions: editVersions(host.sql, record) });
}

export const CONTEXT_LIMITS = {
  /** Mastodon's limits for signed-out readers. */
  anonymous: { ancestors: 40, descendants: 60, depth: 20 },
  signedIn: THREAD_LIMITS,
};
