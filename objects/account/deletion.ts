import { fail, ok, type Result } from "../../lib/result";
import type { AccountRecord, TokenRecord } from "../../schemas/records";
import type { Viewer } from "../../schemas/auth";
import { accountStub, directoryStub } from "../../core/stubs";
import { deleteActorActivity } from "../../core/activitypub/activities";
import { localActorUris } from "../../core/activitypub/uris";
import { isMediaKey } from "../../core/media/files";
import type { DeliveryTarget } from "../federation/delivery-object";
import { requireInstanceOrigin } from "../federation/instance-origin";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";
import { readAccountRowEvenDeleted, toAccountRecord } from "./records";
import { actorFor, deliver } from "./federation-out";
import { removeStatus } from "./statuses";
import { act } from "./interactions";
import { filesOf, MEDIA_PURGE_JOB } from "./media";
import { archiveKey } from "./archive";
import { forgetAccountHere, localRelations } from "./deletion-relations";

/**
 * Deleting this account (Mastodon's `/settings/delete`, DeleteAccountService with the username
 * kept reserved). At once: the account stops existing for everyone (records.ts reads only
 * undeleted rows: API 404, sign-in refused), its tokens, sessions and push subscriptions go,
 * the directory keeps its username reserved forever (WebFinger 404, AS2 410, registration
 * refused), and a Delete of the actor is queued to every inbox it knows. Then durable jobs
 * remove its statuses the way a status delete does (timelines, others' home copies,
 * notifications, conversations, threads), delete its media from R2, make the local accounts
 * it was related to forget it, and finally erase every table but the emptied account row and
 * its keys (which sign the Delete's retries for days).
 */

const PURGE_JOB = "account.purge";
const FORGET_JOB = "account.forget";
const ERASE_JOB = "account.erase";
const DELETE_ACTOR_JOB = "account.deleteActor";
const DIRECTORY_JOB = "account.unlist";
const STATUSES_PER_JOB = 20;
const RELATIONS_PER_JOB = 50;
/** The erase waits for the other jobs (fan-out of the removals, media) for up to ~10 minutes. */
const ERASE_WAIT_MS = 10_000;
const ERASE_MAX_WAITS = 60;
/** Tables that outlive the erase: the emptied account row, its keys, the job queue. */
const KEPT_TABLES = new Set(["account", "keys", "outbox"]);

/** When the account was deleted (appended to ACCOUNT_MIGRATIONS). */
export function deletionColumn(sql: SqlStorage): void {
  sql.exec("ALTER TABLE account ADD COLUMN deleted_at TEXT");
}

/** The username even of a deleted account: its key still signs the Delete (peer-calls.ts `signRequest`). */
export function signerRow(sql: SqlStorage): { username: string } | undefined {
  return readAccountRowEvenDeleted(sql);
}

/**
 * Deletes the account. `closeStreams` ends the sockets opened with the given token hashes.
 * Idempotent: a deleted account answers 404.
 */
export async function deleteSelf(host: AccountHost, closeStreams: (tokenHashes: string[]) => void): Promise<Result<{ username: string }>> {
  const me = host.record();
  if (!me) return fail(404, "Record not found");
  const tokenHashes = host.sql.exec<{ hash: string }>("SELECT hash FROM tokens").toArray().map((r) => r.hash);
  host.storage.transactionSync(() => {
    const recipients = knownInboxes(host.sql);
    const remoteAccounts = knownRemoteAccounts(host.sql);
    host.sql.exec("UPDATE account SET deleted_at = ?", new Date().toISOString());
    for (const table of ["tokens", "sessions", "auth_codes", "push_subscriptions", "scheduled_statuses"]) host.sql.exec(`DELETE FROM ${table}`);
    host.enqueue(DIRECTORY_JOB, {});
    host.enqueue(DELETE_ACTOR_JOB, { recipients, remoteAccounts } satisfies DeleteActorJob);
    host.enqueue(PURGE_JOB, {});
  });
  closeStreams(tokenHashes);
  await unlist(host).catch(() => undefined); // the job retries it
  await host.wake();
  return ok({ username: me.username });
}

// ----- who hears of it -----

/** Every inbox this account knows: remote followers (past ones too) and where its statuses went. */
function knownInboxes(sql: SqlStorage): DeliveryTarget[] {
  const followers = sql
    .exec<{ inbox: string; shared_inbox: string | null }>("SELECT inbox, shared_inbox FROM remote_followers")
    .toArray()
    .map((r) => ({ inbox: r.inbox, sharedInbox: r.shared_inbox }));
  const statuses = sql
    .exec<{ inboxes: string }>("SELECT inboxes FROM federated_statuses")
    .toArray()
    .flatMap((r) => JSON.parse(r.inboxes) as DeliveryTarget[]);
  const seen = new Set<string>();
  return [...followers, ...statuses].filter((t) => {
    const key = t.sharedInbox ?? t.inbox;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** Remote accounts it followed, asked to follow, blocked or liked: their servers hear of it too. */
function knownRemoteAccounts(sql: SqlStorage): { id: string; uri: string }[] {
  const refs = new Map<string, string>();
  for (const row of sql.exec<{ target: string; data: string }>("SELECT target, data FROM sent_activities").toArray()) {
    const data = JSON.parse(row.data) as { uri?: unknown; author?: { id?: unknown; uri?: unknown } };
    if (typeof data.uri === "string") refs.set(row.target, data.uri);
    else if (typeof data.author?.id === "string" && typeof data.author.uri === "string") refs.set(data.author.id, data.author.uri);
  }
  for (const row of sql.exec<{ account_id: string; snapshot: string }>("SELECT account_id, snapshot FROM following").toArray()) {
    const uri = (JSON.parse(row.snapshot) as { uri?: unknown }).uri;
    if (typeof uri === "string") refs.set(row.account_id, uri);
  }
  return [...refs].map(([id, uri]) => ({ id, uri }));
}

interface DeleteActorJob {
  recipients: DeliveryTarget[];
  remoteAccounts: { id: string; uri: string }[];
}

accountJobs.register(DELETE_ACTOR_JOB, async (host, job: DeleteActorJob) => {
  const row = signerRow(host.sql);
  if (!row) return;
  const o = await requireInstanceOrigin(host.env);
  const personal: DeliveryTarget[] = [];
  for (const ref of job.remoteAccounts) {
    // An account that cannot be fetched any more needs no Delete.
    const actor = await actorFor(host.env, o, ref).catch(() => null);
    if (actor) personal.push({ inbox: actor.inbox, sharedInbox: actor.sharedInbox ?? null });
  }
  await deliver(host, deleteActorActivity(localActorUris(o, row.username).id), [...job.recipients, ...personal]);
});

accountJobs.register(DIRECTORY_JOB, async (host) => unlist(host));

async function unlist(host: AccountHost): Promise<void> {
  await directoryStub(host.env).accountDeleted(host.accountId());
}

// ----- removing what it made -----

/** The account as its own removal jobs need it (the public record is gone already). */
function asDeleted(host: AccountHost): AccountHost {
  const row = readAccountRowEvenDeleted(host.sql);
  const record: AccountRecord | null = row ? toAccountRecord(row) : null;
  return Object.create(host, { record: { value: () => record } }) as AccountHost;
}

accountJobs.register(PURGE_JOB, async (host) => {
  const purging = asDeleted(host);
  const ids = host.sql
    .exec<{ id: string }>("SELECT id FROM statuses ORDER BY CAST(id AS INTEGER) DESC LIMIT ?", STATUSES_PER_JOB)
    .toArray()
    .map((r) => r.id);
  for (const id of ids) await removeStatus(purging, id, true);
  const favourites = ids.length < STATUSES_PER_JOB ? await withdrawFavourites(purging) : 0;
  host.storage.transactionSync(() => {
    if (ids.length === STATUSES_PER_JOB || favourites === STATUSES_PER_JOB) return host.enqueue(PURGE_JOB, {});
    host.enqueue(MEDIA_PURGE_JOB, { keys: mediaKeys(host.sql, host.accountId()) });
    host.enqueue(FORGET_JOB, { after: null } satisfies ForgetJob);
  });
  await host.wake();
});

/**
 * Its favourites leave the statuses they were given to (counts, `favourited_by`, the authors'
 * notifications), as Mastodon's deletion removes them. One page; returns how many were taken.
 */
async function withdrawFavourites(purging: AccountHost): Promise<number> {
  const account = purging.record();
  if (!account) return 0;
  const viewer: Viewer = { account, token: DELETION_TOKEN };
  const statusIds = purging.sql
    .exec<{ status_id: string }>("SELECT status_id FROM favourites ORDER BY id LIMIT ?", STATUSES_PER_JOB)
    .toArray()
    .map((r) => r.status_id);
  for (const statusId of statusIds) {
    const out = await act(purging, viewer, "unfavourite", statusId);
    // A status that is gone (or hidden now) keeps no favourite to withdraw.
    if (!out.ok && out.status >= 500) throw new Error(`unfavourite ${statusId}: ${out.error}`);
    purging.sql.exec("DELETE FROM favourites WHERE status_id = ?", statusId);
  }
  return statusIds.length;
}

/** The actor of the deletion's own changes: no token or app is involved. */
const DELETION_TOKEN: TokenRecord = { client_id: "deletion", app_name: "Account deletion", app_website: null, scopes: [], created_at: 0 };

/** Every file it stored in R2: uploads (attached or not), its avatar and header, and its archives. */
function mediaKeys(sql: SqlStorage, accountId: string): string[] {
  const uploads = sql.exec<{ file_key: string | null; preview_key: string | null; pending_key: string | null }>("SELECT file_key, preview_key, pending_key FROM media").toArray();
  const profile = sql
    .exec<Record<string, string | null>>("SELECT avatar_url, header_url, avatar_static_url, header_static_url FROM account")
    .toArray()
    .flatMap((r) => Object.values(r))
    .filter((k): k is string => typeof k === "string" && isMediaKey(k));
  const archives = sql.exec<{ id: string }>("SELECT id FROM archives").toArray().map((r) => archiveKey(accountId, r.id));
  return [...new Set([...uploads.flatMap((r) => filesOf(r)), ...profile, ...archives])];
}

interface ForgetJob {
  after: string | null;
}

/** Local accounts it followed, was followed by, blocked or muted forget it (and its notifications). */
accountJobs.register(FORGET_JOB, async (host, job: ForgetJob) => {
  const me = host.accountId();
  const related = await localRelations(host, job.after, RELATIONS_PER_JOB);
  for (const id of related) await accountStub(host.env, id).forgetDeletedAccount(me);
  host.storage.transactionSync(() => {
    if (related.length === RELATIONS_PER_JOB) host.enqueue(FORGET_JOB, { after: related[related.length - 1] } satisfies ForgetJob);
    else host.enqueue(ERASE_JOB, { waits: 0 } satisfies EraseJob, Date.now() + 1000);
  });
  await host.wake();
});

/** On a related account: forget the deleted one. */
export function forgetDeletedAccount(host: AccountHost, accountId: string): void {
  host.storage.transactionSync(() => forgetAccountHere(host.sql, accountId));
}

interface EraseJob {
  waits: number;
}

accountJobs.register(ERASE_JOB, async (host, job: EraseJob) => {
  const others = host.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox WHERE kind != ?", ERASE_JOB).one().n;
  if (others > 0 && job.waits < ERASE_MAX_WAITS) {
    host.enqueue(ERASE_JOB, { waits: job.waits + 1 } satisfies EraseJob, Date.now() + ERASE_WAIT_MS);
    return host.wake();
  }
  host.storage.transactionSync(() => eraseTables(host.sql));
});

/** Empties every table but the account row (emptied too) and its keys. */
function eraseTables(sql: SqlStorage): void {
  const tables = sql
    .exec<{ name: string; sql: string | null }>("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
    .toArray();
  const virtual = tables.filter((t) => /^CREATE VIRTUAL TABLE/i.test(t.sql ?? "")).map((t) => t.name);
  const erasable = tables
    .map((t) => t.name)
    .filter((name) => !KEPT_TABLES.has(name) && !name.startsWith("_") && !name.startsWith("sqlite_"))
    .filter((name) => !virtual.some((v) => name.startsWith(`${v}_`)));
  for (const name of erasable) sql.exec(`DELETE FROM "${name}"`);
  // Triggers of the deletes above note status ids to re-index: nothing is left to index.
  if (erasable.includes("search_dirty")) sql.exec("DELETE FROM search_dirty");
  sql.exec(
    `UPDATE account SET email = '', display_name = '', note = '', note_html = '', fields = '[]', avatar_url = NULL,
     header_url = NULL, avatar_static_url = NULL, header_static_url = NULL, also_known_as = '[]', moved_to_snapshot = NULL,
     attribution_domains = '[]', registration_reason = NULL, last_status_at = NULL, statuses_count = 0,
     followers_count = 0, following_count = 0`,
  );
  sql.exec("DELETE FROM outbox WHERE kind != ?", ERASE_JOB);
}
