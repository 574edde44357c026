import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { migrate, schemaVersion } from "../../objects/migrations";
import { ACCOUNT_MIGRATIONS, attributionDomainsColumn } from "../../objects/account/schema";
import { surfaceSchema } from "../../objects/account/surface-schema";
import type { AccountObject } from "../../objects/account/account-object";
import { registerUser, uniqueName } from "./helpers";

const tables = (sql: SqlStorage) =>
  sql
    .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
    .toArray()
    .map((r) => r.name);

const columns = (sql: SqlStorage, table: string) =>
  sql.exec<{ name: string }>(`PRAGMA table_info(${table})`).toArray().map((r) => r.name);

/** Brings an object's storage back to "created at version 0": no tables at all. */
function wipe(sql: SqlStorage): void {
  // IF EXISTS: dropping an FTS5 table (search index) drops its shadow tables with it.
  for (const name of tables(sql)) sql.exec(`DROP TABLE IF EXISTS "${name}"`);
}

describe("account object migrations", () => {
  it("a new object is at the latest schema version", async () => {
    const stub = env.ACCOUNT.get(env.ACCOUNT.newUniqueId());
    await runInDurableObject(stub, async (_instance: AccountObject, state) => {
      expect(schemaVersion(state.storage.sql)).toBe(ACCOUNT_MIGRATIONS.length);
      expect(tables(state.storage.sql)).toEqual(expect.arrayContaining(["_schema", "account", "keys", "credentials", "tokens"]));
    });
  });

  it("an empty object (version 0) migrates step by step to the latest", async () => {
    const stub = env.ACCOUNT.get(env.ACCOUNT.newUniqueId());
    await runInDurableObject(stub, async (_instance: AccountObject, state) => {
      const sql = state.storage.sql;
      wipe(sql);
      expect(tables(sql)).toEqual([]);
      expect(migrate(state.storage, ACCOUNT_MIGRATIONS)).toBe(ACCOUNT_MIGRATIONS.length);
      expect(schemaVersion(sql)).toBe(ACCOUNT_MIGRATIONS.length);
      expect(columns(sql, "account")).toContain("registration_reason");
      // Running again is a no-op.
      expect(migrate(state.storage, ACCOUNT_MIGRATIONS)).toBe(ACCOUNT_MIGRATIONS.length);
    });
  });

  it("an account created at version 1 keeps its data through the later migrations", async () => {
    const stub = env.ACCOUNT.get(env.ACCOUNT.newUniqueId());
    await runInDurableObject(stub, async (_instance: AccountObject, state) => {
      const sql = state.storage.sql;
      wipe(sql);
      migrate(state.storage, ACCOUNT_MIGRATIONS.slice(0, 1));
      expect(schemaVersion(sql)).toBe(1);
      sql.exec("INSERT INTO account (id, username, email, created_at) VALUES ('42', 'old', 'old@example.com', '2024-01-01T00:00:00.000Z')");
      migrate(state.storage, ACCOUNT_MIGRATIONS);
      expect(schemaVersion(sql)).toBe(ACCOUNT_MIGRATIONS.length);
      const row = sql.exec<{ username: string; registration_reason: string | null }>("SELECT username, registration_reason FROM account").one();
      expect(row).toEqual({ username: "old", registration_reason: null });
    });
  });

  it("an object from before push subscriptions gains their table and keeps its tokens", async () => {
    const stub = env.ACCOUNT.get(env.ACCOUNT.newUniqueId());
    await runInDurableObject(stub, async (_instance: AccountObject, state) => {
      const sql = state.storage.sql;
      wipe(sql);
      // The push migration is the one just before attribution domains.
      migrate(state.storage, ACCOUNT_MIGRATIONS.slice(0, ACCOUNT_MIGRATIONS.indexOf(attributionDomainsColumn) - 1));
      expect(tables(sql)).not.toContain("push_subscriptions");
      sql.exec("INSERT INTO tokens (hash, client_id, app_name, scopes, created_at) VALUES ('h', 'c', 'App', 'read push', 1)");
      migrate(state.storage, ACCOUNT_MIGRATIONS);
      expect(tables(sql)).toContain("push_subscriptions");
      expect(columns(sql, "push_subscriptions")).toEqual(
        expect.arrayContaining(["token_hash", "id", "endpoint", "p256dh", "auth", "standard", "alerts", "policy", "sealed_token"]),
      );
      expect(sql.exec("SELECT count(*) AS n FROM tokens").one().n).toBe(1);
    });
  });

  it("an object from before the Mastodon-behaviour work keeps its boosts as public and gains former followers", async () => {
    const stub = env.ACCOUNT.get(env.ACCOUNT.newUniqueId());
    await runInDurableObject(stub, async (_instance: AccountObject, state) => {
      const sql = state.storage.sql;
      wipe(sql);
      migrate(state.storage, ACCOUNT_MIGRATIONS.slice(0, ACCOUNT_MIGRATIONS.indexOf(surfaceSchema)));
      sql.exec("INSERT INTO reblogged_by (status_id, account_id, reblog_id, snapshot) VALUES ('1', '2', '3', '{}')");
      migrate(state.storage, ACCOUNT_MIGRATIONS);
      expect(sql.exec("SELECT visibility FROM reblogged_by").toArray()).toEqual([{ visibility: "public" }]);
      expect(tables(sql)).toContain("former_followers");
    });
  });

  it("an account from before attribution domains gains an empty list, its profile intact", async () => {
    const stub = env.ACCOUNT.get(env.ACCOUNT.newUniqueId());
    await runInDurableObject(stub, async (_instance: AccountObject, state) => {
      const sql = state.storage.sql;
      wipe(sql);
      migrate(state.storage, ACCOUNT_MIGRATIONS.slice(0, ACCOUNT_MIGRATIONS.indexOf(attributionDomainsColumn)));
      expect(columns(sql, "account")).not.toContain("attribution_domains");
      sql.exec("INSERT INTO account (id, username, email, display_name, created_at) VALUES ('1', 'old', 'old@example.com', 'Old', '2025-01-01T00:00:00Z')");
      migrate(state.storage, ACCOUNT_MIGRATIONS);
      expect(sql.exec("SELECT display_name, attribution_domains FROM account").one()).toEqual({ display_name: "Old", attribution_domains: "[]" });
    });
  });

  it("a registered account's object stores its schema version and the registration reason column", async () => {
    const user = await registerUser(uniqueName("migrated"));
    const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(user.id));
    await runInDurableObject(stub, async (_instance: AccountObject, state) => {
      expect(schemaVersion(state.storage.sql)).toBe(ACCOUNT_MIGRATIONS.length);
    });
  });
});
