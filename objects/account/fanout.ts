import { toSnapshot, type AccountSnapshot, type StatusRecord, type Visibility } from "../../schemas/records";
import type { AccountObject } from "./account-object";
import { accountStub, publicTimelineStub, tagTimelineStub } from "../../worker/stubs";
import { recordDirectStatus } from "./conversations";
import { dropCopies, refreshCopies } from "./home";
import { queueStatusFederation, type StatusOp } from "./federation-statuses";

/**
 * The author side of fan-out on write (jobs run by the author's object, see home.ts for the
 * registration): a new, edited or deleted status goes to the public and hashtag timelines and
 * to every local follower's and mentioned account's object. Followers are read a page at a
 * time; each further page is its own durable job, so a large audience never makes one
 * invocation run long, and a retried page changes nothing (the receivers are idempotent).
 */

/** Payload of `status.deleted`. The optional fields let the delete reach every place the status went. */
export interface StatusDeleted {
  id: string;
  conversation_id: string;
  reblog_of_id: string | null;
  author_id: string;
  visibility?: Visibility;
  tags?: string[];
  mention_ids?: string[];
  booster_ids?: string[];
}

type Op =
  | { kind: "create"; status: StatusRecord; participants?: AccountSnapshot[] }
  | { kind: "update"; status: StatusRecord }
  | { kind: "delete"; deleted: StatusDeleted };

export interface FanoutPage {
  op: Op;
  /** Last follower id delivered by the previous page; null on the first page. */
  after: string | null;
  /** Recipients besides followers (mentioned accounts, boosters), served with the first page. */
  extra: string[];
}

const FOLLOWERS_PER_PAGE = 200;
const PARALLEL_CALLS = 50;

export async function fanOutCreated(host: AccountObject, status: StatusRecord): Promise<void> {
  const me = host.accountId();
  await federate(host, { op: "create", status });
  if (onPublicTimeline(status)) await publicTimelineStub(host.env).add(status);
  // Public replies to others are not listed, but are searchable and count as hashtag uses (search work).
  else if (status.visibility === "public" && !status.reblog) await publicTimelineStub(host.env).catalog(status);
  if (onTagTimelines(status)) await Promise.all(status.tags.map((tag) => tagTimelineStub(host.env, tag).add(status)));
  let participants: AccountSnapshot[] | undefined;
  if (status.visibility === "direct" && !status.reblog) {
    participants = await participantsOf(host.env, status);
    host.storage.transactionSync(() => recordDirectStatus(host.sql, me, status, participants!, false));
  }
  await fanOutPage(host, { op: { kind: "create", status, participants }, after: null, extra: mentionedLocal(status, me) });
}

export async function fanOutUpdated(host: AccountObject, status: StatusRecord): Promise<void> {
  await federate(host, { op: "update", status });
  host.storage.transactionSync(() => refreshCopies(host.sql, status));
  if (!status.reblog) await updateInstanceTimelines(host.env, status);
  const extra = [...mentionedLocal(status, host.accountId()), ...boostersOf(host.sql, status.id)];
  await fanOutPage(host, { op: { kind: "update", status }, after: null, extra });
}

export async function fanOutDeleted(host: AccountObject, deleted: StatusDeleted): Promise<void> {
  await federate(host, { op: "delete", deleted });
  host.storage.transactionSync(() => dropCopies(host.sql, deleted.id));
  if (!deleted.reblog_of_id) {
    const listed = await publicTimelineStub(host.env).remove(deleted.id);
    const tags = [...new Set([...(deleted.tags ?? []), ...(listed ?? [])])];
    await Promise.all(tags.map((tag) => tagTimelineStub(host.env, tag).remove(deleted.id)));
  }
  const extra = [...(deleted.mention_ids ?? []), ...(deleted.booster_ids ?? boostersOf(host.sql, deleted.id))];
  await fanOutPage(host, { op: { kind: "delete", deleted }, after: null, extra });
}

/** Delivers one page of recipients; queues the next page as a new job. */
export async function fanOutPage(host: AccountObject, page: FanoutPage): Promise<void> {
  const me = host.accountId();
  // Direct statuses reach mentioned accounts only (they are in `extra`).
  const followers = visibilityOf(page.op) === "direct" ? [] : localFollowersAfter(host.sql, page.after);
  const recipients = [...new Set([...(page.after === null ? page.extra : []), ...followers])].filter((id) => id !== me);
  await deliverAll(host.env, recipients, page.op);
  if (followers.length === FOLLOWERS_PER_PAGE) {
    host.enqueue("status.fanout", { op: page.op, after: followers[followers.length - 1], extra: [] } satisfies FanoutPage);
    await host.wake();
  }
}

/** Calls the recipients' objects, PARALLEL_CALLS at a time; any failure fails (and retries) the page. */
async function deliverAll(env: Env, recipients: string[], op: Op): Promise<void> {
  for (let i = 0; i < recipients.length; i += PARALLEL_CALLS) {
    const batch = recipients.slice(i, i + PARALLEL_CALLS);
    const results = await Promise.allSettled(batch.map((id) => deliverTo(env, id, op)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}

/** The one place a status reaches another account; a remote branch (federation) goes here. */
function deliverTo(env: Env, accountId: string, op: Op): Promise<void> {
  const stub = accountStub(env, accountId);
  if (op.kind === "create") return stub.receiveStatus(op.status, "author", op.participants);
  if (op.kind === "update") return stub.receiveStatusUpdate(op.status);
  return stub.receiveStatusDelete(op.deleted);
}

function visibilityOf(op: Op): Visibility | undefined {
  return op.kind === "delete" ? op.deleted.visibility : op.status.visibility;
}

/** The remote audience (followers' inboxes, remote mentions) is reached by its own durable job. */
async function federate(host: AccountObject, op: StatusOp): Promise<void> {
  queueStatusFederation(host, op);
  await host.wake();
}

/** Accepted local followers (remote followers are delivered to by federation: federation-out.ts). */
function localFollowersAfter(sql: SqlStorage, after: string | null): string[] {
  return sql
    .exec<{ account_id: string }>(
      `SELECT account_id FROM followers WHERE inbox IS NULL AND account_id > ?
       AND account_id NOT IN (SELECT account_id FROM remote_followers) ORDER BY account_id LIMIT ?`,
      after ?? "",
      FOLLOWERS_PER_PAGE,
    )
    .toArray()
    .map((r) => r.account_id);
}

function mentionedLocal(s: StatusRecord, me: string): string[] {
  return s.mentions.filter((m) => m.domain === null && m.id !== me).map((m) => m.id);
}

function boostersOf(sql: SqlStorage, statusId: string): string[] {
  return sql.exec<{ account_id: string }>("SELECT account_id FROM reblogged_by WHERE status_id = ?", statusId).toArray().map((r) => r.account_id);
}

/** Mastodon's public timeline leaves out boosts and replies to others; hashtag timelines keep replies. */
function onPublicTimeline(s: StatusRecord): boolean {
  return s.visibility === "public" && !s.reblog && (s.in_reply_to_id === null || s.in_reply_to_account_id === s.account.id);
}

function onTagTimelines(s: StatusRecord): boolean {
  return s.visibility === "public" && !s.reblog && s.tags.length > 0;
}

async function updateInstanceTimelines(env: Env, status: StatusRecord): Promise<void> {
  const previous = (await publicTimelineStub(env).update(status)) ?? [];
  if (!onTagTimelines(status) && previous.length === 0) return;
  const current = new Set(onTagTimelines(status) ? status.tags : []);
  const all = new Set([...current, ...previous]);
  await Promise.all(
    [...all].map(async (tag) => {
      const stub = tagTimelineStub(env, tag);
      if (!current.has(tag)) return void (await stub.remove(status.id));
      if ((await stub.update(status)) === null) await stub.add(status);
    }),
  );
}

/** Everyone in a direct conversation, as full snapshots (for Conversation.accounts). */
async function participantsOf(env: Env, s: StatusRecord): Promise<AccountSnapshot[]> {
  const mentioned = await Promise.all(
    s.mentions.filter((m) => m.domain === null && m.id !== s.account.id).map((m) => accountStub(env, m.id).get()),
  );
  return [s.account, ...mentioned.filter((a) => a !== null).map(toSnapshot)];
}
