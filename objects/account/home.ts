import type { AccountSnapshot, StatusRecord } from "../../schemas/records";
import type { AccountObject } from "./account-object";
import { accountJobs } from "./jobs";
import { addNotification, type NotificationType } from "./notifications";
import { selectIn } from "./viewer";
import { dropFromConversations, recordDirectStatus, refreshConversations } from "./conversations";
import { fanOutCreated, fanOutDeleted, fanOutPage, fanOutUpdated, type StatusDeleted } from "./fanout";
import { publishAdmitted, publishToUser, type Admitted } from "../streams/account-streams";

/**
 * The follower side of fan-out: what an account's object does when a status from someone else
 * reaches it (home and list timelines, mention/status/update notifications, direct
 * conversations), following Mastodon's FeedManager rules. Also registers the author-side
 * fan-out jobs (objects/account/fanout.ts).
 */

accountJobs
  .register("status.created", (host, payload: { status: StatusRecord }) => fanOutCreated(host, payload.status))
  .register("status.updated", (host, payload: { status: StatusRecord }) => fanOutUpdated(host, payload.status))
  .register("status.deleted", (host, payload: StatusDeleted) => fanOutDeleted(host, payload))
  .register("status.fanout", (host, payload) => fanOutPage(host, payload));

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

interface Follow {
  reblogs: number;
  notify: number;
  languages: string | null;
}

/**
 * Everything the feed rules (below) ask about a status's accounts, read in ONE statement: a
 * delivery runs once per follower, and each `sql.exec` has a fixed cost that dominates these
 * small lookups.
 */
interface FeedFacts {
  /** The author is blocked by this account or blocks it. */
  blocked: boolean;
  /** This account's accepted follow of the author. */
  follow: Follow | null;
  /** The author is in one of this account's exclusive lists. */
  exclusive: boolean;
  /** Some other account the status involves (author, mentions, boosted author and its mentions) is blocked or muted. */
  blockedOrMuted: boolean;
  /** The account replied to is followed (accepted). */
  followsParent: boolean;
  /** The boosted status's author blocks this account. */
  reblogAuthorBlocksMe: boolean;
  /** Lists holding the author, with whether each also holds the account replied to. */
  lists: { id: string; replies_policy: string; has_parent: number }[];
  /** This account has filters at all (if not, nothing needs to read them). */
  hasFilters: boolean;
}

function feedFacts(sql: SqlStorage, me: string, s: StatusRecord): FeedFacts {
  const involved = new Set([s.account.id, ...s.mentions.map((m) => m.id)]);
  if (s.reblog) [s.reblog.account.id, ...s.reblog.mentions.map((m) => m.id)].forEach((id) => involved.add(id));
  involved.delete(me);
  const row = sql
    .exec<{ blocked: number; follow: string | null; exclusive: number; blocked_or_muted: number; follows_parent: number; reblog_blocks_me: number; lists: string; has_filters: number }>(
      `SELECT
         EXISTS (SELECT 1 FROM blocks WHERE account_id = ?1) OR EXISTS (SELECT 1 FROM blocked_by WHERE account_id = ?1) AS blocked,
         (SELECT json_object('reblogs', reblogs, 'notify', notify, 'languages', languages) FROM following WHERE account_id = ?1 AND state = 'accepted') AS follow,
         EXISTS (SELECT 1 FROM list_accounts JOIN lists ON lists.id = list_accounts.list_id WHERE list_accounts.account_id = ?1 AND lists.exclusive = 1) AS exclusive,
         EXISTS (SELECT 1 FROM blocks WHERE account_id IN (SELECT value FROM json_each(?2)))
           OR EXISTS (SELECT 1 FROM mutes WHERE (expires_at IS NULL OR expires_at > ?3) AND account_id IN (SELECT value FROM json_each(?2))) AS blocked_or_muted,
         EXISTS (SELECT 1 FROM following WHERE account_id = ?4 AND state = 'accepted') AS follows_parent,
         EXISTS (SELECT 1 FROM blocked_by WHERE account_id = ?5) AS reblog_blocks_me,
         (SELECT json_group_array(json_object('id', lists.id, 'replies_policy', lists.replies_policy,
            'has_parent', EXISTS (SELECT 1 FROM list_accounts AS p WHERE p.list_id = lists.id AND p.account_id = ?4)))
          FROM list_accounts JOIN lists ON lists.id = list_accounts.list_id WHERE list_accounts.account_id = ?1) AS lists,
         EXISTS (SELECT 1 FROM filters) AS has_filters`,
      s.account.id,
      JSON.stringify([...involved]),
      new Date().toISOString(),
      s.in_reply_to_account_id,
      s.reblog?.account.id ?? null,
    )
    .one();
  return {
    blocked: row.blocked === 1,
    follow: row.follow ? (JSON.parse(row.follow) as Follow) : null,
    exclusive: row.exclusive === 1,
    blockedOrMuted: row.blocked_or_muted === 1,
    followsParent: row.follows_parent === 1,
    reblogAuthorBlocksMe: row.reblog_blocks_me === 1,
    lists: JSON.parse(row.lists) as FeedFacts["lists"],
    hasFilters: row.has_filters === 1,
  };
}

/**
 * Handles a status from another account; idempotent (a retried fan-out changes nothing).
 * `input` may be the status as JSON (what fan-out sends: a string is far cheaper to pass
 * between objects than a nested record, and it is what home stores anyway).
 */
export function receiveStatus(host: AccountObject, input: StatusRecord | string, via: Delivery, participants?: AccountSnapshot[]): void {
  const sql = host.sql;
  const me = host.accountId();
  const json = typeof input === "string" ? input : undefined;
  const status = typeof input === "string" ? (JSON.parse(input) as StatusRecord) : input;
  if (status.account.id === me) return;
  const facts = feedFacts(sql, me, status);
  if (facts.blocked) return;
  const follow = facts.follow;
  const mentioned = status.mentions.some((m) => m.id === me);
  const wanted = via === "tag" ? followsTagOf(sql, status) : follow !== null && (status.visibility !== "direct" || mentioned);
  const home = wanted && !filteredFromHome(me, status, facts, via);
  const intoHome = home && !isReblogSeen(sql, status);
  // Streamed (only if it goes into home) before the writes, so the event need not wait for them.
  if (intoHome) publishAdmitted(sql, status, homeView(status, via, facts));
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
 * What the home rules above already decided about how this account sees a status it just
 * took into home, so streaming it need not ask again (see render.ts `viewAdmitted`). Only
 * for an original status from a followed author: every account that visibility would hide
 * it for (author blocked either way or muted; private without the follow; direct without a
 * mention) was already kept out of home. Boosts and hashtag deliveries: null (full check).
 */
function homeView(s: StatusRecord, via: Delivery, facts: FeedFacts): Admitted {
  return via === "author" && !s.reblog && facts.follow ? { visible: true, hasFilters: facts.hasFilters } : { visible: null };
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
export function refreshCopies(sql: SqlStorage, status: StatusRecord): void {
  const json = JSON.stringify(status);
  publishToUser(sql, { event: "status.update", status });
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

export async function receiveStatusUpdate(host: AccountObject, status: StatusRecord): Promise<void> {
  const sql = host.sql;
  const me = host.accountId();
  if (status.account.id === me) return;
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

export function receiveStatusDelete(host: AccountObject, deleted: StatusDeleted): void {
  const sql = host.sql;
  if (deleted.author_id === host.accountId()) return;
  host.storage.transactionSync(() => dropCopies(sql, deleted.id));
}
