import { toSnapshot, type AccountSnapshot, type StatusRecord, type Visibility } from "../../schemas/records";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";
import { accountStub } from "../../core/stubs";
import { recordDirectStatus } from "./conversations";
import { dropCopies, refreshCopies } from "./home";
import { queueStatusFederation, type StatusOp } from "./federation-statuses";
import { addToInstanceTimelines, removeFromInstanceTimelines, updateInstanceTimelines } from "../timeline/instance-timelines";
import { localAccountIds } from "../federation/account-owners";
import { boosterIds, hydrate, ownRow } from "./status-rows";
import { carded, LATE_CARD_JOB } from "./link-cards";
import { formerFollowersSince } from "./surface-schema";
import { snowflakeTime } from "../../lib/ids";
import type { FanoutOp, FanoutPage, StatusDeleted } from "../../schemas/calls";

/** The author-side fan-out jobs, queued with each status change (statuses.ts). */
accountJobs
  .register("status.created", (host, payload: { status: StatusRecord }) => fanOutCreated(host, payload.status))
  .register("status.updated", (host, payload: { status: StatusRecord }) => fanOutUpdated(host, payload.status))
  .register("status.deleted", (host, payload: StatusDeleted) => fanOutDeleted(host, payload))
  .register("status.fanout", (host, payload) => fanOutPage(host, payload))
  .register(LATE_CARD_JOB, (host, payload: { id: string }) => fanOutLateCard(host, payload.id));

/**
 * The author side of fan-out on write (jobs run by the author's object, see home.ts for the
 * registration): a new, edited or deleted status goes to the public and hashtag timelines and
 * to every local follower's and mentioned account's object. Followers are read a page at a
 * time; each further page is its own durable job, so a large audience never makes one
 * invocation run long, and a retried page changes nothing (the receivers are idempotent).
 */

const FOLLOWERS_PER_PAGE = 200;
const PARALLEL_CALLS = 25;

export async function fanOutCreated(host: AccountHost, created: StatusRecord): Promise<void> {
  const me = host.accountId();
  await federate(host, { op: "create", status: created });
  const status = await carded(host, created);
  let participants: AccountSnapshot[] | undefined;
  if (status.visibility === "direct" && !status.reblog) {
    participants = await participantsOf(host.env, status);
    host.storage.transactionSync(() => recordDirectStatus(host.sql, me, status, participants!, false));
  }
  // Followers (whose streams wait for it) need not wait for the public and hashtag timelines.
  await allOrFirstFailure([
    addToInstanceTimelines(host.env, status),
    fanOutPage(host, { op: { kind: "create", status, participants }, after: null, extra: mentionedLocal(status, me) }),
  ]);
}

export async function fanOutUpdated(host: AccountHost, updated: StatusRecord): Promise<void> {
  await federate(host, { op: "update", status: updated });
  const status = await carded(host, updated);
  host.storage.transactionSync(() => refreshCopies(host.sql, status));
  if (!status.reblog) await updateInstanceTimelines(host.env, status);
  const extra = [...mentionedLocal(status, host.accountId()), ...boosterIds(host.sql, status.id)];
  await fanOutPage(host, { op: { kind: "update", status }, after: null, extra });
}

/**
 * A preview card that arrived after its status went out (link-cards.ts): the copies get it
 * quietly (no federation, notification or stream event: only the card changed). Idempotent:
 * a retry sends the card again.
 */
export async function fanOutLateCard(host: AccountHost, id: string): Promise<void> {
  const account = host.record();
  const row = ownRow(host.sql, id);
  if (!account || !row || row.reblog_of_id) return;
  const status = await carded(host, hydrate(host.sql, toSnapshot(account), [row])[0], null);
  if (!status.card) return;
  host.storage.transactionSync(() => refreshCopies(host.sql, status, false));
  if (status.visibility === "public") await updateInstanceTimelines(host.env, status, true);
  const extra = [...mentionedLocal(status, host.accountId()), ...boosterIds(host.sql, id)];
  await fanOutPage(host, { op: { kind: "update", status, quiet: true }, after: null, extra });
}

export async function fanOutDeleted(host: AccountHost, deleted: StatusDeleted): Promise<void> {
  await federate(host, { op: "delete", deleted });
  host.storage.transactionSync(() => dropCopies(host.sql, deleted.id));
  if (!deleted.reblog_of_id) await removeFromInstanceTimelines(host.env, deleted.id, deleted.tags ?? []);
  // Everyone who may hold a notification of it: mentioned accounts, boosters (update
  // notifications), and followers who left after it was posted (status notifications).
  const former = deleted.visibility === "direct" ? [] : formerFollowersSince(host.sql, snowflakeTime(deleted.id));
  const extra = [...(deleted.mention_ids ?? []), ...(deleted.booster_ids ?? boosterIds(host.sql, deleted.id)), ...former];
  await fanOutPage(host, { op: { kind: "delete", deleted }, after: null, extra });
}

/** Delivers one page of recipients; queues the next page as a new job. */
export async function fanOutPage(host: AccountHost, page: FanoutPage): Promise<void> {
  const me = host.accountId();
  // Direct statuses reach mentioned accounts only (they are in `extra`).
  // One row beyond the page says whether a next page exists (no empty job after a full page).
  const read = visibilityOf(page.op) === "direct" ? [] : localFollowersAfter(host.sql, page.after);
  const followers = read.slice(0, FOLLOWERS_PER_PAGE);
  // A remote booster's copy follows through the watchers job (status-peers.ts), not through here.
  const extra = page.after === null ? await localAccountIds(host.env, page.extra) : [];
  const recipients = [...new Set([...extra, ...followers])].filter((id) => id !== me);
  await deliverAll(host.env, recipients, page.op);
  if (read.length > FOLLOWERS_PER_PAGE) {
    host.enqueue("status.fanout", { op: page.op, after: followers[followers.length - 1], extra: [] } satisfies FanoutPage);
    await host.wake();
  }
}

/**
 * Calls each recipient's object. A new status goes in two rounds: the first reaches every
 * live listener (a recipient with nobody listening stores it in that same call), the second
 * stores it where the first only streamed. So the last socket hears of a post after one call
 * per recipient, not after every recipient before it has also written its timelines.
 */
async function deliverAll(env: Env, recipients: string[], op: FanoutOp): Promise<void> {
  if (op.kind !== "create") return failOnAny(await callEach(recipients, deliveryOf(env, op)));
  const json = JSON.stringify(op.status);
  const toStore: { id: string; streamed: boolean }[] = [];
  const offered = await callEach(recipients, async (id) => {
    if ((await accountStub(env, id).streamStatus(json, op.participants)) === "streamed") toStore.push({ id, streamed: true });
  });
  // A first call that failed may or may not have streamed: the second does everything (at worst the event comes twice).
  for (const id of offered.failed) toStore.push({ id, streamed: false });
  failOnAny(await callEach(toStore, (r) => accountStub(env, r.id).receiveStatus(json, "author", op.participants, r.streamed)));
}

/** Any failure fails (and retries) the page, once every call has settled; the receivers are idempotent. */
function failOnAny(round: { reasons: unknown[] }): void {
  if (round.reasons.length) throw round.reasons[0];
}

/** Calls `call` for every item, at most PARALLEL_CALLS in flight (a finished call starts the next one); collects the failures. */
async function callEach<T>(items: T[], call: (item: T) => Promise<void>): Promise<{ failed: T[]; reasons: unknown[] }> {
  let next = 0;
  const failed: T[] = [];
  const reasons: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await call(item);
      } catch (reason) {
        failed.push(item);
        reasons.push(reason);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_CALLS, items.length) }, worker));
  return { failed, reasons };
}

/** The one place an edit or a delete reaches another account; a remote branch (federation) goes here. */
function deliveryOf(env: Env, op: Exclude<FanoutOp, { kind: "create" }>): (accountId: string) => Promise<void> {
  if (op.kind === "update") return (id) => accountStub(env, id).receiveStatusUpdate(op.status, op.quiet);
  return (id) => accountStub(env, id).receiveStatusDelete(op.deleted);
}

/** Waits for every task; then fails with the first failure, if any (a retried job redoes all, idempotently). */
async function allOrFirstFailure(tasks: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

function visibilityOf(op: FanoutOp): Visibility | undefined {
  return op.kind === "delete" ? op.deleted.visibility : op.status.visibility;
}

/** The remote audience (followers' inboxes, remote mentions) is reached by its own durable job. */
async function federate(host: AccountHost, op: StatusOp): Promise<void> {
  queueStatusFederation(host, op);
  await host.wake();
}

/** Accepted local followers after `after`, one page and one more (remote followers are delivered to by federation: federation-out.ts). */
function localFollowersAfter(sql: SqlStorage, after: string | null): string[] {
  return sql
    .exec<{ account_id: string }>(
      `SELECT account_id FROM followers WHERE inbox IS NULL AND account_id > ?
       AND account_id NOT IN (SELECT account_id FROM remote_followers) ORDER BY account_id LIMIT ?`,
      after ?? "",
      FOLLOWERS_PER_PAGE + 1,
    )
    .toArray()
    .map((r) => r.account_id);
}

function mentionedLocal(s: StatusRecord, me: string): string[] {
  return s.mentions.filter((m) => m.domain === null && m.id !== me).map((m) => m.id);
}

/** Everyone in a direct conversation, as full snapshots (for Conversation.accounts). */
async function participantsOf(env: Env, s: StatusRecord): Promise<AccountSnapshot[]> {
  const mentioned = await Promise.all(
    s.mentions.filter((m) => m.domain === null && m.id !== s.account.id).map((m) => accountStub(env, m.id).get()),
  );
  return [s.account, ...mentioned.filter((a) => a !== null).map(toSnapshot)];
}
