import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AccountObject } from "../../objects/account/account-object";
import { tableWrite, writtenTable } from "../../objects/watched-storage";
import { accountStub, call, post, users } from "./timelines-helpers";

/**
 * AccountObject memoises its account record (every authenticated call reads it). It must
 * never serve a stale record: writes to `account`/`keys` from any module and rolled-back
 * transactions forget it.
 */
describe("account record memo", () => {
  it("recognises the table each data-modifying statement writes", () => {
    expect(writtenTable("UPDATE account SET approved = 1")).toBe("account");
    expect(writtenTable("  update OR ignore account SET x = 1")).toBe("account");
    expect(writtenTable("INSERT OR REPLACE INTO keys (id) VALUES (1)")).toBe("keys");
    expect(writtenTable("DELETE FROM account_notes WHERE account_id = ?")).toBe("account_notes");
    expect(writtenTable("SELECT * FROM account")).toBeNull();
    expect(writtenTable("CREATE TABLE account (id TEXT)")).toBeNull();
    expect(tableWrite("INSERT OR IGNORE INTO favourites (status_id) VALUES (?)")).toEqual({ table: "favourites", adds: true });
    expect(tableWrite("REPLACE INTO bookmarks (status_id) VALUES (?)")).toEqual({ table: "bookmarks", adds: true });
    expect(tableWrite("UPDATE statuses SET favourites_count = 1")).toEqual({ table: "statuses", adds: false });
    expect(tableWrite("DELETE FROM favourites WHERE status_id = ?")).toEqual({ table: "favourites", adds: false });
  });

  it("reflects counters and profile changes made by feature modules", async () => {
    const [author] = await users("memo");
    const before = (await call("GET", "/api/v1/accounts/verify_credentials", author.token)).body;
    await post(author, { status: "counted" });
    await call("PATCH", "/api/v1/accounts/update_credentials", author.token, { display_name: "Renamed" });
    const after = (await call("GET", "/api/v1/accounts/verify_credentials", author.token)).body;
    expect(after.statuses_count).toBe(before.statuses_count + 1);
    expect(after.display_name).toBe("Renamed");
  });

  it("forgets a record read inside a transaction that rolled back", async () => {
    const [user] = await users("rollback");
    const names = await runInDurableObject(accountStub(user.id), (o: AccountObject) => {
      const original = o.record()!.display_name;
      let inside = "";
      expect(() =>
        o.storage.transactionSync(() => {
          o.sql.exec("UPDATE account SET display_name = 'uncommitted'");
          inside = o.record()!.display_name;
          throw new Error("abort");
        }),
      ).toThrow("abort");
      return { original, inside, after: o.record()!.display_name };
    });
    expect(names.inside).toBe("uncommitted");
    expect(names.after).toBe(names.original);
  });

  it("hands out a frozen record, so no caller can corrupt the memo", async () => {
    const [user] = await users("frozen");
    const frozen = await runInDurableObject(accountStub(user.id), (o: AccountObject) => Object.isFrozen(o.record()) && Object.isFrozen(o.record()!.fields));
    expect(frozen).toBe(true);
  });
});
