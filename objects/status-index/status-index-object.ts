import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "../migrations";
import { selectIn } from "../account/viewer";

/**
 * Status id → owning account, so that `GET /api/v1/statuses/:id` (and favourite, reply, vote...)
 * finds the one object that holds the status. Sharded by id (`statusIndexStub`): every shard
 * sees a uniform share of writes, and a lookup is one call to one shard. Writes are idempotent.
 */
const MIGRATIONS: readonly Migration[] = [
  (sql) => {
    sql.exec("CREATE TABLE statuses (id TEXT PRIMARY KEY, account_id TEXT NOT NULL)");
  },
  // Federation: a remote status's owner is its author's RemoteActorObject, named by
  // the actor URI. Shards named `status-uris:<n>` use `uris` only: ActivityPub id → local id.
  (sql) => {
    sql.exec("ALTER TABLE statuses ADD COLUMN actor_uri TEXT");
    sql.exec("CREATE TABLE uris (uri TEXT PRIMARY KEY, id TEXT NOT NULL, account_id TEXT NOT NULL, actor_uri TEXT NOT NULL)");
  },
];

export interface IndexEntry {
  id: string;
  accountId: string;
  /** Set for a remote status: its author's actor URI (the RemoteActorObject holding it). */
  actorUri?: string | null;
}

/** Who holds a status: a local account's object, or (actorUri set) a remote author's object. */
export interface StatusOwner {
  accountId: string;
  actorUri: string | null;
}

/** A remote status found by its ActivityPub id. */
export interface UriEntry {
  id: string;
  accountId: string;
  actorUri: string;
}

export class StatusIndexObject extends DurableObject<Env> {
  readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  async add(entries: IndexEntry[]): Promise<void> {
    for (const e of entries) {
      this.sql.exec("INSERT OR REPLACE INTO statuses (id, account_id, actor_uri) VALUES (?, ?, ?)", e.id, e.accountId, e.actorUri ?? null);
    }
  }

  async remove(ids: string[]): Promise<void> {
    for (const id of ids) this.sql.exec("DELETE FROM statuses WHERE id = ?", id);
  }

  /** Owners of the given ids; unknown ids are absent from the answer. */
  async locate(ids: string[]): Promise<Record<string, string>> {
    const rows = selectIn<{ id: string; account_id: string }>(this.sql, (p) => `SELECT id, account_id FROM statuses WHERE id IN (${p})`, ids);
    return Object.fromEntries(rows.map((r) => [r.id, r.account_id]));
  }

  /** Like `locate`, saying also where a remote status lives. */
  async owners(ids: string[]): Promise<Record<string, StatusOwner>> {
    const rows = selectIn<{ id: string; account_id: string; actor_uri: string | null }>(
      this.sql,
      (p) => `SELECT id, account_id, actor_uri FROM statuses WHERE id IN (${p})`,
      ids,
    );
    return Object.fromEntries(rows.map((r) => [r.id, { accountId: r.account_id, actorUri: r.actor_uri }]));
  }

  // ----- ActivityPub id → local id of remote statuses (shards `status-uris:<n>`) -----

  async putUri(uri: string, entry: UriEntry): Promise<void> {
    this.sql.exec("INSERT OR REPLACE INTO uris (uri, id, account_id, actor_uri) VALUES (?, ?, ?, ?)", uri, entry.id, entry.accountId, entry.actorUri);
  }

  async byUri(uri: string): Promise<UriEntry | null> {
    const row = this.sql.exec<{ id: string; account_id: string; actor_uri: string }>("SELECT id, account_id, actor_uri FROM uris WHERE uri = ?", uri).toArray()[0];
    return row ? { id: row.id, accountId: row.account_id, actorUri: row.actor_uri } : null;
  }

  /** Forgets a uri only if it still names `id` (a re-created status keeps its new entry). */
  async removeUri(uri: string, id: string): Promise<void> {
    this.sql.exec("DELETE FROM uris WHERE uri = ? AND id = ?", uri, id);
  }
}
