import type { AccountSnapshot, StatusRecord } from "../../schemas/records";
import type { AccountHost } from "./host";
import { addNotification, type NotificationType } from "./notifications";
import { selectIn } from "./viewer";
import { dropFromConversations, recordDirectStatus, refreshConversations } from "./conversations";
import { publishAdmitted, publishToUser, type Admitted } from "../streams/user-events";
import { feedFacts, type FeedFacts } from "./feed-facts";
import { parseStatusSnapshot } from "./status-memo";
import type { StatusDeleted } from "../../schemas/calls";

/**
 * The follower side of fan-out: what an account's object does when a status from someone else
 * reaches it (home and list timelines, mention/status/update notifications, direct
 * conversations), following Mastodon's FeedManager rules.
 */

/** Why a status reaches this account: its author's fan-out, or a hashtag this account follows. */
export type Delivery = "author" | "tag";

/** Mastodon skips a boost whose original is among the newest entries already (REBLOG_FALLOFF). */
const REBLOG_FALLOFF = 40;

/**
 * Inserts statuses into the home timeline as they are (idempotent); used by backfills too.
 * `json` is the status already serialized (one record only), when the caller holds it.
 */
export function insertIntoHome(sql: SqlStorage, records: StatusRecord[], json?: string): void {
  for (const s of records) {
    sql.exec(
      "INSERT OR IGNORE INTO home (id, author_id, reblog_of_id, snapshot) VALUES (?, ?, ?, ?)",
      s.id,
      s.account.id,
      s.reblog?.id ?? null,
      json ?? JSON.stringify(s),
    );
  }
}

/** Removes an account's statuses and boosts from home and lists (unfollow, block, mute). */
export function removeAuthorFromFeeds(sql: SqlStorage, accountId: string): void {
  sql.exec("DELETE FROM home WHERE author_id = ?", accountId);
  sql.exec("DELETE FROM list_entries WHERE author_id = ?", accountId);
}

// ----- a new status -----

/**
 * Handles a status from another account; idempotent (a retried fan-out changes nothing).
 * `input` may be the status as JSON (what fan-out sends: a string is far cheaper to pass
 * between objects than a nested record, and it is what home stores anyway). `streamed`: the
 * home `update` was already sent by `streamStatus` (the first of two calls), so only the
 * writes remain.
 */
export function receiveStatus(host: AccountHost, input: StatusRecord | string, via: Delivery, participants?: AccountSnapshot[], streamed = false): void {
  const sql = host.sql;
  const me = host.accountId();
  const json = typeof input === "string" ? input : undefined;
  const status = parseInput(input);
  const d = decide(host, status, via);
  if (!d) return;
  const { facts, follow, mentioned, home, intoHome } = d;
  // Streamed (only if it goes into home) before the writes, so the event need not wait for them.
  if (intoHome && !streamed) publishAdmitted(sql, status, homeView(host, status, via, facts));
  const write = () => {
    if (intoHome) insertIntoHome(sql, [status], json);
    if (via === "author" && follow && status.visibility !== "direct") insertIntoLists(sql, me, status, facts);
    if (mentioned) notifyOnce(sql, "mention", status.account, status);
    if (home && follow?.notify && !status.reblog && !isReplyToOther(status)) notifyOnce(sql, "status", status.account, status);
    if (mentioned && status.visibility === "direct") recordDirectStatus(sql, me, status, participants ?? [status.account], true);
  };
  // The usual delivery writes one row (home), atomic by itself; several writes go in a transaction.
  const oneWrite = !mentioned && facts.lists.length === 0 && !follow?.notify;
  if (oneWrite) write();
  else host.storage.transactionSync(write);
}

/**
 * The first of a new status's two deliveries to an account with someone listening to its
 * `user` stream (fanout.ts): only the live `update`, so that every listener across all
 * followers hears of the post before any follower spends time storing it. Returns "streamed"
 * (the caller then calls `receiveStatus(..., streamed = true)`), or "stored" when nobody
 * listens here and the status was handled in full at once.
 */
export function streamStatus(host: AccountHost, json: string, participants?: AccountSnapshot[]): "streamed" | "stored" {
  if (!host.streams.listensToHome()) {
    receiveStatus(host, json, "author", participants);
    return "stored";
  }
  const status = parseInput(json);
  const d = decide(host, status, "author");
  if (d?.intoHome) publishAdmitted(host.sql, status, homeView(host, status, "author", d.facts));
  return "streamed";
}

/**
 * Parsed through the isolate's memo: every follower in this isolate then shares one frozen
 * record, and with it the rendered JSON of its streamed `update` (rendered.ts).
 */
function parseInput(input: StatusRecord | string): StatusRecord {
  return typeof input === "string" ? parseStatusSnapshot(input) : input;
}

/** Mastodon's FeedManager rules for a status reaching this account: where it goes. Null: nowhere (own, or blocked). */
function decide(host: AccountHost, status: StatusRecord, via: Delivery) {
  const sql = host.sql;
  const me = host.accountId();
  if (status.account.id === me) return null;
  const facts = host.feedFacts.facts(sql, me, status);
  if (facts.blocked || facts.domainBlocked) return null;
  const follow = facts.follow;
  const mentioned = status.mentions.some((m) => m.id === me);
  const wanted = via === "tag" ? followsTagOf(sql, status) : follow !== null && (status.visibility !== "direct" || mentioned);
  const home = wanted && !filteredFromHome(me, status, facts, via);
  const intoHome = home && !isReblogSeen(sql, status);
  return { facts, follow, mentioned, home, intoHome };
}

/**
 * What the home rules above already decided about how this account sees a status it just
 * took into home, so streaming it need not ask again (see render.ts `viewAdmitted`). Only
 * for an original status from a followed author: every account that visibility would hide
 * it for (author blocked either way or muted; private without the follow; direct without a
 * mention) was already kept out of home. Boosts and hashtag deliveries: null (full check).
 */
function homeView(host: AccountHost, s: StatusRecord, via: Delivery, facts: FeedFacts): Admitted {
  if (via !== "author" || s.reblog || !facts.follow) return { visible: null };
  return { visible: true, hasFilters: facts.hasFilters, flags: host.feedFacts.freshFlags(host.sql, s) };
}

function followsTagOf(sql: SqlStorage, s: StatusRecord): boolean {
  if (s.visibility !== "public" || s.reblog || s.tags.length === 0) return false;
  return selectIn(sql, (p) => `SELECT 1 FROM followed_tags WHERE name IN (${p})`, s.tags).length > 0;
}

const isReply = (s: StatusRecord) => s.in_reply_to_id !== null;
const isReplyToOther = (s: StatusRecord) => isReply(s) && s.in_reply_to_account_id !== s.account.id;

/** Mastodon's FeedManager#filter_from_home, for home (and, with `list`, for lists). */
function filteredFromHome(me: string, s: StatusRecord, facts: FeedFacts, via: Delivery | "list"): boolean {
  if (isReply(s) && !s.in_reply_to_account_id) return true;
  if (via !== "list" && facts.exclusive) return true;
  if (facts.follow && !languageWanted(facts.follow.languages, s)) return true;
  if (facts.blockedOrMuted) return true;
  if (isReply(s) && s.in_reply_to_account_id) {
    if (s.in_reply_to_account_id === me || s.in_reply_to_account_id === s.account.id) return false;
    return !facts.followsParent;
  }
  if (s.reblog) {
    if (facts.follow && facts.follow.reblogs === 0) return true;
    return facts.reblogAuthorBlocksMe;
  }
  return false;
}

/** `following.languages`: a JSON array or comma-separated codes; empty = every language. */
function languageWanted(languages: string | null, s: StatusRecord): boolean {
  const language = (s.reblog ?? s).language;
  if (!languages || !language) return true;
  let wanted: string[];
  try {
    wanted = languages.trim().startsWith("[") ? (JSON.parse(languages) as string[]) : languages.split(",");
  } catch {
    return true;
  }
  wanted = wanted.map((l) => String(l).trim()).filter(Boolean);
  return wanted.length === 0 || wanted.includes(language);
}

/** A boost of something already near the top of home, or already boosted into it, is skipped. */
function isReblogSeen(sql: SqlStorage, s: StatusRecord): boolean {
  if (!s.reblog) return false;
  const original = s.reblog.id;
  if (sql.exec("SELECT 1 FROM home WHERE reblog_of_id = ? AND id != ? LIMIT 1", original, s.id).toArray().length) return true;
  const present = sql.exec("SELECT 1 FROM home WHERE id = ?", original).toArray().length > 0;
  if (!present) return false;
  const newer = sql
    .exec<{ n: number }>(
      "SELECT count(*) AS n FROM (SELECT 1 FROM home WHERE CAST(id AS INTEGER) > CAST(? AS INTEGER) ORDER BY CAST(id AS INTEGER) DESC LIMIT ?)",
      original,
      REBLOG_FALLOFF,
    )
    .one().n;
  return newer < REBLOG_FALLOFF;
}

/**
 * Lists holding the author get the status under each list's replies policy (filter_from_list);
 * `only` restricts it to some lists (a backfill), `stream` publishes the list event (live delivery).
 */
function insertIntoLists(sql: SqlStorage, me: string, s: StatusRecord, facts: FeedFacts, options: { only?: string[]; stream: boolean } = { stream: true }): void {
  const lists = facts.lists.filter((list) => !options.only || options.only.includes(list.id));
  if (lists.length === 0) return;
  if (filteredFromHome(me, s, facts, "list")) return;
  for (const list of lists) {
    if (isReplyToOther(s) && s.in_reply_to_account_id !== me) {
      const allowed = list.replies_policy === "followed" || (list.replies_policy === "list" && list.has_parent === 1);
      if (!allowed) continue;
    }
    sql.exec(
      "INSERT OR IGNORE INTO list_entries (list_id, id, author_id, snapshot, reblog_of_id) VALUES (?, ?, ?, ?, ?)",
      list.id,
      s.id,
      s.account.id,
      JSON.stringify(s),
      s.reblog?.id ?? null,
    );
    if (options.stream) publishToUser(sql, { event: "update", status: s, list: list.id });
  }
}

/**
 * Merges an account's recent statuses (newest first, already visible to this account:
 * viewer.ts) into home and/or some lists, when a follow is accepted or a member joins a list
 * (Mastodon's MergeWorker), under the rules of live delivery: the follow's options, exclusive
 * lists, replies, blocks and mutes, the lists' replies policy. Not streamed; idempotent.
 */
export function mergeIntoFeeds(sql: SqlStorage, me: string, authorId: string, records: StatusRecord[], into: { home: boolean; lists: string[] }): void {
  const followed = sql.exec("SELECT 1 FROM following WHERE account_id = ? AND state = 'accepted'", authorId).toArray().length > 0;
  if (!followed) return;
  for (const s of [...records].reverse()) {
    const facts = feedFacts(sql, me, s);
    if (into.home && !filteredFromHome(me, s, facts, "author") && !isReblogSeen(sql, s)) insertIntoHome(sql, [s]);
    if (into.lists.length) insertIntoLists(sql, me, s, facts, { only: into.lists, stream: false });
  }
}

/** Mentions, new-status and update notifications are not deduplicated by addNotification. */
function notifyOnce(sql: SqlStorage, type: NotificationType, from: AccountSnapshot, status: StatusRecord): void {
  const seen =
    type === "update"
      ? sql.exec(
          "SELECT 1 FROM notifications WHERE type = 'update' AND status_id = ? AND json_extract(status_snapshot, '$.edited_at') IS ?",
          status.id,
          status.edited_at,
        )
      : sql.exec("SELECT 1 FROM notifications WHERE type = ? AND status_id = ? AND from_account_id = ?", type, status.id, from.id);
  if (seen.toArray().length) return;
  addNotification(sql, { type, from, status });
}

// ----- an edited status -----

/**
 * Refreshes the copies this account's feeds hold of an edited status (home, lists,
 * notifications, conversations, boosts of it in home and lists). Runs in the author's object
 * too. Favourites, bookmarks and own boosts are refreshed by the statuses work's watchers job.
 */
export function refreshCopies(sql: SqlStorage, status: StatusRecord, stream = true): void {
  const json = JSON.stringify(status);
  if (stream) publishToUser(sql, { event: "status.update", status });
  sql.exec("UPDATE home SET snapshot = ? WHERE id = ?", json, status.id);
  sql.exec("UPDATE list_entries SET snapshot = ? WHERE id = ?", json, status.id);
  sql.exec("UPDATE notifications SET status_snapshot = ? WHERE status_id = ?", json, status.id);
  for (const table of ["home", "list_entries"] as const) {
    const boosts = sql.exec<{ rowid: number; snapshot: string }>(`SELECT rowid, snapshot FROM ${table} WHERE reblog_of_id = ?`, status.id).toArray();
    for (const b of boosts) {
      const boost = JSON.parse(b.snapshot) as StatusRecord;
      sql.exec(`UPDATE ${table} SET snapshot = ? WHERE rowid = ?`, JSON.stringify({ ...boost, reblog: status }), b.rowid);
    }
  }
  refreshConversations(sql, status);
}

export async function receiveStatusUpdate(host: AccountHost, status: StatusRecord, quiet = false): Promise<void> {
  const sql = host.sql;
  const me = host.accountId();
  if (status.account.id === me) return;
  if (quiet) return void host.storage.transactionSync(() => refreshCopies(sql, status, false));
  let cascade: StatusRecord | null = null;
  host.storage.transactionSync(() => {
    refreshCopies(sql, status);
    if (status.reblog) return;
    const ownBoost = sql.exec<{ id: string; snapshot: string }>("SELECT id, snapshot FROM statuses WHERE reblog_of_id = ?", status.id).toArray()[0];
    if (!ownBoost) return;
    notifyOnce(sql, "update", status.account, status);
    // Followers of this account hold the boost with the old text: send them the new one.
    cascade = { ...(JSON.parse(ownBoost.snapshot) as StatusRecord), reblog: status };
    host.enqueue("status.updated", { status: cascade });
  });
  if (cascade) await host.wake();
}

// ----- a deleted status -----

/** Drops the feed copies of a deleted status (favourites, bookmarks: statuses work's watchers job). */
export function dropCopies(sql: SqlStorage, statusId: string): void {
  publishToUser(sql, { event: "delete", id: statusId });
  sql.exec("DELETE FROM home WHERE id = ? OR reblog_of_id = ?", statusId, statusId);
  sql.exec("DELETE FROM list_entries WHERE id = ? OR reblog_of_id = ?", statusId, statusId);
  sql.exec("DELETE FROM notifications WHERE status_id = ?", statusId);
  dropFromConversations(sql, statusId);
}

export function receiveStatusDelete(host: AccountHost, deleted: StatusDeleted): void {
  const sql = host.sql;
  if (deleted.author_id === host.accountId()) return;
  host.storage.transactionSync(() => dropCopies(sql, deleted.id));
}
