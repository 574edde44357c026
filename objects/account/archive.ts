import type { AccountHost } from "./host";
import { toSnapshot, type AccountRecord, type StatusRecord } from "../../schemas/records";
import type { ArchiveFile, ArchiveRecord, PortabilityOrigin } from "../../schemas/portability";
import { fail, ok, type Result } from "../../lib/result";
import { snowflake } from "../../lib/ids";
import { ACTIVITYSTREAMS_CONTEXT } from "../../lib/federation/context";
import { actorDocument } from "../../core/activitypub/actor";
import { announceActivity, createActivity, embedded } from "../../core/activitypub/activities";
import { statusUri } from "../../core/serializers/status";
import { isMediaKey } from "../../core/media/files";
import { accountJobs } from "./jobs";
import { actorData } from "./activitypub";
import { hydrate, type StatusRow } from "./status-rows";

/** Where an account's archive lives in R2 (outside the media prefixes the public route serves). */
export const archiveKey = (accountId: string, archiveId: string) => `archives/${accountId}/${archiveId}.zip`;
import { R2ZipWriter } from "./archive-zip";

/**
 * The account archive, as Mastodon's BackupService makes it: a zip with `actor.json`,
 * `outbox.json` (an OrderedCollection of every own status as its Create, boosts as Announce),
 * `likes.json` and `bookmarks.json` (OrderedCollections of post URIs), the avatar and header,
 * and the media of every own status, whose Document urls point into the zip. Made by a job in
 * the background, kept in R2 for a week, one every seven days (Mastodon's limit).
 */

const BUILD_JOB = "archive.build";
const EXPIRE_JOB = "archive.expire";
const WEEK_MS = 7 * 24 * 3600 * 1000;
const PAGE = 200;
/** Attempts before an archive is reported failed (the job retries on its own before that). */
const MAX_ATTEMPTS = 3;


interface ArchiveRow {
  [key: string]: SqlStorageValue;
  id: string;
  state: string;
  origin: string;
  r2_key: string | null;
  size: number | null;
  attempts: number;
  created_at: string;
  finished_at: string | null;
  expires_at: string | null;
}

const toArchive = (r: ArchiveRow): ArchiveRecord => ({
  id: r.id,
  state: r.state as ArchiveRecord["state"],
  size: r.size,
  created_at: r.created_at,
  finished_at: r.finished_at,
  expires_at: r.expires_at,
});

function archiveRow(sql: SqlStorage, id: string): ArchiveRow | undefined {
  return sql.exec<ArchiveRow>("SELECT * FROM archives WHERE id = ?", id).toArray()[0];
}

export function listArchives(sql: SqlStorage): ArchiveRecord[] {
  return sql.exec<ArchiveRow>("SELECT * FROM archives ORDER BY id DESC LIMIT 5").toArray().map(toArchive);
}

export async function requestArchive(host: AccountHost, o: PortabilityOrigin): Promise<Result<ArchiveRecord>> {
  const sql = host.sql;
  const since = new Date(Date.now() - WEEK_MS).toISOString();
  const recent = sql.exec("SELECT 1 FROM archives WHERE state != 'failed' AND created_at > ?", since).toArray().length > 0;
  if (recent) return fail(429, "You can request an archive once every 7 days");
  const id = snowflake();
  host.storage.transactionSync(() => {
    sql.exec("INSERT INTO archives (id, state, origin, created_at) VALUES (?, 'queued', ?, ?)", id, JSON.stringify(o), new Date().toISOString());
    host.enqueue(BUILD_JOB, { id });
  });
  await host.wake();
  return ok(toArchive(archiveRow(sql, id)!));
}

export function archiveFile(host: AccountHost, id: string): Result<ArchiveFile> {
  const row = archiveRow(host.sql, id);
  if (!row || row.state !== "ready" || !row.r2_key) return fail(404, "Record not found");
  const username = host.record()?.username ?? "account";
  const stamp = row.created_at.replace(/[-:]/g, "").slice(0, 15);
  return ok({ key: row.r2_key, filename: `archive-${username}-${stamp}.zip`, size: row.size ?? 0 });
}

// ----- building -----

function extensionOf(key: string): string {
  return key.slice(key.lastIndexOf("."));
}

/** The archive path of one of our stored files, and the url the documents give it. */
const pathInArchive = (key: string) => `media_attachments/${key}`;

function actorJson(a: AccountRecord, o: PortabilityOrigin, ed25519: string | null): Record<string, unknown> {
  const doc: Record<string, unknown> = { ...actorDocument(a, o, ed25519) };
  for (const [field, stored, name] of [["icon", a.avatar_url, "avatar"], ["image", a.header_url, "header"]] as const) {
    if (stored && isMediaKey(stored) && doc[field] && typeof doc[field] === "object") doc[field] = { ...(doc[field] as object), url: `${name}${extensionOf(stored)}` };
  }
  return doc;
}

/** A status as it appears in the outbox: Create (or Announce), attachments pointing into the zip. */
function outboxItem(s: StatusRecord, o: PortabilityOrigin): Record<string, unknown> {
  if (s.reblog) return embedded(announceActivity(s, o));
  const activity = embedded(createActivity(s, o));
  const note = activity.object as Record<string, unknown>;
  const attachments = (note.attachment as Record<string, unknown>[]) ?? [];
  note.attachment = attachments.map((doc, i) => {
    const key = s.media_attachments?.[i]?.key;
    return key ? { ...doc, url: `/${pathInArchive(key)}` } : doc;
  });
  return activity;
}

/** Every own status, oldest first, a page at a time; each page's media keys go to `media`. */
function* ownStatuses(sql: SqlStorage, self: AccountRecord, media: string[]): Generator<StatusRecord[]> {
  let after = "";
  for (;;) {
    const rows = sql.exec<StatusRow>("SELECT * FROM statuses WHERE id > ? ORDER BY id LIMIT ?", after, PAGE).toArray();
    if (rows.length === 0) return;
    after = rows[rows.length - 1].id;
    const records = hydrate(sql, toSnapshot(self), rows);
    for (const s of records) if (!s.reblog) for (const m of s.media_attachments ?? []) if (m.key) media.push(m.key);
    yield records;
  }
}

function* collectionJson(id: string, total: number, pages: Iterable<string[]>): Generator<string> {
  yield `{"@context":${JSON.stringify(ACTIVITYSTREAMS_CONTEXT)},"id":${JSON.stringify(id)},"type":"OrderedCollection","totalItems":${total},"orderedItems":[`;
  let first = true;
  for (const page of pages) {
    for (const item of page) {
      yield `${first ? "" : ","}${item}`;
      first = false;
    }
  }
  yield "]}";
}

function statusUris(sql: SqlStorage, table: "favourites" | "bookmarks", o: PortabilityOrigin): string[] {
  return sql
    .exec<{ snapshot: string }>(`SELECT snapshot FROM ${table} ORDER BY id`)
    .toArray()
    .map((r) => JSON.stringify(statusUri(o, JSON.parse(r.snapshot) as StatusRecord)));
}

async function buildArchive(host: AccountHost, row: ArchiveRow): Promise<{ key: string; size: number }> {
  const data = actorData(host.sql, host.record() as AccountRecord | null);
  if (!data) throw new Error("no account");
  const self = data.account;
  const o = JSON.parse(row.origin) as PortabilityOrigin;
  const key = archiveKey(self.id, row.id);
  const upload = await host.env.MEDIA.createMultipartUpload(key, { httpMetadata: { contentType: "application/zip" } });
  try {
    return { key, size: await writeArchive(host, new R2ZipWriter(upload), self, o, data.ed25519PublicMultibase) };
  } catch (err) {
    // The parts written so far would otherwise wait for R2 to drop the unfinished upload.
    await upload.abort().catch(() => undefined);
    throw err;
  }
}

async function writeArchive(host: AccountHost, zip: R2ZipWriter, self: AccountRecord, o: PortabilityOrigin, ed25519: string | null): Promise<number> {
  const sql = host.sql;
  await zip.addText("actor.json", [JSON.stringify(actorJson(self, o, ed25519))]);
  const media: string[] = [];
  const total = sql.exec<{ n: number }>("SELECT count(*) AS n FROM statuses").one().n;
  const pages = (function* () {
    for (const records of ownStatuses(sql, self, media)) yield records.map((s) => JSON.stringify(outboxItem(s, o)));
  })();
  await zip.addText("outbox.json", collectionJson("outbox.json", total, pages));
  const likes = statusUris(sql, "favourites", o);
  await zip.addText("likes.json", collectionJson("likes.json", likes.length, [likes]));
  const bookmarks = statusUris(sql, "bookmarks", o);
  await zip.addText("bookmarks.json", collectionJson("bookmarks.json", bookmarks.length, [bookmarks]));
  for (const [stored, name] of [[self.avatar_url, "avatar"], [self.header_url, "header"]] as const) {
    if (!stored || !isMediaKey(stored)) continue;
    const file = await host.env.MEDIA.get(stored);
    if (file) await zip.addStream(`${name}${extensionOf(stored)}`, file.body);
  }
  for (const mediaKey of new Set(media)) {
    const file = await host.env.MEDIA.get(mediaKey);
    if (file) await zip.addStream(pathInArchive(mediaKey), file.body);
  }
  return zip.finish();
}

accountJobs.register(BUILD_JOB, async (host, payload: { id: string }) => {
  const sql = host.sql;
  const row = archiveRow(sql, payload.id);
  if (!row || (row.state !== "queued" && row.state !== "processing")) return;
  sql.exec("UPDATE archives SET state = 'processing', attempts = attempts + 1 WHERE id = ?", row.id);
  try {
    const built = await buildArchive(host, row);
    const now = Date.now();
    host.storage.transactionSync(() => {
      sql.exec(
        "UPDATE archives SET state = 'ready', r2_key = ?, size = ?, finished_at = ?, expires_at = ? WHERE id = ?",
        built.key,
        built.size,
        new Date(now).toISOString(),
        new Date(now + WEEK_MS).toISOString(),
        row.id,
      );
      host.enqueue(EXPIRE_JOB, { id: row.id }, now + WEEK_MS);
    });
    await host.wake();
  } catch (err) {
    if (row.attempts + 1 < MAX_ATTEMPTS) throw err;
    sql.exec("UPDATE archives SET state = 'failed', finished_at = ? WHERE id = ?", new Date().toISOString(), row.id);
  }
});

accountJobs.register(EXPIRE_JOB, async (host, payload: { id: string }) => {
  const row = archiveRow(host.sql, payload.id);
  if (!row || row.state !== "ready") return;
  if (row.r2_key) await host.env.MEDIA.delete(row.r2_key);
  host.sql.exec("UPDATE archives SET state = 'expired' WHERE id = ?", row.id);
});
