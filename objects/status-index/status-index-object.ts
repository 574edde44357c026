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
];

export interface IndexEntry {
  id: string;
  accountId: string;
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
    for (const e of entries) this.sql.exec("INSERT OR REPLACE INTO statuses (id, account_id) VALUES (?, ?)", e.id, e.accountId);
  }

  async remove(ids: string[]): Promise<void> {
    for (const id of ids) this.sql.exec("DELETE FROM statuses WHERE id = ?", id);
  }

  /** Owners of the given ids; unknown ids are absent from the answer. */
  async locate(ids: string[]): Promise<Record<string, string>> {
    const rows = selectIn<{ id: string; account_id: string }>(this.sql, (p) => `SELECT id, account_id FROM statuses WHERE id IN (${p})`, ids);
    return Object.fromEntries(rows.map((r) => [r.id, r.account_id]));
  }
}
