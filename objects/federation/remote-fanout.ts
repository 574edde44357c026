import type { AccountSnapshot, StatusRecord, Visibility } from "../../schemas/records";
import type { Result } from "../../lib/result";
import { accountStub, publicTimelineStub, remoteActorStub, tagTimelineStub, threadStub } from "../../core/stubs";
import { indexStatuses, indexStatusUri, unindexStatuses, unindexStatusUri } from "../status-index/locate";

import {
  applyWatchedChange,
  FANOUT_DRAIN_JOB,
  FANOUT_JOB,
  hydrate,
  linksOf,
  LINK_JOB,
  LINK_RETRY_MS,
  queueFanout,
  queueRemoval,
  remoteActorJobs,
  rowById,
  THREAD_SYNC_JOB,
  UNLINK_JOB,
  WATCHERS_JOB,
  type FanoutJob,
  type RemoteHost,
  type RemoteOp,
  type RemoteStatusRow,
  type StatusRef,
  type UnlinkJob,
} from "./remote-statuses";
import { localFollowersAfter, markLifecycle, removeLocalFollower } from "./remote-relations";
import { receiveInteraction } from "./remote-interactions";
import { localAccountIds, remoteActorUris } from "./account-owners";
import { addToInstanceTimelines, onPublicTimeline, onTagTimelines, removeFromInstanceTimelines, updateInstanceTimelines } from "../timeline/instance-timelines";
import { LATE_CARD_DELAY_MS, withCard } from "../link-cards/status-card";
import { boosterIds } from "../account/status-rows";
import type { Interaction, InteractionOutcome, WatchedChange } from "../../schemas/calls";

/**
 * The durable side effects of a RemoteActorObject (its outbox jobs), mirroring what an account
 * object does for its own statuses (statuses.ts link/unlink, fanout.ts): index entries, thread
 * and parent links, fan-out of new/edited/deleted statuses to the local accounts they concern
 * (local followers a page at a time, mentioned accounts, boosters), public and hashtag
 * timelines, copies held by watchers, and the whole-actor cascades (profile change, deletion,
 * move). Every job is idempotent: the receivers are.
 */

const FOLLOWERS_PER_PAGE = 200;
const PARALLEL_CALLS = 50;
const STATUSES_PER_DELETE_PAGE = 50;

// ----- links: indexes, parent, boosted status, thread -----

/** Tells the status's owner (local account, another remote author, or this one) of an interaction. */
export function ownerInteraction(host: RemoteHost, owner: StatusRef, interaction: Interaction, actor: AccountSnapshot): Promise<Result<InteractionOutcome>> {
  if (owner.actorUri && owner.actorUri === host.actor()?.uri) return receiveInteraction(host, interaction, actor);
  if (owner.actorUri) return remoteActorStub(host.env, owner.actorUri).receiveInteraction(interaction, actor);
  return accountStub(host.env, owner.accountId).receiveInteraction(interaction, actor);
}

/** Index entries, the replied-to status's count and thread, the boosted status's count. Idempotent. */
export async function linkStatus(host: RemoteHost, id: string): Promise<void> {
  await linkStatuses(host, [id]);
}

/** `linkStatus` for several statuses (a fan-out drain): the id index is written once per shard. */
async function linkStatuses(host: RemoteHost, ids: string[]): Promise<void> {
  const actor = host.actor();
  const rows = ids.map((id) => rowById(host.sql, id)).filter((row): row is RemoteStatusRow => row !== undefined);
  if (!actor || rows.length === 0) return;
  const entries = rows.map((row) => ({ id: row.id, accountId: actor.id, actorUri: actor.uri }));
  await Promise.all([indexStatuses(host.env, entries), ...rows.map((row, i) => indexStatusUri(host.env, row.uri, entries[i]))]);
  for (const row of rows) {
    const { parent, reblogOf } = linksOf(row);
    if (reblogOf) await ownerInteraction(host, reblogOf, { kind: "reblog", statusId: reblogOf.id, reblogId: row.id, visibility: row.visibility as Visibility }, actor.account);
    if (parent) {
      const replied = await ownerInteraction(host, parent, { kind: "reply", statusId: parent.id, replyId: row.id }, actor.account);
      // The parent is gone: the reply stays, outside the thread (as a local reply would).
      if (replied.ok) await threadStub(host.env, row.conversation_id).link(replied.value.status, hydrate(host, [row])[0]);
    }
  }
}

/**
 * New statuses of a drain are linked before anyone is told of them (storeStatus queued no link
 * job for them: the queued fan-out is their durable record). A failure does not hold the
 * fan-out back: each gets a LINK_JOB, retried like any job.
 */
async function linkCreated(host: RemoteHost, jobs: FanoutJob[]): Promise<void> {
  const ids = jobs.flatMap((job) => (job.op.kind === "create" ? [job.op.status.id] : []));
  if (ids.length === 0) return;
  try {
    await linkStatuses(host, ids);
  } catch (err) {
    console.warn("remote.link deferred", ids.join(","), err instanceof Error ? err.message : err);
    host.storage.transactionSync(() => {
      for (const id of ids) host.enqueue(LINK_JOB, { id }, Date.now() + LINK_RETRY_MS);
    });
  }
}

/** Runs the link step now; the queued LINK_JOB retries it if this fails, and is dropped if it succeeds. */
export async function linkNow(host: RemoteHost, id: string): Promise<void> {
  try {
    await linkStatus(host, id);
    host.sql.exec("DELETE FROM outbox WHERE kind = ? AND payload = ?", LINK_JOB, JSON.stringify({ id }));
  } catch (err) {
    console.warn("remote.link deferred", id, err instanceof Error ? err.message : err);
  }
}

async function unlinkStatus(host: RemoteHost, job: UnlinkJob): Promise<void> {
  if (rowById(host.sql, job.id)) return;
  const actor = host.actor();
  await Promise.all([unindexStatuses(host.env, [job.id]), unindexStatusUri(host.env, job.uri, job.id)]);
  if (!actor) return;
  if (job.reblogOf) await ownerInteraction(host, job.reblogOf, { kind: "unreblog", statusId: job.reblogOf.id }, actor.account);
  if (job.parent) await ownerInteraction(host, job.parent, { kind: "unreply", statusId: job.parent.id, replyId: job.id }, actor.account);
  if (job.quoted) await accountStub(host.env, job.quoted.accountId).receiveUnquote(job.quoted.id, job.id);
  await threadStub(host.env, job.conversation_id).unlink(job.id);
}

async function syncThread(host: RemoteHost, id: string): Promise<void> {
  const row = rowById(host.sql, id);
  if (!row) return;
  await threadStub(host.env, row.conversation_id).update(hydrate(host, [row])[0]);
}

remoteActorJobs
  .register(LINK_JOB, (host, job: { id: string }) => linkStatus(host, job.id))
  .register(UNLINK_JOB, (host, job: UnlinkJob) => unlinkStatus(host, job))
  .register(THREAD_SYNC_JOB, (host, job: { id: string }) => syncThread(host, job.id));

// ----- fan-out to local accounts and instance timelines -----

async function fanOut(host: RemoteHost, job: FanoutJob): Promise<void> {
  if (job.after === null) await instanceTimelines(host.env, job.op);
  const followers = visibilityOf(job.op) === "direct" ? [] : localFollowersAfter(host.sql, job.after, FOLLOWERS_PER_PAGE);
  // Remote boosters' copies follow through the watchers job, not through here.
  const extra = job.after === null ? await localAccountIds(host.env, job.extra) : [];
  const recipients = [...new Set([...extra, ...followers])];
  await inBatches(recipients, (id) => deliverTo(host.env, id, job.op));
  if (followers.length === FOLLOWERS_PER_PAGE) {
    host.enqueue(FANOUT_JOB, { op: job.op, after: followers[followers.length - 1], extra: [] } satisfies FanoutJob);
    await host.wake();
  }
}

/** The one place a remote status reaches a local account (the same receivers local fan-out uses). */
function deliverTo(env: Env, accountId: string, op: RemoteOp): Promise<void> {
  const stub = accountStub(env, accountId);
  if (op.kind === "create") return stub.receiveStatus(op.status, "author", op.participants);
  if (op.kind === "update") return stub.receiveStatusUpdate(op.status, op.quiet);
  return stub.receiveStatusDelete(op.deleted);
}

function visibilityOf(op: RemoteOp): string {
  return op.kind === "delete" ? op.deleted.visibility : op.status.visibility;
}

/** Calls `each` PARALLEL_CALLS at a time; any failure fails (and retries) the job. */
async function inBatches(ids: string[], each: (id: string) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < ids.length; i += PARALLEL_CALLS) {
    const results = await Promise.allSettled(ids.slice(i, i + PARALLEL_CALLS).map(each));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}

/** The same instance timelines as local statuses (objects/timeline/instance-timelines.ts). */
async function instanceTimelines(env: Env, op: RemoteOp): Promise<void> {
  if (op.kind === "create") return addToInstanceTimelines(env, op.status);
  if (op.kind === "delete") {
    if (!op.deleted.reblog_of_id) await removeFromInstanceTimelines(env, op.deleted.id, op.deleted.tags);
    return;
  }
  if (!op.status.reblog) await updateInstanceTimelines(env, op.status, op.quiet);
}

remoteActorJobs.register(FANOUT_JOB, (host, job: FanoutJob) => fanOut(host, job));

/**
 * `instanceTimelines` for a drain's statuses in queue order, except that new statuses listed on
 * the public timeline go there in one call, first (an edit or delete in the same drain can only
 * be of a status created before it).
 */
async function instanceTimelinesFor(env: Env, ops: RemoteOp[]): Promise<void> {
  const listed = new Set(ops.flatMap((op) => (op.kind === "create" && onPublicTimeline(op.status) ? [op.status] : [])));
  if (listed.size) await publicTimelineStub(env).addMany(JSON.stringify([...listed]));
  for (const op of ops) {
    if (op.kind !== "create" || !listed.has(op.status)) await instanceTimelines(env, op);
    else if (onTagTimelines(op.status)) await Promise.all(op.status.tags.map((tag) => tagTimelineStub(env, tag).add(op.status)));
  }
}

// ----- the fan-out queue: first pages of several statuses, one call per recipient -----

/** Statuses (creates, edits, deletes) delivered together by one drain. */
const DRAIN_BATCH = 50;
/** A recipient whose call failed gets its part of a drain again from this job (outbox retries). */
const FANOUT_TO_JOB = "remote.fanoutTo";

/**
 * Delivers the oldest queued first pages together: instance timelines per status, then ONE call
 * per recipient (local followers, mentioned and addressed accounts) carrying, in queue order, the
 * statuses it gets. Followers beyond the first page continue as per-status page jobs. A recipient
 * whose call fails is retried alone, so one unreachable account does not hold the others back.
 */
async function drainFanout(host: RemoteHost): Promise<void> {
  const sql = host.sql;
  const rows = sql.exec<{ seq: number; job: string }>("SELECT seq, job FROM fanout_queue ORDER BY seq LIMIT ?", DRAIN_BATCH).toArray();
  if (rows.length === 0) return;
  const jobs = rows.map((r) => JSON.parse(r.job) as FanoutJob);
  const spread = jobs.some((job) => visibilityOf(job.op) !== "direct");
  const followers = spread ? localFollowersAfter(sql, null, FOLLOWERS_PER_PAGE) : [];
  await cardsFor(host, jobs);
  await linkCreated(host, jobs);
  await instanceTimelinesFor(host.env, jobs.map((job) => job.op));
  const localExtra = new Set(await localAccountIds(host.env, [...new Set(jobs.flatMap((job) => job.extra))]));
  // Each recipient's statuses, in queue order (a recipient that is both mentioned and a follower gets each once).
  const plan = new Map<string, number[]>();
  jobs.forEach((job, i) => {
    const direct = visibilityOf(job.op) === "direct";
    for (const id of new Set([...job.extra.filter((x) => localExtra.has(x)), ...(direct ? [] : followers)])) {
      const ops = plan.get(id);
      if (ops) ops.push(i);
      else plan.set(id, [i]);
    }
  });
  const payloads = new Map<string, string>();
  const payloadOf = (ops: number[]) => {
    const key = ops.join(",");
    let payload = payloads.get(key);
    if (payload === undefined) payloads.set(key, (payload = JSON.stringify(ops.map((i) => jobs[i].op))));
    return payload;
  };
  const recipients = [...plan.keys()];
  const failed: string[] = [];
  for (let i = 0; i < recipients.length; i += PARALLEL_CALLS) {
    const batch = recipients.slice(i, i + PARALLEL_CALLS);
    const results = await Promise.allSettled(batch.map((id) => accountStub(host.env, id).receiveFanout(payloadOf(plan.get(id)!))));
    results.forEach((r, j) => r.status === "rejected" && failed.push(batch[j]));
  }
  host.storage.transactionSync(() => {
    for (const id of failed) host.enqueue(FANOUT_TO_JOB, { accountId: id, ops: payloadOf(plan.get(id)!) });
    if (followers.length === FOLLOWERS_PER_PAGE) {
      const after = followers[followers.length - 1];
      for (const job of jobs) if (visibilityOf(job.op) !== "direct") host.enqueue(FANOUT_JOB, { op: job.op, after, extra: [] } satisfies FanoutJob);
    }
    sql.exec("DELETE FROM fanout_queue WHERE seq <= ?", rows[rows.length - 1].seq);
    if (sql.exec("SELECT 1 FROM fanout_queue LIMIT 1").toArray().length) host.enqueue(FANOUT_DRAIN_JOB, {});
  });
}

/**
 * New and edited statuses get their link's preview card before anyone is told of them (one
 * fetch per address, through its LinkCardObject), stored on this actor's row too. A link slower
 * than CARD_WAIT_MS does not hold them back: REMOTE_LATE_CARD_JOB brings the card afterwards.
 */
async function cardsFor(host: RemoteHost, jobs: FanoutJob[]): Promise<void> {
  await Promise.all(
    jobs.map(async (job) => {
      // As Mastodon's Create handler: no crawl for a remote status behind a content warning.
      if (job.op.kind === "delete" || job.op.status.spoiler_text !== "") return;
      const next = await withCard(host.env, job.op.status);
      if (next.pending) host.enqueue(REMOTE_LATE_CARD_JOB, { id: job.op.status.id }, Date.now() + LATE_CARD_DELAY_MS);
      if (!next.changed) return;
      job.op = { ...job.op, status: next.status };
      storeCard(host, next.status);
    }),
  );
}

function storeCard(host: RemoteHost, status: StatusRecord): void {
  host.sql.exec("UPDATE statuses SET snapshot = json_set(snapshot, '$.card', json(?)) WHERE id = ?", JSON.stringify(status.card ?? null), status.id);
}

const REMOTE_LATE_CARD_JOB = "remote.lateCard";

/** A card that came after its status went out: a quiet update (copies only, no notification or stream event). */
async function lateCard(host: RemoteHost, id: string): Promise<void> {
  const row = rowById(host.sql, id);
  if (!row || row.reblog_of_id) return;
  const next = await withCard(host.env, hydrate(host, [row])[0], null);
  if (!next.status.card) return;
  host.storage.transactionSync(() => {
    if (next.changed) storeCard(host, next.status);
    const extra = [...(JSON.parse(row.audience) as string[]), ...boosterIds(host.sql, id)];
    queueFanout(host, { op: { kind: "update", status: next.status, quiet: true }, after: null, extra });
  });
  await host.wake();
}

remoteActorJobs.register(REMOTE_LATE_CARD_JOB, (host, job: { id: string }) => lateCard(host, job.id));

remoteActorJobs
  .register(FANOUT_DRAIN_JOB, (host) => drainFanout(host))
  .register(FANOUT_TO_JOB, (host, job: { accountId: string; ops: string }) => accountStub(host.env, job.accountId).receiveFanout(job.ops));

/** Local watchers refresh their copies; a remote booster's object updates (or drops) its boost for its local followers. */
remoteActorJobs.register(WATCHERS_JOB, async (host, job: { change: WatchedChange; accounts: string[] }) => {
  const remote = await remoteActorUris(host.env, job.accounts);
  await inBatches(job.accounts, async (id) => {
    const uri = remote.get(id);
    if (!uri) return accountStub(host.env, id).receiveWatchedChange(job.change);
    if (uri === host.actor()?.uri) return applyWatchedChange(host, job.change);
    await remoteActorStub(host.env, uri).receiveWatchedChange(job.change);
  });
});

// ----- whole-actor changes -----

export const COPIES_JOB = "remote.copies";
export const ACTOR_DELETED_JOB = "remote.actorDeleted";
export const MOVE_JOB = "remote.move";

/** Local accounts that keep a copy of this actor (follows either way). */
function relatedLocalsAfter(sql: SqlStorage, after: string, limit: number): string[] {
  return sql
    .exec<{ id: string }>(
      `SELECT id FROM (SELECT account_id AS id FROM local_followers UNION SELECT account_id FROM followed_locals)
       WHERE id > ? ORDER BY id LIMIT ?`,
      after,
      limit,
    )
    .toArray()
    .map((r) => r.id);
}

/** After an actor Update (or a refetch that found changes): related local accounts refresh their copies of the profile and inboxes. */
remoteActorJobs.register(COPIES_JOB, async (host, job: { after: string }) => {
  const actor = host.actor();
  if (!actor) return;
  const ids = relatedLocalsAfter(host.sql, job.after, FOLLOWERS_PER_PAGE);
  await inBatches(ids, (id) => accountStub(host.env, id).refreshAccountCopy(actor.account, { inbox: actor.inbox, sharedInbox: actor.sharedInbox }));
  if (ids.length === FOLLOWERS_PER_PAGE) {
    host.enqueue(COPIES_JOB, { after: ids[ids.length - 1] });
    await host.wake();
  }
});

/**
 * The actor was deleted: its statuses go (a page per run, each removal with its own fan-out),
 * then the follows both ways. Mastodon's DeleteAccountService for a remote account.
 */
remoteActorJobs.register(ACTOR_DELETED_JOB, async (host) => {
  const actor = host.actor();
  if (!actor) return;
  const sql = host.sql;
  const page = sql.exec<RemoteStatusRow>("SELECT * FROM statuses LIMIT ?", STATUSES_PER_DELETE_PAGE).toArray();
  if (page.length) {
    host.storage.transactionSync(() => {
      for (const row of page) queueRemoval(host, row);
      host.enqueue(ACTOR_DELETED_JOB, {});
    });
    return host.wake();
  }
  const followers = localFollowersAfter(sql, null, FOLLOWERS_PER_PAGE);
  await inBatches(followers, (id) => accountStub(host.env, id).followerRemoved(actor.id));
  for (const id of followers) sql.exec("DELETE FROM local_followers WHERE account_id = ?", id);
  const followed = sql.exec<{ account_id: string }>("SELECT account_id FROM followed_locals LIMIT ?", FOLLOWERS_PER_PAGE).toArray().map((r) => r.account_id);
  await inBatches(followed, (id) => accountStub(host.env, id).receiveUnfollow(actor.id));
  for (const id of followed) sql.exec("DELETE FROM followed_locals WHERE account_id = ?", id);
  if (followers.length === FOLLOWERS_PER_PAGE || followed.length === FOLLOWERS_PER_PAGE) {
    host.enqueue(ACTOR_DELETED_JOB, {});
    await host.wake();
  }
});

/** Queues the deletion cascade once (a replayed Delete changes nothing). */
export function queueActorDeletion(host: RemoteHost): boolean {
  return host.storage.transactionSync(() => {
    const already = host.sql.exec("SELECT 1 FROM lifecycle WHERE deleted_at IS NOT NULL").toArray().length > 0;
    if (already) return false;
    markLifecycle(host.sql, { deleted: true });
    host.enqueue(ACTOR_DELETED_JOB, {});
    return true;
  });
}

export interface MoveJob {
  /** The new account (its local id) that listed this actor in `alsoKnownAs`. */
  targetId: string;
  after: string | null;
}

/** Moves each local follower's follow to the new account (the account object does the follow). */
remoteActorJobs.register(MOVE_JOB, async (host, job: MoveJob) => {
  const actor = host.actor();
  if (!actor) return;
  const followers = localFollowersAfter(host.sql, job.after, FOLLOWERS_PER_PAGE);
  await inBatches(followers, async (id) => {
    const moved = await accountStub(host.env, id).followMoved(actor.id, job.targetId);
    if (!moved.ok && moved.status >= 500) throw new Error(`moving ${id}: ${moved.error}`);
    if (moved.ok) removeLocalFollower(host.sql, id);
  });
  if (followers.length === FOLLOWERS_PER_PAGE) {
    host.enqueue(MOVE_JOB, { targetId: job.targetId, after: followers[followers.length - 1] } satisfies MoveJob);
    await host.wake();
  }
});

/** Mastodon ignores a Move while an earlier one of the same account is less than 7 days old. */
export const RECENT_MOVE_MS = 7 * 24 * 3600 * 1000;

/** When the actor last moved (appended to the remote actor's migrations). */
export function lifecycleMovedAt(sql: SqlStorage): void {
  sql.exec("ALTER TABLE lifecycle ADD COLUMN moved_at INTEGER");
}

/** Queues the move of local followers once per target, and not again within RECENT_MOVE_MS. */
export function queueMove(host: RemoteHost, target: { id: string; uri: string }): boolean {
  return host.storage.transactionSync(() => {
    const current = host.sql.exec<{ moved_to: string | null; moved_at: number | null }>("SELECT moved_to, moved_at FROM lifecycle").toArray()[0];
    if (current?.moved_to === target.uri) return false;
    if (current?.moved_at && Date.now() - current.moved_at < RECENT_MOVE_MS) return false;
    markLifecycle(host.sql, { movedTo: target.uri });
    host.sql.exec("UPDATE lifecycle SET moved_at = ?", Date.now());
    host.enqueue(MOVE_JOB, { targetId: target.id, after: null } satisfies MoveJob);
    return true;
  });
}
