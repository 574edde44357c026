import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "../migrations";

/**
 * Instance-wide lookups for remote actors, sharded (see the stubs below):
 * - local id → actor URI, so `/api/v1/accounts/:id` finds a remote account's RemoteActorObject;
 * - key id → owning actor URI, for keys that are not a `#fragment` of their actor (separate key
 *   documents, GoToSocial's `/main-key`): the next signature with that key skips the key fetch.
 * Both are written only after the owner's own document confirmed them. Writes are idempotent.
 */
const MIGRATIONS: readonly Migration[] = [
  (sql) => {
    sql.exec("CREATE TABLE accounts (id TEXT PRIMARY KEY, uri TEXT NOT NULL)");
    sql.exec("CREATE TABLE key_owners (key_id TEXT PRIMARY KEY, owner TEXT NOT NULL)");
  },
  (sql) => {
    // WebFinger answers (`user@domain` → actor URI), so mentions and lookups skip the query.
    sql.exec("CREATE TABLE handles (acct TEXT PRIMARY KEY, uri TEXT NOT NULL, at INTEGER NOT NULL)");
  },
];

export class RemoteAccountIndexObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  async putAccount(id: string, uri: string): Promise<void> {
    this.sql.exec("INSERT OR REPLACE INTO accounts (id, uri) VALUES (?, ?)", id, uri);
  }

  async accountUri(id: string): Promise<string | null> {
    return this.sql.exec<{ uri: string }>("SELECT uri FROM accounts WHERE id = ?", id).toArray()[0]?.uri ?? null;
  }

  /** The actor URIs of those of `ids` that are remote accounts (others are left out). */
  async accountUris(ids: string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (let i = 0; i < ids.length; i += 90) {
      const chunk = ids.slice(i, i + 90);
      const rows = this.sql.exec<{ id: string; uri: string }>(`SELECT id, uri FROM accounts WHERE id IN (${chunk.map(() => "?").join(", ")})`, ...chunk);
      for (const row of rows) out[row.id] = row.uri;
    }
    return out;
  }

  async putHandle(acct: string, uri: string): Promise<void> {
    this.sql.exec("INSERT OR REPLACE INTO handles (acct, uri, at) VALUES (?, ?, ?)", acct.toLowerCase(), uri, Date.now());
  }

  /** The actor URI a handle resolved to within `maxAgeMs`, or null. */
  async handleUri(acct: string, maxAgeMs: number): Promise<string | null> {
    const row = this.sql.exec<{ uri: string; at: number }>("SELECT uri, at FROM handles WHERE acct = ?", acct.toLowerCase()).toArray()[0];
    return row && Date.now() - row.at < maxAgeMs ? row.uri : null;
  }

  async putKeyOwner(keyId: string, owner: string): Promise<void> {
    this.sql.exec("INSERT OR REPLACE INTO key_owners (key_id, owner) VALUES (?, ?)", keyId, owner);
  }

  async keyOwner(keyId: string): Promise<string | null> {
    return this.sql.exec<{ owner: string }>("SELECT owner FROM key_owners WHERE key_id = ?", keyId).toArray()[0]?.owner ?? null;
  }

  async forgetKeyOwner(keyId: string): Promise<void> {
    this.sql.exec("DELETE FROM key_owners WHERE key_id = ?", keyId);
  }
}
