import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "../migrations";
import { fail, ok, type Result } from "../../worker/http/errors";
import { snowflake } from "../../lib/ids";
import { fetchActivityDocument, fetchPolicy, FetchRefused } from "../../lib/federation/safe-fetch";
import { instanceActorSigner } from "./instance-actor-object";
import { remoteAccountIndexStub, remoteActorStub } from "../../worker/stubs";
import { parseActorDocument, type RemoteActor } from "./actor-document";

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
];

/** A stored actor older than this is refetched when used. */
export const ACTOR_MAX_AGE_MS = 24 * 3600 * 1000;
/** At most one fetch of an actor per interval, whatever asks for it. */
export const REFETCH_INTERVAL_MS = 30_000;
/** How long a Delete is remembered against a late Create. */
export const DELETION_MEMORY_MS = 6 * 3600 * 1000;

export interface ResolveOptions {
  /** Our origin (e.g. https://example.com): the instance actor's key id depends on it. */
  origin: string;
  /** Refetch even if the stored document is fresh (throttled). */
  refresh?: boolean;
}

export class RemoteActorObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private inflight: Promise<Result<RemoteActor>> | null = null;
  /** Tests move this object's clock forward; always 0 in production. */
  clockOffsetMs = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
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

  async rememberDeletion(objectId: string): Promise<void> {
    const now = this.now();
    this.sql.exec("DELETE FROM deletions WHERE expires_at < ?", now);
    this.sql.exec("INSERT OR REPLACE INTO deletions (object_id, expires_at) VALUES (?, ?)", objectId, now + DELETION_MEMORY_MS);
  }

  async wasDeleted(objectId: string): Promise<boolean> {
    const row = this.sql.exec<{ expires_at: number }>("SELECT expires_at FROM deletions WHERE object_id = ?", objectId).toArray()[0];
    return !!row && row.expires_at >= this.now();
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
    const localId = this.stored()?.localId ?? snowflake();
    const parsed = await parseActorDocument(document, localId, attemptAt);
    if (!parsed.ok) {
      this.recordAttempt(attemptAt, parsed.error, null);
      return fail(422, `Unusable actor ${uri}: ${parsed.error}`);
    }
    this.ctx.storage.transactionSync(() => {
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

  private stored(): { uri: string; localId: string; fetchedAt: number; actor: RemoteActor } | null {
    const row = this.sql
      .exec<{ uri: string; local_id: string; record: string; fetched_at: number }>("SELECT uri, local_id, record, fetched_at FROM actor")
      .toArray()[0];
    return row ? { uri: row.uri, localId: row.local_id, fetchedAt: row.fetched_at, actor: JSON.parse(row.record) as RemoteActor } : null;
  }
}

/**
 * THE entry point for remote actors: the stored actor, fetched or refreshed as needed (24 h
 * staleness, `refresh` to force, throttled). Phase 3 calls this for followers, mentions, etc.
 */
export async function resolveRemoteActor(env: Env, uri: string, options: ResolveOptions): Promise<Result<RemoteActor>> {
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return fail(422, "Invalid actor URI");
  }
  if (parsed.hash || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) return fail(422, "Invalid actor URI");
  return remoteActorStub(env, uri).resolve(uri, options);
}

/** A remote account by its local id (for `/api/v1/accounts/:id`), without fetching. */
export async function remoteActorById(env: Env, id: string): Promise<RemoteActor | null> {
  if (!/^\d{1,20}$/.test(id)) return null;
  const uri = await remoteAccountIndexStub(env, id).accountUri(id);
  return uri ? remoteActorStub(env, uri).get() : null;
}
