import { fail, ok, type Result } from "../../lib/result";
import { snowflake } from "../../lib/ids";
import type { MediaChange, MediaMeta, MediaRecord, MediaSize, MediaType } from "../../schemas/media";
import type { StoredMedia } from "../../core/media/store";
import type { AccountHost } from "./host";

/**
 * This account's uploads (Mastodon's MediaAttachment): a row per upload, its files in the MEDIA
 * bucket. An upload is attached to one status at most; once attached it stays tied to that
 * status (edit history may still show it) and its files go when the status goes. Unattached
 * uploads are deleted after a day by a job queued with them.
 */

export function mediaSchema(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE media (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    state TEXT NOT NULL,
    file_key TEXT,
    preview_key TEXT,
    pending_key TEXT,
    meta TEXT NOT NULL DEFAULT '{}',
    description TEXT,
    blurhash TEXT,
    status_id TEXT,
    created_at INTEGER NOT NULL
  )`);
  sql.exec("CREATE INDEX media_status ON media (status_id)");
}

export const MEDIA_PROCESS_JOB = "media.process";
export const MEDIA_EXPIRE_JOB = "media.expire";
export const MEDIA_PURGE_JOB = "media.purge";
/** Mastodon deletes unattached uploads after a day (MediaCleanupScheduler). */
export const UNATTACHED_TTL_MS = 24 * 3600 * 1000;
const NOT_FOUND = "Record not found";

type MediaRow = {
  id: string;
  type: string;
  state: string;
  file_key: string | null;
  preview_key: string | null;
  pending_key: string | null;
  meta: string;
  description: string | null;
  blurhash: string | null;
  status_id: string | null;
  created_at: number;
};

export interface MediaView {
  media: MediaRecord;
  /** False while an upload answered with 202 is still being processed. */
  ready: boolean;
}

/** What the Worker hands over for a new upload: its stored files, or its pending bytes' key. */
export type NewUpload = { stored: StoredMedia } | { pendingKey: string; type: MediaType };

export interface UploadInput {
  upload: NewUpload;
  description?: string;
  focus?: { x: number; y: number };
  thumbnail?: { key: string; meta: MediaSize; blurhash: string };
}

function toRecord(r: MediaRow): MediaRecord {
  return {
    id: r.id,
    type: r.type as MediaType,
    key: r.state === "ready" ? r.file_key : null,
    preview_key: r.state === "ready" ? r.preview_key : null,
    remote_url: null,
    preview_remote_url: null,
    meta: JSON.parse(r.meta) as MediaMeta,
    description: r.description,
    blurhash: r.blurhash,
  };
}

const view = (r: MediaRow): MediaView => ({ media: toRecord(r), ready: r.state === "ready" });

function rowOf(sql: SqlStorage, id: string): MediaRow | undefined {
  return sql.exec<MediaRow>("SELECT * FROM media WHERE id = ?", id).toArray()[0];
}

/** Records a new upload, with the jobs that finish it (if pending) and expire it (if never attached). */
export async function addUpload(host: AccountHost, input: UploadInput): Promise<MediaView> {
  const id = snowflake();
  const now = Date.now();
  const stored = "stored" in input.upload ? input.upload.stored : null;
  const meta: MediaMeta = { ...(stored?.meta ?? {}) };
  if (input.focus) meta.focus = input.focus;
  if (input.thumbnail) meta.small = input.thumbnail.meta;
  host.storage.transactionSync(() => {
    host.sql.exec(
      `INSERT INTO media (id, type, state, file_key, preview_key, pending_key, meta, description, blurhash, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      id,
      stored?.type ?? (input.upload as { type: MediaType }).type,
      stored ? "ready" : "processing",
      stored?.key ?? null,
      input.thumbnail?.key ?? stored?.preview_key ?? null,
      stored ? null : (input.upload as { pendingKey: string }).pendingKey,
      JSON.stringify(meta),
      input.description ?? null,
      input.thumbnail?.blurhash ?? stored?.blurhash ?? null,
      now,
    );
    if (!stored) host.enqueue(MEDIA_PROCESS_JOB, { id });
    host.enqueue(MEDIA_EXPIRE_JOB, { id }, now + UNATTACHED_TTL_MS);
  });
  await host.wake();
  return view(rowOf(host.sql, id)!);
}

export function getUpload(host: AccountHost, id: string): Result<MediaView> {
  const row = rowOf(host.sql, id);
  if (!row) return fail(404, NOT_FOUND);
  if (row.state === "failed") return fail(422, "Error processing thumbnail for uploaded media");
  return ok(view(row));
}

/** Alt text, focus or thumbnail of an upload not yet attached (Mastodon: 404 once attached). */
export async function updateUpload(host: AccountHost, id: string, change: MediaChange): Promise<Result<MediaView>> {
  const row = rowOf(host.sql, id);
  if (!row || row.status_id) return fail(404, NOT_FOUND);
  // A new thumbnail replaces the preview (an image's `small` too): the old file goes.
  const replaced = change.thumbnail && row.preview_key && row.preview_key !== row.file_key ? row.preview_key : null;
  host.storage.transactionSync(() => {
    applyChange(host.sql, row, change);
    if (replaced) host.enqueue(MEDIA_PURGE_JOB, { keys: [replaced] });
  });
  if (replaced) await host.wake();
  return ok(view(rowOf(host.sql, id)!));
}

function applyChange(sql: SqlStorage, row: MediaRow, change: MediaChange): void {
  const meta = JSON.parse(row.meta) as MediaMeta;
  if (change.focus) meta.focus = change.focus;
  if (change.thumbnail) meta.small = change.thumbnail.meta;
  sql.exec(
    "UPDATE media SET description = ?, meta = ?, preview_key = ? WHERE id = ?",
    change.description !== undefined ? change.description : row.description,
    JSON.stringify(meta),
    change.thumbnail?.key ?? row.preview_key,
    row.id,
  );
}

/** Deletes an upload that no status uses (Mastodon 4.4: 422 once attached). */
export async function deleteUpload(host: AccountHost, id: string): Promise<Result<MediaView>> {
  const row = rowOf(host.sql, id);
  if (!row) return fail(404, NOT_FOUND);
  if (row.status_id) return fail(422, "Media attachment is currently used by a status");
  host.storage.transactionSync(() => {
    host.sql.exec("DELETE FROM media WHERE id = ?", id);
    host.enqueue(MEDIA_PURGE_JOB, { keys: filesOf(row) });
  });
  await host.wake();
  return ok(view(row));
}

export function filesOf(row: Pick<MediaRow, "file_key" | "preview_key" | "pending_key">): string[] {
  return [row.file_key, row.preview_key, row.pending_key].filter((k): k is string => !!k);
}

/**
 * Attaches uploads to a status, in the order given: each must be this account's, ready, and
 * free or already on that status (an edit keeps what it had). Call inside the transaction that
 * writes the status; nothing is written when it fails.
 */
export function attachUploads(sql: SqlStorage, ids: string[], statusId: string, heldBy: string | null = null): Result<MediaRecord[]> {
  const rows = usableUploads(sql, ids, statusId, heldBy);
  if (!rows.ok) return rows;
  for (const row of rows.value) sql.exec("UPDATE media SET status_id = ? WHERE id = ?", statusId, row.id);
  return ok(rows.value.map(toRecord));
}

/** The rows of `ids` (once each, in order) if every one is ready and free, on `statusId`, or held by `heldBy`. */
function usableUploads(sql: SqlStorage, ids: string[], statusId: string, heldBy: string | null): Result<MediaRow[]> {
  const unique = [...new Set(ids)];
  const rows = unique.map((id) => rowOf(sql, id));
  const usable = (r: MediaRow | undefined) => !!r && (r.status_id === null || r.status_id === statusId || r.status_id === heldBy);
  const unusable = unique.filter((_, i) => !usable(rows[i]));
  if (unusable.length) return fail(422, `Media ${unusable.join(", ")} not found or already attached to another post`);
  if (rows.some((r) => r!.state !== "ready")) return fail(422, "Cannot attach files that have not finished processing. Try again in a moment!");
  return ok(rows as MediaRow[]);
}

/** Uploads held by a status or a scheduled one, oldest first. */
export function heldRecords(sql: SqlStorage, holder: string): MediaRecord[] {
  return sql.exec<MediaRow>("SELECT * FROM media WHERE status_id = ? ORDER BY CAST(id AS INTEGER)", holder).toArray().map(toRecord);
}

/** A deleted status takes its files with it (every version's). Call inside the delete's transaction. */
export function releaseStatusMedia(host: AccountHost, statusId: string): void {
  const rows = host.sql.exec<MediaRow>("SELECT * FROM media WHERE status_id = ?", statusId).toArray();
  if (!rows.length) return;
  host.sql.exec("DELETE FROM media WHERE status_id = ?", statusId);
  host.enqueue(MEDIA_PURGE_JOB, { keys: rows.flatMap(filesOf) });
}

/** Keys of an upload's files, for the processing job. */
export function pendingOf(sql: SqlStorage, id: string): { pendingKey: string } | null {
  const row = rowOf(sql, id);
  return row && row.state === "processing" && row.pending_key ? { pendingKey: row.pending_key } : null;
}

/** The processing job's outcome: the files, or a failed upload (kept so GET answers, then expired). */
export function finishProcessing(sql: SqlStorage, id: string, stored: StoredMedia | null): void {
  const row = rowOf(sql, id);
  if (!row || row.state !== "processing") return;
  if (!stored) {
    sql.exec("UPDATE media SET state = 'failed', pending_key = NULL WHERE id = ?", id);
    return;
  }
  const meta = { ...(JSON.parse(row.meta) as MediaMeta), ...stored.meta };
  sql.exec(
    "UPDATE media SET state = 'ready', type = ?, file_key = ?, preview_key = COALESCE(preview_key, ?), meta = ?, blurhash = COALESCE(blurhash, ?), pending_key = NULL WHERE id = ?",
    stored.type,
    stored.key,
    stored.preview_key,
    JSON.stringify(meta),
    stored.blurhash,
    id,
  );
}

/** An upload never attached within a day goes; returns its files to delete, or null to keep it. */
export function expireUnattached(sql: SqlStorage, id: string): string[] | null {
  const row = rowOf(sql, id);
  if (!row || row.status_id) return null;
  sql.exec("DELETE FROM media WHERE id = ?", id);
  return filesOf(row);
}

/** The media API's calls on the uploader's object, one RPC (`AccountObject.media`). */
export type MediaOp =
  | { op: "add"; input: UploadInput }
  | { op: "get"; id: string }
  | { op: "update"; id: string; change: MediaChange }
  | { op: "delete"; id: string };

export async function runMediaOp(host: AccountHost, op: MediaOp): Promise<Result<MediaView>> {
  switch (op.op) {
    case "add":
      return ok(await addUpload(host, op.input));
    case "get":
      return getUpload(host, op.id);
    case "update":
      return updateUpload(host, op.id, op.change);
    case "delete":
      return deleteUpload(host, op.id);
  }
}

/** Who may hold an upload a scheduled status will carry (`status_id` until it is published). */
export const scheduledHolder = (scheduledId: string) => `scheduled:${scheduledId}`;

/**
 * The attachments an edited status will have: `ids` (absent: the current ones), each this
 * account's and free or already on the status, with `changes` (alt text, focus) applied. Reads
 * only; `applyPlan` writes it inside the edit's transaction.
 */
export function planAttachments(sql: SqlStorage, statusId: string, current: MediaRecord[], ids: string[] | undefined, changes: ({ id: string } & MediaChange)[]): Result<MediaRecord[]> {
  const rows = usableUploads(sql, ids ?? current.map((m) => m.id), statusId, null);
  if (!rows.ok) return rows;
  return ok(
    rows.value.map((r) => {
      const record = toRecord(r);
      const change = changes.find((c) => c.id === record.id);
      if (!change) return record;
      return {
        ...record,
        description: change.description !== undefined ? change.description : record.description,
        meta: change.focus ? { ...record.meta, focus: change.focus } : record.meta,
      };
    }),
  );
}

/** Writes a plan: attaches new uploads and stores changed alt text and focus. */
export function applyPlan(sql: SqlStorage, statusId: string, planned: MediaRecord[]): void {
  for (const m of planned) {
    sql.exec("UPDATE media SET status_id = ?, description = ?, meta = ? WHERE id = ?", statusId, m.description, JSON.stringify(m.meta), m.id);
  }
}

/** Uploads of a deleted status (kept for a redraft) or a cancelled scheduled one: free again, and gone in a day unless reused. */
export function detachStatusMedia(host: AccountHost, statusId: string): void {
  const ids = host.sql.exec<{ id: string }>("SELECT id FROM media WHERE status_id = ?", statusId).toArray().map((r) => r.id);
  const now = Date.now();
  for (const id of ids) {
    host.sql.exec("UPDATE media SET status_id = NULL, created_at = ? WHERE id = ?", now, id);
    host.enqueue(MEDIA_EXPIRE_JOB, { id }, now + UNATTACHED_TTL_MS);
  }
}
