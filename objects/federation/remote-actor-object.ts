import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "../migrations";
import { fail, mapResult, ok, type Result } from "../../lib/result";
import { snowflake } from "../../lib/ids";
import { fetchActivityDocument, fetchPolicy, FetchRefused } from "../../lib/federation/safe-fetch";
import { instanceActorSigner } from "./instance-actor-object";
import { remoteAccountIndexStub } from "../../core/stubs";
import { parseActorDocument, type RemoteActor } from "./actor-document";
import { Outbox, scheduleAlarm } from "../outbox";
import { snapshotEntries, type AccountSnapshot, type SnapshotEntry } from "../../schemas/records";
import type { Page } from "../../schemas/paging";

import * as remote from "./remote-statuses";
import * as relations from "./remote-relations";
import { receiveInteraction } from "./remote-interactions";
import { keepMoved, movedTargetSnapshot } from "./moved-target";
import { COPIES_JOB, linkNow, queueActorDeletion, queueMove, lifecycleMovedAt } from "./remote-fanout";
import { dispatchActivity, type PortableContext } from "./handlers/registry";
import type { AccountStatusesQuery, Interaction, WatchedChange } from "../../schemas/calls";
import type { Arrival, ResolveOptions } from "./remote-actors";

export type { RemoteActor, RemoteKey } from "./actor-document";

/**
 * One remote actor (`idFromName("actor:" + uri)`): its document, keys, inboxes and the local
 * snowflake id it got on first contact. Fetching happens here, so concurrent needs for the same
 * actor share one fetch, and a refresh is throttled (a flood of bad signatures naming a key
 * cannot make us refetch its actor more than once per REFETCH_INTERVAL). It also remembers, for a
 * few hours, objects this actor deleted: a Delete can arrive before its Create.
 */
const MIGRATIONS: readonly Migration[] = [
  (sql) => {
    sql.exec(`CREATE TABLE actor (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      uri TEXT NOT NULL,
      local_id TEXT NOT NULL,
      indexed INTEGER NOT NULL DEFAULT 0,
      record TEXT NOT NULL,
      document TEXT NOT NULL,
      fetched_at INTEGER NOT NULL
    )`);
    sql.exec(`CREATE TABLE fetch_state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      last_attempt_at INTEGER NOT NULL,
      last_error TEXT,
      last_status INTEGER
    )`);
    sql.exec("CREATE TABLE deletions (object_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)");
  },
  // Phase 3: the remote side of the account model (objects/federation/remote-statuses.ts).
  remote.remoteStatusesSchema,
  remote.fanoutQueueSchema,
  // When the actor last moved: a second Move within 7 days is ignored (remote-fanout.ts).
  lifecycleMovedAt,
];

/** A stored actor older than this is refetched when used. */
export const ACTOR_MAX_AGE_MS = 24 * 3600 * 1000;
/** At most one fetch of an actor per interval, whatever asks for it. */
export const REFETCH_INTERVAL_MS = 30_000;
/** How long a Delete is remembered against a late Create. */
export const DELETION_MEMORY_MS = 6 * 3600 * 1000;
/** Batches of due jobs one alarm runs before handing over to the next alarm. */
const MAX_JOB_RUNS_PER_ALARM = 20;

export class RemoteActorObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private inflight: Promise<Result<RemoteActor>> | null = null;
  /** Tests move this object's clock forward; always 0 in production. */
  clockOffsetMs = 0;
  /** True while alarm() runs jobs: it looks for due jobs again before it stops. */
  private alarmRunning = false;
  /** The stored actor row, parsed once (this object is its only writer); undefined = not read yet. */
  private storedCopy: StoredActor | null | undefined = undefined;
  private readonly outbox: Outbox<remote.RemoteHost>;
  /** What remote-statuses.ts and remote-fanout.ts work with. */
  private readonly host: remote.RemoteHost;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.outbox = new Outbox(ctx.storage, remote.remoteActorJobs);
    this.host = {
      sql: this.sql,
      storage: ctx.storage,
      env,
      enqueue: (kind, payload, at) => this.outbox.enqueue(kind, payload, at),
      // A running alarm takes every job that is due before it stops (alarm()), so no storage call then.
      wake: () => (this.alarmRunning ? Promise.resolve() : scheduleAlarm(ctx.storage, this.outbox.nextDueAt())),
      actor: () => this.stored()?.actor ?? null,
    };
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** The stored actor, without fetching (null if never fetched). */
  async get(): Promise<RemoteActor | null> {
    return this.stored()?.actor ?? null;
  }

  /**
   * The actor, fetched when missing, stale (24 h) or when `refresh` is asked. A failed refetch
   * keeps serving the stored copy; a first fetch that fails is an error (404/410/502).
   */
  async resolve(uri: string, options: ResolveOptions): Promise<Result<RemoteActor>> {
    const stored = this.stored();
    if (stored && stored.uri !== uri) return fail(500, "actor object holds another URI");
    const fresh = stored && this.now() - stored.fetchedAt < ACTOR_MAX_AGE_MS;
    if (stored && fresh && !options.refresh) return ok(stored.actor);
    const state = this.fetchState();
    if (state && this.now() - state.last_attempt_at < REFETCH_INTERVAL_MS && !this.inflight) {
      if (stored) return ok(stored.actor);
      return fail(state.last_status === 410 ? 410 : state.last_status === 404 ? 404 : 502, state.last_error ?? "actor fetch failed");
    }
    this.inflight ??= this.fetchAndStore(uri, options.origin).finally(() => {
      this.inflight = null;
    });
    const result = await this.inflight;
    if (!result.ok && stored) return ok(stored.actor);
    return result;
  }

  /**
   * Everything the inbox needs of this actor before handling a Create or Update, in one call
   * (a JSON `Arrival`): whether the object was deleted first (then nothing else is looked at),
   * the actor as `resolve` gives it, whether it is deleted here, has local followers, and
   * whether a status with the object's id is already stored.
   */
  async arrival(uri: string, options: ResolveOptions, objectId: string | null): Promise<string> {
    return JSON.stringify(await this.arrivalHere(uri, options, objectId));
  }

  /** `arrival` for code running in this object (dispatchHere). */
  async arrivalHere(uri: string, options: ResolveOptions, objectId: string | null): Promise<Arrival> {
    // One statement for every fact (wasDeleted, relations.deletedActor, local followers, statusByUri).
    const facts = this.sql
      .exec<{ deleted_until: number | null; deleted: number | null; followed: number | null; held: number | null }>(
        `SELECT (SELECT expires_at FROM deletions WHERE object_id = ?1) AS deleted_until,
                (SELECT 1 FROM lifecycle WHERE deleted_at IS NOT NULL) AS deleted,
                (SELECT 1 FROM local_followers LIMIT 1) AS followed,
                (SELECT 1 FROM statuses WHERE uri = ?1) AS held`,
        objectId,
      )
      .one();
    if (facts.deleted_until !== null && facts.deleted_until >= this.now()) return { objectDeleted: true };
    const sender = await this.resolve(uri, options);
    return { objectDeleted: false, sender, actorDeleted: facts.deleted === 1, hasLocalFollowers: facts.followed === 1, holdsObject: facts.held === 1 };
  }

  /**
   * Runs an inbound activity's handler here, in the object of its (verified) actor, and returns
   * the dispatch outcome: a JSON `PortableContext` in (registry.ts), a string out.
   */
  async dispatchHere(portable: string): Promise<string> {
    const input = JSON.parse(portable) as PortableContext;
    return dispatchActivity({ ...input, env: this.env, here: { uri: input.actor, object: this } });
  }

  async rememberDeletion(objectId: string): Promise<void> {
    const now = this.now();
    this.sql.exec("DELETE FROM deletions WHERE expires_at < ?", now);
    this.sql.exec("INSERT OR REPLACE INTO deletions (object_id, expires_at) VALUES (?, ?)", objectId, now + DELETION_MEMORY_MS);
  }

  async wasDeleted(objectId: string): Promise<boolean> {
    const row = this.sql.exec<{ expires_at: number }>("SELECT expires_at FROM deletions WHERE object_id = ?", objectId).toArray()[0];
    return !!row && row.expires_at >= this.now();
  }

  // ----- remote statuses and local relations (phase 3: objects/federation/remote-statuses.ts) -----
  // Called by inbound handlers and by code that found a status id with `actorUri` in the index.

  /**
   * Stores a status once per ActivityPub id and links it at once, or, when it fans out, in the
   * fan-out drain just before it reaches anyone (its queued jobs do the rest).
   */
  async storeStatus(input: remote.NewRemoteStatus): Promise<{ id: string; created: boolean }> {
    const stored = remote.storeStatus(this.host, input);
    if (stored.created && !input.fanout) await linkNow(this.host, stored.id);
    await this.host.wake();
    return stored;
  }
  async statusByUri(uri: string) {
    return remote.statusByUri(this.host, uri);
  }
  /** Without a visibility check: federation internals only (threads, parents, boosts). */
  async statusesById(ids: string[]) {
    return remote.statusesById(this.host, ids);
  }
  async statusesFor(ids: string[], viewerId: string | null) {
    return remote.statusesFor(this.host, ids, viewerId);
  }
  async accountStatuses(viewerId: string | null, query: AccountStatusesQuery) {
    return remote.accountStatuses(this.host, viewerId, query);
  }
  /** statusesFor and accountStatuses as snapshot JSON, for readers that render (worker/http/viewed.ts). */
  async statusSnapshotsFor(ids: string[], viewerId: string | null): Promise<SnapshotEntry[]> {
    return snapshotEntries(remote.statusesFor(this.host, ids, viewerId));
  }
  async accountStatusSnapshots(viewerId: string | null, query: AccountStatusesQuery): Promise<Result<SnapshotEntry[]>> {
    return mapResult(remote.accountStatuses(this.host, viewerId, query), snapshotEntries);
  }
  async recentStatusesFor(viewerId: string) {
    return remote.recentStatusesFor(this.host, viewerId);
  }
  async statusHistory(id: string, viewerId: string | null) {
    return remote.statusHistory(this.host, id, viewerId);
  }
  async interactionAccounts(id: string, viewerId: string | null, list: "favourited_by" | "reblogged_by", page: Page) {
    return remote.interactionAccounts(this.host, id, viewerId, list, page);
  }
  receiveInteraction(interaction: Interaction, actor: AccountSnapshot) {
    return receiveInteraction(this.host, interaction, actor);
  }
  async editStatus(edit: remote.RemoteEdit): Promise<remote.EditOutcome> {
    const outcome = remote.editStatus(this.host, edit);
    await this.host.wake();
    return outcome;
  }
  async removeStatus(uri: string): Promise<boolean> {
    const removed = remote.removeStatus(this.host, uri);
    await this.host.wake();
    return removed;
  }
  /** A status this actor boosted was edited or deleted by its (local) author. */
  async receiveWatchedChange(change: WatchedChange): Promise<void> {
    remote.applyWatchedChange(this.host, change);
    await this.host.wake();
  }
  async setPinned(uri: string, pinned: boolean): Promise<boolean> {
    return remote.setPinned(this.host, uri, pinned);
  }
  async addLocalFollower(accountId: string): Promise<void> {
    relations.addLocalFollower(this.sql, accountId);
  }
  async removeLocalFollower(accountId: string): Promise<void> {
    relations.removeLocalFollower(this.sql, accountId);
  }
  async hasLocalFollowers(): Promise<boolean> {
    return relations.localFollowersAfter(this.sql, null, 1).length > 0;
  }
  async localFollowers(): Promise<string[]> {
    return relations.localFollowersAfter(this.sql, null, 10_000);
  }
  async noteFollowOf(accountId: string, followId: string): Promise<void> {
    relations.noteFollowOf(this.sql, accountId, followId);
  }
  async forgetFollowOf(accountId: string): Promise<void> {
    relations.forgetFollowOf(this.sql, accountId);
  }
  async rememberActivity(entry: relations.LedgerEntry): Promise<void> {
    relations.rememberActivity(this.sql, entry);
  }
  async findActivity(id: string): Promise<relations.LedgerEntry | null> {
    return relations.findActivity(this.sql, id);
  }
  async forgetActivities(match: Parameters<typeof relations.forgetActivities>[1]): Promise<void> {
    relations.forgetActivities(this.sql, match);
  }
  /** True when the actor was deleted (its activities are ignored from then on). */
  async isDeleted(): Promise<boolean> {
    return relations.deletedActor(this.sql);
  }
  /** Delete(actor): statuses and follows go (durable cascade). False when already done. */
  async actorDeleted(): Promise<boolean> {
    const queued = queueActorDeletion(this.host);
    await this.host.wake();
    return queued;
  }
  /** Move: local followers follow `target` instead. False when already done. */
  async actorMoved(target: { id: string; uri: string; account?: AccountSnapshot }): Promise<boolean> {
    const queued = queueMove(this.host, target);
    if (queued && target.account) this.noteMoved(target.account, target.uri);
    await this.host.wake();
    return queued;
  }

  /** The API's `moved` of this account from now on; local copies of the profile follow. */
  private noteMoved(target: AccountSnapshot, targetUri: string): void {
    const row = this.sql.exec<{ record: string }>("SELECT record FROM actor").toArray()[0];
    if (!row) return;
    const actor = JSON.parse(row.record) as RemoteActor;
    actor.account = { ...actor.account, moved: { ...target, uri: targetUri, moved: undefined } };
    this.storedCopy = undefined;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("UPDATE actor SET record = ?", JSON.stringify(actor));
      this.outbox.enqueue(COPIES_JOB, { after: "" });
    });
  }

  /**
   * Update(actor): the actor signed its new document, so it is stored as if fetched (keys kept
   * when the copy lists none); local accounts holding copies of the profile are refreshed.
   */
  async applyActorUpdate(document: Record<string, unknown>): Promise<Result<RemoteActor>> {
    const stored = this.stored();
    if (!stored || document.id !== stored.uri) return fail(404, "Unknown actor");
    const parsed = await parseActorDocument(document, stored.localId, this.now());
    if (!parsed.ok) return fail(422, parsed.error);
    const updated = keepMoved(stored.actor, parsed.actor);
    const actor = updated.keys.length ? updated : { ...updated, keys: stored.actor.keys, publicKey: stored.actor.publicKey };
    this.storedCopy = undefined;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("UPDATE actor SET record = ?, document = ?, fetched_at = ?", JSON.stringify(actor), JSON.stringify(document), this.now());
      this.outbox.enqueue(COPIES_JOB, { after: "" });
    });
    await this.host.wake();
    return ok(actor);
  }

  /** Queued jobs not yet done (tests, admin); `dueOnly`: those due now. */
  async pendingJobs(dueOnly = false): Promise<number> {
    if (!dueOnly) return this.outbox.pending();
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox WHERE next_at <= ?", Date.now()).one().n;
  }

  override async alarm(): Promise<void> {
    // Jobs queued while these ran (a burst's fan-out drains) are run in the same alarm. The flag
    // is cleared with no await after the last look at the outbox, so a job queued later wakes it.
    let next: number | null;
    this.alarmRunning = true;
    try {
      next = await this.outbox.runDue(this.host);
      for (let run = 1; run < MAX_JOB_RUNS_PER_ALARM && next !== null && next <= Date.now(); run++) next = await this.outbox.runDue(this.host);
    } finally {
      this.alarmRunning = false;
    }
    await scheduleAlarm(this.ctx.storage, next);
  }

  private async fetchAndStore(uri: string, origin: string): Promise<Result<RemoteActor>> {
    const attemptAt = this.now();
    let document: Record<string, unknown>;
    try {
      ({ document } = await fetchActivityDocument(uri, fetchPolicy(this.env), { signer: instanceActorSigner(this.env, origin) }));
    } catch (err) {
      const status = err instanceof FetchRefused ? err.status : null;
      const message = err instanceof Error ? err.message : String(err);
      this.recordAttempt(attemptAt, message, status);
      return fail(status === 410 ? 410 : status === 404 ? 404 : 502, `Could not fetch actor ${uri}: ${message}`);
    }
    const previous = this.stored();
    const localId = previous?.localId ?? snowflake();
    const parsed = await parseActorDocument(document, localId, attemptAt);
    if (!parsed.ok) {
      this.recordAttempt(attemptAt, parsed.error, null);
      return fail(422, `Unusable actor ${uri}: ${parsed.error}`);
    }
    if (previous) parsed.actor = keepMoved(previous.actor, parsed.actor);
    if (parsed.actor.movedTo && parsed.actor.movedTo !== uri && !parsed.actor.account.moved) {
      const moved = await movedTargetSnapshot(this.env, parsed.actor.movedTo, origin);
      if (moved) parsed.actor.account = { ...parsed.actor.account, moved };
    }
    // A refresh of a stale actor that finds a changed profile or inboxes updates the local copies, as an Update would.
    const profileChanged = previous !== null && !sameProfile(previous.actor, parsed.actor);
    this.storedCopy = undefined;
    this.ctx.storage.transactionSync(() => {
      if (profileChanged) this.outbox.enqueue(COPIES_JOB, { after: "" });
      this.sql.exec(
        `INSERT INTO actor (id, uri, local_id, record, document, fetched_at) VALUES (1, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET record = excluded.record, document = excluded.document, fetched_at = excluded.fetched_at`,
        uri,
        localId,
        JSON.stringify(parsed.actor),
        JSON.stringify(document),
        attemptAt,
      );
      this.recordAttempt(attemptAt, null, 200);
    });
    await this.ensureIndexed();
    if (profileChanged) await this.host.wake();
    return ok(parsed.actor);
  }

  /** The id → URI index entry is written after the local row, and retried until it succeeds. */
  private async ensureIndexed(): Promise<void> {
    const row = this.sql.exec<{ local_id: string; uri: string; indexed: number }>("SELECT local_id, uri, indexed FROM actor").toArray()[0];
    if (!row || row.indexed) return;
    await remoteAccountIndexStub(this.env, row.local_id).putAccount(row.local_id, row.uri);
    this.sql.exec("UPDATE actor SET indexed = 1");
  }

  private recordAttempt(at: number, error: string | null, status: number | null): void {
    this.sql.exec(
      `INSERT INTO fetch_state (id, last_attempt_at, last_error, last_status) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET last_attempt_at = excluded.last_attempt_at, last_error = excluded.last_error, last_status = excluded.last_status`,
      at,
      error ? error.slice(0, 500) : null,
      status,
    );
  }

  private fetchState(): { last_attempt_at: number; last_error: string | null; last_status: number | null } | undefined {
    return this.sql
      .exec<{ last_attempt_at: number; last_error: string | null; last_status: number | null }>("SELECT * FROM fetch_state")
      .toArray()[0];
  }

  /** The stored actor. Callers must not mutate it (it is shared until the next write). */
  private stored(): StoredActor | null {
    if (this.storedCopy !== undefined) return this.storedCopy;
    const row = this.sql
      .exec<{ uri: string; local_id: string; record: string; fetched_at: number }>("SELECT uri, local_id, record, fetched_at FROM actor")
      .toArray()[0];
    this.storedCopy = row ? { uri: row.uri, localId: row.local_id, fetchedAt: row.fetched_at, actor: JSON.parse(row.record) as RemoteActor } : null;
    return this.storedCopy;
  }
}

interface StoredActor {
  uri: string;
  localId: string;
  fetchedAt: number;
  actor: RemoteActor;
}

/** The profile as shown (snapshot fields other than the fetch time) and where deliveries go. */
function sameProfile(a: RemoteActor, b: RemoteActor): boolean {
  const shown = (x: RemoteActor) => JSON.stringify({ ...x.account, created_at: null });
  return shown(a) === shown(b) && a.inbox === b.inbox && a.sharedInbox === b.sharedInbox;
}

