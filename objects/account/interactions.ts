import { boostRecord, isListedAccount, toSnapshot, type AccountSnapshot, type StatusRecord, type Visibility } from "../../schemas/records";
import { fail, ok, type Result } from "../../lib/result";
import type { Page } from "../../schemas/paging";
import { snowflake } from "../../lib/ids";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";
import { addNotification } from "./notifications";
import { flagsFor, type Viewed } from "./viewer";
import { selectPage } from "./id-page";
import { authorAllows, hydrate, isThreaded, ownRow, POLL_EXPIRE_JOB, writeInteractionRow } from "./status-rows";
import { deliverPollEnded, deliverWatchedChange, fetchVisibleStatus, interactWith, NOT_FOUND } from "./status-peers";
import { applicationOf, linkNow, removeStatus, storeNewStatus, SYNC_JOB, viewed } from "./statuses";
import { queueFeatured } from "./federation-out";
import { refreshCopies, WATCHERS_JOB } from "./status-copies";
import type { Viewer } from "../../schemas/auth";
import type { Interaction, InteractionOutcome, ViewedStatus, WatchedChange } from "../../schemas/calls";

/**
 * Favourites, boosts, bookmarks, pins, conversation mutes and poll votes: the viewer's side
 * (its own tables) and the author's side (counts, who-did-it lists, notifications). The
 * viewer's object asks the author's object first (`receiveInteraction`), then records its
 * own half; both halves are idempotent, so a repeated request changes nothing twice.
 */

// ----- author side -----

const NOT_ALLOWED = "This action is not allowed";
/** Kinds that only undo or bookkeep: no visibility check, no redirect from a boost. */
const BOOKKEEPING = new Set(["unreblog", "reply", "unreply"]);

export async function receiveInteraction(host: AccountHost, interaction: Interaction, actor: AccountSnapshot): Promise<Result<InteractionOutcome>> {
  const account = host.record();
  const row = ownRow(host.sql, interaction.statusId);
  if (!account || !isListedAccount(account) || !row) return fail(404, NOT_FOUND);
  const me = toSnapshot(account);
  const [record] = hydrate(host.sql, me, [row]);
  if (row.reblog_of_id && record.reblog && !BOOKKEEPING.has(interaction.kind)) {
    return ok({ status: record, redirect: { id: record.reblog.id, accountId: record.reblog.account.id }, reblogId: null });
  }
  if (!BOOKKEEPING.has(interaction.kind) && authorAllows(host.sql, account.id, actor.id, [record]).length === 0) return fail(404, NOT_FOUND);
  const refused = refusal(host, interaction, actor, record);
  if (refused) return refused;
  let reblogId: string | null = null;
  host.storage.transactionSync(() => {
    const countsChanged = writeAuthorSide(host, interaction, actor, record);
    if (countsChanged && isThreaded(row)) host.enqueue(SYNC_JOB, { id: row.id });
    if (interaction.kind === "reblog") {
      reblogId = host.sql.exec<{ reblog_id: string }>("SELECT reblog_id FROM reblogged_by WHERE status_id = ? AND account_id = ?", row.id, actor.id).one().reblog_id;
    }
  });
  await host.wake();
  return ok({ status: hydrate(host.sql, me, [ownRow(host.sql, row.id)!])[0], redirect: null, reblogId });
}

/** Why an interaction is refused (Mastodon's messages), or null. */
function refusal(host: AccountHost, interaction: Interaction, actor: AccountSnapshot, status: StatusRecord): Result<never> | null {
  if (interaction.kind === "reblog") {
    const ownPrivate = status.visibility === "private" && actor.id === status.account.id;
    if (status.visibility === "direct" || (status.visibility === "private" && !ownPrivate)) return fail(403, NOT_ALLOWED);
  }
  if (interaction.kind === "vote") return voteRefusal(host, interaction.choices, actor, status);
  return null;
}

function voteRefusal(host: AccountHost, choices: number[], actor: AccountSnapshot, status: StatusRecord): Result<never> | null {
  const poll = status.poll;
  if (!poll) return fail(404, NOT_FOUND);
  const invalid = (why: string) => fail(422, `Validation failed: ${why}`);
  if (poll.expires_at && Date.parse(poll.expires_at) <= Date.now()) return invalid("The poll has already ended");
  if (actor.id === status.account.id) return invalid("You cannot vote in your own polls");
  const inRange = choices.every((c) => Number.isInteger(c) && c >= 0 && c < poll.options.length);
  if (choices.length === 0 || !inRange || new Set(choices).size !== choices.length) return invalid("The chosen vote option does not exist");
  const earlier = host.sql.exec<{ choice: number }>("SELECT choice FROM poll_votes WHERE status_id = ? AND account_id = ?", status.id, actor.id).toArray().map((r) => r.choice);
  if (!poll.multiple) return earlier.length > 0 || choices.length > 1 ? invalid("You have already voted on this poll") : null;
  // A multiple-choice poll takes further choices later (Mastodon's PollVoteValidator refuses only
  // a choice already made); a remote voter sends one activity per choice (federation).
  return choices.some((c) => earlier.includes(c)) ? invalid("You have already voted on this poll") : null;
}

/** Writes the author's half of an interaction; true if a count shown in threads changed. Inside a transaction. */
function writeAuthorSide(host: AccountHost, interaction: Interaction, actor: AccountSnapshot, status: StatusRecord): boolean {
  const sql = host.sql;
  if (interaction.kind === "vote") {
    for (const choice of interaction.choices) sql.exec("INSERT OR IGNORE INTO poll_votes (status_id, account_id, choice) VALUES (?, ?, ?)", status.id, actor.id, choice);
    return false;
  }
  if (!writeInteractionRow(sql, interaction, actor)) return false;
  if (interaction.kind === "reblog") {
    // reblogged_by lists public and unlisted boosts only; a boost of a private status is private.
    const visibility = status.visibility === "private" ? "private" : (interaction.visibility ?? "public");
    sql.exec("UPDATE reblogged_by SET visibility = ? WHERE status_id = ? AND account_id = ?", visibility, status.id, actor.id);
  }
  switch (interaction.kind) {
    case "favourite":
    case "reblog":
      if (actor.id !== status.account.id) addNotification(sql, { type: interaction.kind, from: actor, status });
      return true;
    case "unfavourite":
    case "unreblog": {
      const type = interaction.kind === "unfavourite" ? "favourite" : "reblog";
      sql.exec("DELETE FROM notifications WHERE type = ? AND from_account_id = ? AND status_id = ?", type, actor.id, status.id);
      return true;
    }
    default:
      return false;
  }
}

/** `favourited_by` / `reblogged_by` of one of this account's statuses, if the viewer may see it. */
export function interactionAccounts(
  host: AccountHost,
  statusId: string,
  viewerId: string | null,
  list: "favourited_by" | "reblogged_by",
  page: Page,
): Result<{ status: StatusRecord; accounts: { cursor: string; account: AccountSnapshot }[] }> {
  const account = host.record();
  const row = ownRow(host.sql, statusId);
  if (!account || !isListedAccount(account) || !row) return fail(404, NOT_FOUND);
  const [record] = hydrate(host.sql, toSnapshot(account), [row]);
  if (authorAllows(host.sql, account.id, viewerId, [record]).length === 0) return fail(404, NOT_FOUND);
  const idColumn = list === "favourited_by" ? "id" : "reblog_id";
  const rows = selectPage<{ cursor: string; snapshot: string }>(host.sql, {
    columns: `${idColumn} AS cursor, snapshot`,
    from: list,
    idColumn,
    // Mastodon lists public and unlisted boosts only.
    filter: list === "reblogged_by" ? "status_id = ? AND visibility IN ('public', 'unlisted')" : "status_id = ?",
    filterParams: [statusId],
    page,
  });
  return ok({ status: record, accounts: rows.map((r) => ({ cursor: r.cursor, account: JSON.parse(r.snapshot) as AccountSnapshot })) });
}

// ----- viewer side -----

export type StatusAction = "favourite" | "unfavourite" | "reblog" | "unreblog" | "bookmark" | "unbookmark" | "pin" | "unpin" | "mute" | "unmute";

/** The OAuth scope each action needs (Mastodon's controllers). */
export const ACTION_SCOPES: Record<StatusAction, string> = {
  favourite: "write:favourites",
  unfavourite: "write:favourites",
  reblog: "write:statuses",
  unreblog: "write:statuses",
  bookmark: "write:bookmarks",
  unbookmark: "write:bookmarks",
  pin: "write:accounts",
  unpin: "write:accounts",
  mute: "write:mutes",
  unmute: "write:mutes",
};

export interface ActionOptions {
  visibility?: Visibility;
}

const MAX_PINNED = 5;

/** One interaction of the viewer with a status; returns the status as the viewer now sees it. */
export async function act(host: AccountHost, viewer: Viewer, action: StatusAction, statusId: string, options: ActionOptions = {}): Promise<Result<ViewedStatus>> {
  const actor = toSnapshot(viewer.account);
  const sql = host.sql;
  switch (action) {
    case "favourite":
    case "bookmark": {
      const out = await interactWith(host, statusId, { kind: action }, actor);
      if (!out.ok) return out;
      const s = out.value.status;
      sql.exec(`INSERT OR IGNORE INTO ${action}s (status_id, id, author_id, snapshot) VALUES (?, ?, ?, ?)`, s.id, snowflake(), s.account.id, JSON.stringify(s));
      return ok(viewed(host, actor.id, s));
    }
    case "unfavourite":
    case "unbookmark": {
      const table = action === "unfavourite" ? "favourites" : "bookmarks";
      const out = await interactWith(host, statusId, { kind: action }, actor);
      sql.exec(`DELETE FROM ${table} WHERE status_id = ?`, out.ok ? out.value.status.id : statusId);
      return out.ok ? ok(viewed(host, actor.id, out.value.status)) : out;
    }
    case "reblog":
      return reblog(host, viewer, statusId, options);
    case "unreblog":
      return unreblog(host, actor, statusId);
    case "pin":
    case "unpin":
      return pin(host, actor, statusId, action === "pin");
    case "mute":
    case "unmute": {
      const out = await interactWith(host, statusId, { kind: "check" }, actor);
      if (!out.ok) return out;
      const conversation = out.value.status.conversation_id;
      if (action === "mute") sql.exec("INSERT OR IGNORE INTO muted_conversations (conversation_id) VALUES (?)", conversation);
      else sql.exec("DELETE FROM muted_conversations WHERE conversation_id = ?", conversation);
      return ok(viewed(host, actor.id, out.value.status));
    }
  }
}

function ownBoostOf(host: AccountHost, statusId: string): string | null {
  return host.sql.exec<{ id: string }>("SELECT id FROM statuses WHERE reblog_of_id = ? LIMIT 1", statusId).toArray()[0]?.id ?? null;
}

function viewOwn(host: AccountHost, viewerId: string, id: string): ViewedStatus {
  return viewed(host, viewerId, hydrate(host.sql, toSnapshot(host.record()!), [ownRow(host.sql, id)!])[0]);
}

/** Boosting twice returns the first boost (Mastodon's ReblogService). */
async function reblog(host: AccountHost, viewer: Viewer, statusId: string, options: ActionOptions): Promise<Result<ViewedStatus>> {
  const actor = toSnapshot(viewer.account);
  const earlier = ownBoostOf(host, statusId);
  if (earlier) return ok(viewOwn(host, actor.id, earlier));
  const out = await interactWith(host, statusId, { kind: "reblog", reblogId: snowflake(), visibility: options.visibility ?? "public" }, actor);
  if (!out.ok) return out;
  const original = out.value.status;
  const boostId = out.value.reblogId!;
  const now = new Date().toISOString();
  const visibility: Visibility = original.visibility === "private" ? "private" : (options.visibility ?? "public");
  const boost = boostRecord({ id: boostId, uri: null, account: actor, original, visibility, created_at: now, application: applicationOf(viewer) });
  let existing: string | null = null;
  host.storage.transactionSync(() => {
    existing = ownBoostOf(host, original.id) ?? (ownRow(host.sql, boostId) ? boostId : null);
    if (!existing) storeNewStatus(host, boost, "");
  });
  if (existing) return ok(viewOwn(host, actor.id, existing));
  await linkNow(host, boostId);
  await host.wake();
  return ok(viewOwn(host, actor.id, boostId));
}

/** Removes the viewer's boost of a status (given the boosted id or the boost's own id). */
async function unreblog(host: AccountHost, actor: AccountSnapshot, statusId: string): Promise<Result<ViewedStatus>> {
  const own = ownRow(host.sql, statusId);
  const boostId = own?.reblog_of_id ? own.id : ownBoostOf(host, statusId);
  const originalId = own?.reblog_of_id ?? statusId;
  if (boostId) {
    const removed = await removeStatus(host, boostId);
    if (!removed.ok) return removed;
  }
  const original = await fetchVisibleStatus(host, originalId, actor.id);
  return original ? ok(viewed(host, actor.id, original)) : fail(404, NOT_FOUND);
}

async function pin(host: AccountHost, actor: AccountSnapshot, statusId: string, pinning: boolean): Promise<Result<ViewedStatus>> {
  const row = ownRow(host.sql, statusId);
  if (!row) {
    const other = await fetchVisibleStatus(host, statusId, actor.id);
    if (!other) return fail(404, NOT_FOUND);
    return pinning ? fail(422, "Validation failed: Someone else's post cannot be pinned") : ok(viewed(host, actor.id, other));
  }
  if (pinning && !row.pinned_at) {
    if (row.reblog_of_id) return fail(422, "Validation failed: A boost cannot be pinned");
    if (row.visibility === "direct") return fail(422, "Validation failed: Posts that are only visible to mentioned users cannot be pinned");
    const pinned = host.sql.exec<{ n: number }>("SELECT count(*) AS n FROM statuses WHERE pinned_at IS NOT NULL").one().n;
    if (pinned >= MAX_PINNED) return fail(422, "Validation failed: You have already pinned the maximum number of posts");
    host.storage.transactionSync(() => {
      host.sql.exec("UPDATE statuses SET pinned_at = ? WHERE id = ?", new Date().toISOString(), statusId);
      queueFeatured(host, statusId, true);
    });
    await host.wake();
  }
  if (!pinning && row.pinned_at) {
    host.storage.transactionSync(() => {
      host.sql.exec("UPDATE statuses SET pinned_at = NULL WHERE id = ?", statusId);
      queueFeatured(host, statusId, false);
    });
    await host.wake();
  }
  return ok(viewOwn(host, actor.id, statusId));
}

/** `POST /api/v1/polls/:id/votes`: the author's object checks and counts, the voter remembers. */
export async function vote(host: AccountHost, viewer: Viewer, pollId: string, choices: number[]): Promise<Result<ViewedStatus>> {
  const actor = toSnapshot(viewer.account);
  const out = await interactWith(host, pollId, { kind: "vote", choices }, actor);
  if (!out.ok) return out;
  if (out.value.redirect) return fail(404, NOT_FOUND);
  const before = host.sql.exec<{ choices: string }>("SELECT choices FROM own_votes WHERE status_id = ?", out.value.status.id).toArray()[0];
  const all = [...new Set([...(before ? (JSON.parse(before.choices) as number[]) : []), ...choices])].sort((a, b) => a - b);
  host.sql.exec("INSERT OR REPLACE INTO own_votes (status_id, choices) VALUES (?, ?)", out.value.status.id, JSON.stringify(all));
  return ok(viewed(host, actor.id, out.value.status));
}

/** `GET /api/v1/favourites` and `/api/v1/bookmarks`: the viewer's own rows, newest first. */
export function savedStatuses(host: AccountHost, viewer: Viewer, table: "favourites" | "bookmarks", page: Page): Viewed & { cursors: string[] } {
  const rows = selectPage<{ id: string; snapshot: string }>(host.sql, { columns: "id, snapshot", from: table, idColumn: "id", page });
  const statuses = rows.map((r) => JSON.parse(r.snapshot) as StatusRecord);
  return { statuses, flags: flagsFor(host.sql, viewer.account.id, statuses), cursors: rows.map((r) => r.id) };
}

// ----- copies of a status held by others (favourites, bookmarks, boosts, votes) -----

const WATCHER_BATCH = 50;

export async function applyWatchedChange(host: AccountHost, change: WatchedChange): Promise<void> {
  if (!host.record()) return;
  if (change.kind === "update") {
    host.storage.transactionSync(() => refreshCopies(host, change.status, change.pollReset));
    return;
  }
  const sql = host.sql;
  for (const table of ["favourites", "bookmarks", "own_votes"]) sql.exec(`DELETE FROM ${table} WHERE status_id = ?`, change.statusId);
  // A voter's `poll` notification goes with the status, followed or not.
  sql.exec("DELETE FROM notifications WHERE status_id = ?", change.statusId);
  const boosts = sql.exec<{ id: string }>("SELECT id FROM statuses WHERE reblog_of_id = ?", change.statusId).toArray();
  for (const b of boosts) await removeStatus(host, b.id);
}

accountJobs.register(WATCHERS_JOB, async (host, payload: { change: WatchedChange; accounts: string[] }) => {
  for (let i = 0; i < payload.accounts.length; i += WATCHER_BATCH) {
    await Promise.all(payload.accounts.slice(i, i + WATCHER_BATCH).map((id) => deliverWatchedChange(host, id, payload.change)));
  }
});

// ----- poll results -----

/** The `poll` notification, once per poll, from the poll's author. */
export async function receivePollEnded(host: AccountHost, status: StatusRecord): Promise<void> {
  if (!host.record()) return;
  const sql = host.sql;
  if (sql.exec("SELECT 1 FROM notifications WHERE type = 'poll' AND status_id = ?", status.id).toArray().length) return;
  addNotification(sql, { type: "poll", from: status.account, status });
}

accountJobs.register(POLL_EXPIRE_JOB, async (host, payload: { id: string; expires_at: string }) => {
  const row = ownRow(host.sql, payload.id);
  const account = host.record();
  if (!row || !account) return;
  const [status] = hydrate(host.sql, toSnapshot(account), [row]);
  if (status.poll?.expires_at !== payload.expires_at) return;
  await receivePollEnded(host, status);
  const voters = host.sql.exec<{ account_id: string }>("SELECT DISTINCT account_id FROM poll_votes WHERE status_id = ?", payload.id).toArray().map((r) => r.account_id);
  await deliverPollEnded(host, voters, status);
});
