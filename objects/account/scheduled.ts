import type { ScheduledParams, ScheduledRecord, StatusRecord } from "../../schemas/records";
import { fail, ok, type Result } from "../../lib/result";
import type { Page } from "../../schemas/paging";
import { snowflake } from "../../lib/ids";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";
import { selectPage } from "./id-page";
import { NOT_FOUND } from "./status-peers";
import { attachUploads, detachStatusMedia, heldRecords, scheduledHolder } from "./media";
import { applicationOf, createStatus, idempotentResult, rememberIdempotencyKey, statusesFor, viewed, type Application, type StatusDraft } from "./statuses";
import type { Viewer } from "../../schemas/auth";
import type { ViewedStatus } from "../../schemas/calls";

/**
 * Scheduled statuses: stored with the validated draft and published by a durable job due at
 * `scheduled_at` (a rescheduled status gets a new job; the stale one finds the time moved and
 * does nothing). Publishing uses an idempotency key of its own, so a retried job posts once.
 */

export const MIN_SCHEDULE_OFFSET_MS = 5 * 60 * 1000;
const TOTAL_LIMIT = 300;
const DAILY_LIMIT = 25;
const PUBLISH_JOB = "scheduled.publish";
const IDEMPOTENCY_PREFIX = "scheduled:";

interface Stored {
  api: ScheduledParams;
  draft: StatusDraft;
  application: Application;
}

export interface PostInput {
  draft: StatusDraft;
  idempotencyKey: string | null;
  /** ISO time: schedule instead of posting. */
  scheduledAt: string | null;
}

export type PostOutcome = { kind: "status"; value: ViewedStatus } | { kind: "scheduled"; value: ScheduledRecord };

/** `POST /api/v1/statuses`: posts now, or schedules when `scheduledAt` is given. */
export async function postOrSchedule(host: AccountHost, viewer: Viewer, input: PostInput): Promise<Result<PostOutcome>> {
  const earlier = idempotentResult(host, input.idempotencyKey);
  if (earlier?.startsWith(IDEMPOTENCY_PREFIX)) {
    const scheduled = getScheduled(host, earlier.slice(IDEMPOTENCY_PREFIX.length));
    if (scheduled.ok) return ok({ kind: "scheduled", value: scheduled.value });
  } else if (earlier) {
    const [status] = statusesFor(host, [earlier], viewer.account.id);
    if (status) return ok({ kind: "status", value: viewed(host, viewer.account.id, status) });
  }
  if (input.scheduledAt) {
    const scheduled = await schedule(host, viewer, input);
    return scheduled.ok ? ok({ kind: "scheduled", value: scheduled.value }) : scheduled;
  }
  const created = await createStatus(host, input.draft, applicationOf(viewer), input.idempotencyKey);
  return created.ok ? ok({ kind: "status", value: viewed(host, viewer.account.id, created.value) }) : created;
}

function tooSoon(at: string): boolean {
  return Date.parse(at) < Date.now() + MIN_SCHEDULE_OFFSET_MS;
}

const TOO_SOON = "Validation failed: Scheduled at The scheduled date must be in the future";

function limitsRefusal(host: AccountHost, at: string, exceptId: string | null): Result<never> | null {
  const total = host.sql.exec<{ n: number }>("SELECT count(*) AS n FROM scheduled_statuses WHERE id IS NOT ?", exceptId).one().n;
  if (total >= TOTAL_LIMIT) return fail(422, `Validation failed: You have exceeded the limit of ${TOTAL_LIMIT} scheduled posts`);
  const sameDay = host.sql
    .exec<{ n: number }>("SELECT count(*) AS n FROM scheduled_statuses WHERE substr(scheduled_at, 1, 10) = ? AND id IS NOT ?", at.slice(0, 10), exceptId)
    .one().n;
  if (sameDay >= DAILY_LIMIT) return fail(422, `Validation failed: You have exceeded the limit of ${DAILY_LIMIT} scheduled posts for that day`);
  return null;
}

async function schedule(host: AccountHost, viewer: Viewer, input: PostInput): Promise<Result<ScheduledRecord>> {
  const at = new Date(Date.parse(input.scheduledAt!)).toISOString();
  if (tooSoon(at)) return fail(422, TOO_SOON);
  const refused = limitsRefusal(host, at, null);
  if (refused) return refused;
  const d = input.draft;
  const api: ScheduledParams = {
    text: d.text,
    poll: d.poll,
    media_ids: d.media_ids?.length ? d.media_ids : null,
    sensitive: d.sensitive,
    spoiler_text: d.spoiler_text || null,
    visibility: d.visibility ?? viewer.account.privacy,
    scheduled_at: null,
    in_reply_to_id: d.in_reply_to_id,
    language: d.language,
    application_id: 0,
    idempotency: input.idempotencyKey,
    with_rate_limit: false,
  };
  const id = snowflake();
  const stored: Stored = { api, draft: { ...d, visibility: api.visibility, scheduled_id: id }, application: applicationOf(viewer) };
  let unusable: Result<never> | null = null;
  host.storage.transactionSync(() => {
    // The uploads are held for the scheduled status, so they neither expire nor go elsewhere.
    const held = attachUploads(host.sql, d.media_ids ?? [], scheduledHolder(id));
    if (!held.ok) return void (unusable = held);
    host.sql.exec("INSERT INTO scheduled_statuses (id, scheduled_at, params, created_at) VALUES (?, ?, ?, ?)", id, at, JSON.stringify(stored), new Date().toISOString());
    rememberIdempotencyKey(host, input.idempotencyKey, `${IDEMPOTENCY_PREFIX}${id}`);
    host.enqueue(PUBLISH_JOB, { id }, Date.parse(at));
  });
  if (unusable) return unusable;
  await host.wake();
  return ok({ id, scheduled_at: at, params: api, media_attachments: heldRecords(host.sql, scheduledHolder(id)) });
}

type Row = { id: string; scheduled_at: string; params: string };

function toRecord(sql: SqlStorage, row: Row): ScheduledRecord {
  const params = (JSON.parse(row.params) as Stored).api;
  const held = params.media_ids?.length ? heldRecords(sql, scheduledHolder(row.id)) : [];
  return { id: row.id, scheduled_at: row.scheduled_at, params, media_attachments: held };
}

export function listScheduled(host: AccountHost, page: Page): ScheduledRecord[] {
  return selectPage<Row>(host.sql, { columns: "id, scheduled_at, params", from: "scheduled_statuses", idColumn: "id", page }).map((row) => toRecord(host.sql, row));
}

export function getScheduled(host: AccountHost, id: string): Result<ScheduledRecord> {
  const row = host.sql.exec<Row>("SELECT id, scheduled_at, params FROM scheduled_statuses WHERE id = ?", id).toArray()[0];
  return row ? ok(toRecord(host.sql, row)) : fail(404, NOT_FOUND);
}

export async function reschedule(host: AccountHost, id: string, scheduledAt: string): Promise<Result<ScheduledRecord>> {
  if (!getScheduled(host, id).ok) return fail(404, NOT_FOUND);
  const at = new Date(Date.parse(scheduledAt)).toISOString();
  if (tooSoon(at)) return fail(422, TOO_SOON);
  const refused = limitsRefusal(host, at, id);
  if (refused) return refused;
  host.storage.transactionSync(() => {
    host.sql.exec("UPDATE scheduled_statuses SET scheduled_at = ? WHERE id = ?", at, id);
    host.enqueue(PUBLISH_JOB, { id }, Date.parse(at));
  });
  await host.wake();
  return getScheduled(host, id);
}

export async function cancelScheduled(host: AccountHost, id: string): Promise<Result<Record<string, never>>> {
  let removed = 0;
  host.storage.transactionSync(() => {
    removed = host.sql.exec("DELETE FROM scheduled_statuses WHERE id = ?", id).rowsWritten;
    // Its uploads are free again (and expire in a day unless used).
    if (removed) detachStatusMedia(host, scheduledHolder(id));
  });
  if (!removed) return fail(404, NOT_FOUND);
  await host.wake();
  return ok({});
}

/**
 * Publishes a scheduled status when due. A reply whose parent is gone by then is published
 * on its own rather than lost.
 */
async function publish(host: AccountHost, id: string): Promise<StatusRecord | null> {
  const row = host.sql.exec<Row>("SELECT id, scheduled_at, params FROM scheduled_statuses WHERE id = ?", id).toArray()[0];
  if (!row || !host.record() || Date.parse(row.scheduled_at) > Date.now() + 1000) return null;
  const stored = JSON.parse(row.params) as Stored;
  const key = `${IDEMPOTENCY_PREFIX}publish:${id}`;
  let created = await createStatus(host, stored.draft, stored.application, key);
  if (!created.ok && stored.draft.in_reply_to_id) {
    created = await createStatus(host, { ...stored.draft, in_reply_to_id: null }, stored.application, key);
  }
  if (!created.ok) throw new Error(`scheduled status ${id} not published: ${created.error}`);
  host.sql.exec("DELETE FROM scheduled_statuses WHERE id = ?", id);
  return created.value;
}

accountJobs.register(PUBLISH_JOB, async (host, payload: { id: string }) => {
  await publish(host, payload.id);
});
