import type { StatusRecord } from "../../schemas/records";
import type { Origin } from "../../core/serializers/account";
import { statusUri } from "../../core/serializers/status";
import {
  announceActivity,
  createActivity,
  deleteNoteActivity,
  undoAnnounceActivity,
  updateNoteActivity,
  type Activity,
} from "../../core/activitypub/activities";
import type { DeliveryTarget } from "../federation/delivery-object";

import { requireInstanceOrigin } from "../federation/instance-origin";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";

import { fetchVisibleStatus } from "./status-peers";
import { actorFor, deliver, hasRemoteFollowers, remoteFollowerTargets, type RemoteRef } from "./federation-out";
import type { StatusDeleted } from "../../schemas/calls";
import type { RemoteActor } from "../federation/actor-document";

/**
 * Statuses to the remote audience (the author's durable job, queued by fanout.ts with the
 * local fan-out): Create (Note) or Announce (boost) to remote followers' shared inboxes, the
 * mentioned remote actors and the replied-to or boosted remote author, addressed by visibility
 * (core/activitypub/note.ts); Update to the same places plus every inbox the Create reached;
 * Delete (or Undo Announce) to those inboxes and the current remote followers. What went where
 * is kept in `federated_statuses`, so nothing is sent when no remote server was concerned.
 */

export const STATUS_JOB = "federation.status";

export type StatusOp = { op: "create" | "update"; status: StatusRecord } | { op: "delete"; deleted: StatusDeleted };

/** A status was created, edited or deleted: its activity goes to the remote audience. */
export function queueStatusFederation(host: AccountHost, op: StatusOp): void {
  if (mayFederate(host.sql, op)) host.enqueue(STATUS_JOB, op);
}

/** False when no remote server can be concerned (no remote follower, mention, parent or original). */
function mayFederate(sql: SqlStorage, op: StatusOp): boolean {
  if (op.op === "delete") return sql.exec("SELECT 1 FROM federated_statuses WHERE status_id = ?", op.deleted.id).toArray().length > 0;
  const s = op.status;
  if (s.account.domain) return false;
  if (op.op === "update" && sql.exec("SELECT 1 FROM federated_statuses WHERE status_id = ?", s.id).toArray().length > 0) return true;
  if (s.visibility !== "direct" && hasRemoteFollowers(sql)) return true;
  return s.mentions.some((m) => m.domain !== null) || s.in_reply_to_id !== null || s.reblog !== null;
}

/** The remote accounts a status is addressed to beyond followers: mentions, the replied-to and boosted authors. */
async function directTargets(host: AccountHost, o: Origin, status: StatusRecord): Promise<DeliveryTarget[]> {
  const refs: RemoteRef[] = [];
  for (const m of status.mentions) if (m.domain !== null && m.uri) refs.push({ id: m.id, uri: m.uri });
  const reblogged = status.reblog?.account;
  if (reblogged?.domain && reblogged.uri) refs.push({ id: reblogged.id, uri: reblogged.uri });
  const parent = await parentOf(host, status);
  if (parent?.account.domain && parent.account.uri) refs.push({ id: parent.account.id, uri: parent.account.uri });
  const actors = await Promise.all(refs.map((r) => actorFor(host.env, o, r)));
  return actors.filter((a): a is RemoteActor => a !== null).map((a) => ({ inbox: a.inbox, sharedInbox: a.sharedInbox }));
}

/** The replied-to status, wherever it lives (local or remote), or null. */
async function parentOf(host: AccountHost, status: StatusRecord): Promise<StatusRecord | null> {
  if (!status.in_reply_to_id || status.reblog) return null;
  return fetchVisibleStatus(host, status.in_reply_to_id, host.accountId());
}

async function statusAudience(host: AccountHost, o: Origin, status: StatusRecord): Promise<DeliveryTarget[]> {
  const direct = await directTargets(host, o, status);
  return status.visibility === "direct" ? direct : [...remoteFollowerTargets(host.sql), ...direct];
}

function storedFederation(sql: SqlStorage, id: string): { record: StatusRecord; inboxes: DeliveryTarget[] } | null {
  const row = sql.exec<{ record: string; inboxes: string }>("SELECT record, inboxes FROM federated_statuses WHERE status_id = ?", id).toArray()[0];
  return row ? { record: JSON.parse(row.record) as StatusRecord, inboxes: JSON.parse(row.inboxes) as DeliveryTarget[] } : null;
}

function storeFederation(sql: SqlStorage, record: StatusRecord, targets: DeliveryTarget[]): void {
  const unique = new Map(targets.map((t) => [t.sharedInbox ?? t.inbox, t]));
  sql.exec(
    "INSERT OR REPLACE INTO federated_statuses (status_id, record, inboxes) VALUES (?, ?, ?)",
    record.id,
    JSON.stringify(record),
    JSON.stringify([...unique.values()]),
  );
}

async function federateStatus(host: AccountHost, op: StatusOp): Promise<void> {
  if (!host.record()) return;
  const o = await requireInstanceOrigin(host.env);
  if (op.op === "delete") return federateDelete(host, o, op.deleted);
  const status = op.status;
  if (status.account.domain) return;
  const earlier = storedFederation(host.sql, status.id);
  const audience = await statusAudience(host, o, status);
  const targets = op.op === "update" && earlier ? [...earlier.inboxes, ...audience] : audience;
  if (targets.length === 0) return;
  let activity: Activity;
  if (status.reblog) {
    if (op.op === "update") return;
    activity = announceActivity(status, o);
  } else {
    const parent = await parentOf(host, status);
    const options = { inReplyToUri: parent ? statusUri(o, parent) : null };
    activity = op.op === "create" ? createActivity(status, o, options) : editActivity(status, o, options);
  }
  await deliver(host, activity, targets);
  storeFederation(host.sql, status, targets);
}

/** An edit's Update, with a millisecond id: two edits within a second must not look like one delivery. */
function editActivity(status: StatusRecord, o: Origin, options: { inReplyToUri: string | null }): Activity {
  const update = updateNoteActivity(status, o, options);
  const at = Date.parse(status.edited_at ?? status.created_at);
  return { ...update, id: `${statusUri(o, status)}#updates/${at}` };
}

async function federateDelete(host: AccountHost, o: Origin, deleted: StatusDeleted): Promise<void> {
  const earlier = storedFederation(host.sql, deleted.id);
  if (!earlier) return;
  const followers = deleted.visibility === "direct" ? [] : remoteFollowerTargets(host.sql);
  const targets = [...earlier.inboxes, ...followers];
  const activity = earlier.record.reblog ? undoAnnounceActivity(earlier.record, o) : deleteNoteActivity(earlier.record, o);
  await deliver(host, activity, targets);
  host.sql.exec("DELETE FROM federated_statuses WHERE status_id = ?", deleted.id);
}

accountJobs.register(STATUS_JOB, (host, op: StatusOp) => federateStatus(host, op));
