import { isListedAccount, type AccountSnapshot, type StatusRecord } from "../../schemas/records";
import { fail, ok, type Result } from "../../lib/result";
import { snowflake } from "../../lib/ids";
import type { Origin } from "../../core/serializers/account";
import {
  acceptFollowActivity,
  addActivity,
  blockActivity,
  deleteActorActivity,
  followActivity,
  likeActivity,
  moveActivity,
  rejectFollowActivity,
  removeActivity,
  undoActivity,
  updateActorActivity,
  voteActivity,
  type Activity,
  type FollowRef,
} from "../../core/activitypub/activities";
import { localActorUris } from "../../core/activitypub/uris";
import { deliverToActors, type DeliveryTarget } from "../federation/delivery-object";

import { requireInstanceOrigin } from "../federation/instance-origin";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";
import { actorData } from "./activitypub";

import type { FollowState, Interaction } from "../../schemas/calls";
import { remoteActorById, resolveRemoteActor } from "../federation/remote-actors";
import type { RemoteActor } from "../federation/actor-document";

/**
 * Outbound federation of one local account: every action that concerns a remote account or a
 * remote audience becomes an ActivityPub activity, queued here as a durable job of the account
 * object and delivered by the per-host DeliveryObjects (signed by this account's key).
 *
 * Callers (graph-delivery.ts, status-peers.ts, fanout.ts, interactions, profile) call the
 * `queue*` functions: they are synchronous (safe inside a transaction), write what an Undo will
 * need later (`sent_activities`), and enqueue a job; remember `await host.wake()` afterwards.
 * Activities are built when the job runs, with the instance origin (instance-origin.ts).
 *
 * For the inbound side (objects/federation/handlers/follow.ts): a remote Follow of a local
 * account goes through the account object's RPC `receiveRemoteFollow(input)` (below), which
 * records the follow and queues the Accept (or Reject) by itself.
 */

export const SEND_JOB = "federation.send";

/** A remote account as jobs refer to it: local id and actor URI (fallback when not stored). */
export interface RemoteRef {
  id: string;
  uri: string;
}

/** What `receiveRemoteFollow` needs: the follower and the Follow activity as received. */
export interface RemoteFollowInput {
  /** The follower's snapshot (`RemoteActor.account`: domain, uri set). */
  follower: AccountSnapshot;
  /** The Follow as received: its id, its actor (the follower's URI) and object (our actor URI). */
  follow: FollowRef;
  inbox: string;
  sharedInbox: string | null;
}

type Send =
  | { type: "follow" | "undo-follow" | "block" | "undo-block"; target: RemoteRef; seed: string }
  | { type: "accept" | "reject"; target: RemoteRef; follow: FollowRef; seed: string }
  | { type: "like" | "undo-like"; target: RemoteRef; object: string; seed: string }
  | { type: "vote"; target: RemoteRef; poll: string; choices: string[]; seed: string }
  | { type: "add" | "remove"; statusId: string; seed: string }
  | { type: "move"; targetUri: string; seed: string }
  | { type: "update-actor"; at: number }
  | { type: "delete-actor" };

// ----- who is remote -----

/** The stored remote actor for a local id, or null when the id is a local account (or unknown). */
export async function remoteAccount(env: Env, id: string): Promise<RemoteActor | null> {
  return remoteActorById(env, id);
}

export function refOf(actor: RemoteActor): RemoteRef {
  return { id: actor.id, uri: actor.uri };
}

// ----- queueing (synchronous; call inside the transaction of the change, then host.wake()) -----

const BROADCASTS = new Set<Send["type"]>(["add", "remove", "update-actor", "move", "delete-actor"]);

function queueSend(host: AccountHost, send: Send): void {
  // Activities for the followers only matter when some of them are remote.
  if (BROADCASTS.has(send.type) && !hasRemoteFollowers(host.sql)) return;
  host.enqueue(SEND_JOB, send);
}

export function hasRemoteFollowers(sql: SqlStorage): boolean {
  return sql.exec("SELECT 1 FROM remote_followers rf JOIN followers f ON f.account_id = rf.account_id LIMIT 1").toArray().length > 0;
}

function remember(sql: SqlStorage, kind: string, target: string, seed: string, data: Record<string, unknown> = {}): void {
  sql.exec(
    "INSERT OR REPLACE INTO sent_activities (kind, target, seed, data) VALUES (?, ?, ?, ?)",
    kind,
    target,
    seed,
    JSON.stringify(data),
  );
}

/** Takes the remembered activity of `kind` on `target` (for its Undo), or null. */
function forget(sql: SqlStorage, kind: string, target: string): { seed: string; data: Record<string, unknown> } | null {
  const row = sql.exec<{ seed: string; data: string }>("SELECT seed, data FROM sent_activities WHERE kind = ? AND target = ?", kind, target).toArray()[0];
  if (!row) return null;
  sql.exec("DELETE FROM sent_activities WHERE kind = ? AND target = ?", kind, target);
  return { seed: row.seed, data: JSON.parse(row.data) as Record<string, unknown> };
}

/** A Follow to a remote account. The follow stays `requested` until its Accept arrives. */
export function queueFollow(host: AccountHost, target: RemoteRef): void {
  const seed = snowflake();
  remember(host.sql, "follow", target.id, seed, { uri: target.uri });
  queueSend(host, { type: "follow", target, seed });
}

/** Undo of our Follow (unfollow, or a withdrawn request). Nothing to send if none was sent. */
export function queueUndoFollow(host: AccountHost, target: RemoteRef): void {
  const sent = forget(host.sql, "follow", target.id);
  if (sent) queueSend(host, { type: "undo-follow", target, seed: sent.seed });
}

/** Accept (or Reject) of a remote account's Follow of this account; false if none is known. */
export function queueFollowDecision(host: AccountHost, followerId: string, accept: boolean): boolean {
  const row = host.sql
    .exec<{ actor_uri: string; follow_id: string; seed: string }>("SELECT actor_uri, follow_id, seed FROM remote_followers WHERE account_id = ?", followerId)
    .toArray()[0];
  if (!row) return false;
  const me = host.record();
  if (!me) return false;
  queueSend(host, {
    type: accept ? "accept" : "reject",
    target: { id: followerId, uri: row.actor_uri },
    // The Follow's object is our actor URI; the job fills it in with the origin.
    follow: { id: row.follow_id, actor: row.actor_uri, object: "" },
    seed: row.seed,
  });
  return true;
}

export function queueBlock(host: AccountHost, target: RemoteRef): void {
  // A block ends our follow of them: Mastodon sends the Undo Follow before the Block.
  queueUndoFollow(host, target);
  const seed = snowflake();
  remember(host.sql, "block", target.id, seed, { uri: target.uri });
  queueSend(host, { type: "block", target, seed });
}

export function queueUnblock(host: AccountHost, target: RemoteRef): void {
  const sent = forget(host.sql, "block", target.id);
  if (sent) queueSend(host, { type: "undo-block", target, seed: sent.seed });
}

/** A Like of a remote status (`status.uri` set, its author remote). Idempotent per status. */
export function queueLike(host: AccountHost, status: StatusRecord, author: RemoteRef): void {
  if (!status.uri) return;
  if (host.sql.exec("SELECT 1 FROM sent_activities WHERE kind = 'like' AND target = ?", status.id).toArray().length) return;
  const seed = snowflake();
  remember(host.sql, "like", status.id, seed, { object: status.uri, author });
  queueSend(host, { type: "like", target: author, object: status.uri, seed });
}

export function queueUndoLike(host: AccountHost, statusId: string): void {
  const sent = forget(host.sql, "like", statusId);
  if (!sent) return;
  const { object, author } = sent.data as { object: string; author: RemoteRef };
  queueSend(host, { type: "undo-like", target: author, object, seed: sent.seed });
}

/** Poll votes on a remote poll: one Create(Note{name}) per choice, as Mastodon sends them. */
export function queueVote(host: AccountHost, poll: StatusRecord, author: RemoteRef, choices: number[]): void {
  if (!poll.uri || !poll.poll) return;
  const titles = choices.map((c) => poll.poll!.options[c]?.title).filter((t): t is string => typeof t === "string");
  queueSend(host, { type: "vote", target: author, poll: poll.uri, choices: titles, seed: snowflake() });
}

/** The activity a local interaction with a remote status sends to its author (boosts go out as Announce with their fan-out). */
export function federateInteraction(host: AccountHost, interaction: Interaction, status: StatusRecord, author: RemoteRef): void {
  if (interaction.kind === "favourite") queueLike(host, status, author);
  else if (interaction.kind === "unfavourite") queueUndoLike(host, status.id);
  else if (interaction.kind === "vote") queueVote(host, status, author, interaction.choices);
}

/** Pin / unpin (featured collection): Add / Remove to the followers. */
export function queueFeatured(host: AccountHost, statusId: string, pinned: boolean): void {
  queueSend(host, { type: pinned ? "add" : "remove", statusId, seed: snowflake() });
}

/** The profile changed: Update(actor) to the followers. */
export function queueProfileUpdate(host: AccountHost): void {
  queueSend(host, { type: "update-actor", at: Date.now() });
}

/** Moving to another account (which must list us in `alsoKnownAs`): Move to the followers. */
export function queueMove(host: AccountHost, targetUri: string): void {
  queueSend(host, { type: "move", targetUri, seed: snowflake() });
}

/** Account deletion: Delete(actor) to the followers. */
export function queueAccountDeleted(host: AccountHost): void {
  queueSend(host, { type: "delete-actor" });
}

// ----- the inbound Follow (the followee's side) -----

/**
 * A remote actor follows this account: records the follow like a local one
 * (`graph.receiveFollow`: followers row or, when locked, a follow request, with the
 * notification), remembers the Follow and the inboxes, and queues the Accept (accepted now) or
 * the Reject (refused: we block them). A locked account's later decision sends the Accept or
 * Reject from graph-delivery.ts. Idempotent: the same Follow twice answers the same.
 */
export async function receiveRemoteFollow(
  host: AccountHost,
  input: RemoteFollowInput,
  receiveFollow: (follower: AccountSnapshot) => Promise<Result<{ state: FollowState; target: AccountSnapshot }>>,
): Promise<Result<{ state: FollowState | "rejected" }>> {
  const me = host.record();
  if (!me || !isListedAccount(me)) return fail(404, "Record not found");
  const follower = input.follower;
  if (!follower.domain || !follower.uri) return fail(422, "The follower must be a remote account");
  host.storage.transactionSync(() => rememberRemoteFollower(host.sql, input));
  const received = await receiveFollow(follower);
  if (!received.ok && received.status !== 403) return received;
  const state: FollowState | "rejected" = received.ok ? received.value.state : "rejected";
  if (state !== "requested") {
    host.storage.transactionSync(() => queueFollowDecision(host, follower.id, state === "accepted"));
    await host.wake();
  }
  return ok({ state });
}

function rememberRemoteFollower(sql: SqlStorage, input: RemoteFollowInput): void {
  const current = sql.exec<{ follow_id: string; seed: string }>("SELECT follow_id, seed FROM remote_followers WHERE account_id = ?", input.follower.id).toArray()[0];
  // A new Follow (a re-follow after an Undo) gets a new Accept id; a repeated one keeps it.
  const seed = current && current.follow_id === input.follow.id ? current.seed : snowflake();
  sql.exec(
    `INSERT INTO remote_followers (account_id, actor_uri, follow_id, seed, inbox, shared_inbox) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (account_id) DO UPDATE SET actor_uri = excluded.actor_uri, follow_id = excluded.follow_id, seed = excluded.seed,
       inbox = excluded.inbox, shared_inbox = excluded.shared_inbox`,
    input.follower.id,
    input.follow.actor,
    input.follow.id,
    seed,
    input.inbox,
    input.sharedInbox,
  );
}

// ----- jobs -----

/** Where remote followers (accepted) want deliveries. */
export function remoteFollowerTargets(sql: SqlStorage): DeliveryTarget[] {
  return sql
    .exec<{ inbox: string; shared_inbox: string | null }>(
      "SELECT rf.inbox, rf.shared_inbox FROM remote_followers rf JOIN followers f ON f.account_id = rf.account_id",
    )
    .toArray()
    .map((r) => ({ inbox: r.inbox, sharedInbox: r.shared_inbox }));
}

/** The actor for a reference: stored, else fetched by URI; null if it cannot be had. */
export async function actorFor(env: Env, o: Origin, ref: RemoteRef): Promise<RemoteActor | null> {
  const stored = await remoteActorById(env, ref.id);
  if (stored) return stored;
  const resolved = await resolveRemoteActor(env, ref.uri, { origin: o.origin });
  return resolved.ok ? resolved.value : null;
}

/** Single-recipient activities go to the personal inbox (Mastodon's `inbox_url`). */
async function personalInbox(env: Env, o: Origin, ref: RemoteRef): Promise<DeliveryTarget[]> {
  const actor = await actorFor(env, o, ref);
  if (!actor) throw new Error(`remote actor ${ref.uri} is unavailable`);
  return [{ inbox: actor.inbox, sharedInbox: null }];
}

export async function deliver(host: AccountHost, activity: Activity, recipients: DeliveryTarget[]): Promise<string[]> {
  if (recipients.length === 0) return [];
  return deliverToActors(host.env, { activity, signerAccountId: host.accountId(), recipients });
}

accountJobs.register(SEND_JOB, async (host, send: Send) => {
  const me = host.record();
  if (!me) return;
  const o = await requireInstanceOrigin(host.env);
  const uris = localActorUris(o, me.username);
  const actor = uris.id;
  switch (send.type) {
    case "follow":
      return void (await deliver(host, followActivity(actor, send.target.uri, send.seed), await personalInbox(host.env, o, send.target)));
    case "undo-follow":
      return void (await deliver(host, undoActivity(followActivity(actor, send.target.uri, send.seed)), await personalInbox(host.env, o, send.target)));
    case "accept":
    case "reject": {
      const follow = { ...send.follow, object: actor };
      const activity = send.type === "accept" ? acceptFollowActivity(actor, follow, send.seed) : rejectFollowActivity(actor, follow, send.seed);
      return void (await deliver(host, activity, await personalInbox(host.env, o, send.target)));
    }
    case "block":
      return void (await deliver(host, blockActivity(actor, send.target.uri, send.seed), await personalInbox(host.env, o, send.target)));
    case "undo-block":
      return void (await deliver(host, undoActivity(blockActivity(actor, send.target.uri, send.seed)), await personalInbox(host.env, o, send.target)));
    case "like":
      return void (await deliver(host, likeActivity(actor, send.object, send.seed), await personalInbox(host.env, o, send.target)));
    case "undo-like":
      return void (await deliver(host, undoActivity(likeActivity(actor, send.object, send.seed)), await personalInbox(host.env, o, send.target)));
    case "vote": {
      const inbox = await personalInbox(host.env, o, send.target);
      for (const [i, choice] of send.choices.entries()) {
        await deliver(host, voteActivity(actor, { uri: send.poll, authorUri: send.target.uri }, choice, `${send.seed}-${i}`), inbox);
      }
      return;
    }
    case "add":
    case "remove": {
      const object = `${actor}/statuses/${send.statusId}`;
      const build = send.type === "add" ? addActivity : removeActivity;
      return void (await deliver(host, build(actor, uris.featured, object, send.seed), remoteFollowerTargets(host.sql)));
    }
    case "update-actor": {
      const data = actorData(host.sql, me);
      const update = updateActorActivity(me, o, data?.ed25519PublicMultibase ?? null, send.at);
      return void (await deliver(host, { ...update, id: `${actor}#updates/${send.at}` }, remoteFollowerTargets(host.sql)));
    }
    case "move":
      return void (await deliver(host, moveActivity(actor, send.targetUri, send.seed), remoteFollowerTargets(host.sql)));
    case "delete-actor":
      return void (await deliver(host, deleteActorActivity(actor), remoteFollowerTargets(host.sql)));
  }
});

