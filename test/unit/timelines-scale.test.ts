import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AccountObject } from "../../objects/account/account-object";
import { MAX_ENTRIES, type TimelineObject } from "../../objects/timeline/timeline-object";
import { insertIntoHome } from "../../objects/account/home";
import { readHome } from "../../objects/account/feeds";
import { readNotifications } from "../../objects/account/notification-feed";
import { snowflake } from "../../lib/ids";
import type { StatusRecord } from "../../schemas/records";
import { accountStub, follow, get, homeIds, post, recordBy, settle, tagStub, users } from "./timelines-helpers";

/**
 * Reads must not slow down as a timeline grows: the home and notification pages are index
 * range scans that read about `limit` rows whatever the table size (counted with the SQL
 * cursor's rowsRead), instance timelines keep only the newest MAX_ENTRIES, and fan-out pages
 * through followers with durable continuation jobs.
 */

/** Seeds `n` home rows and `n` notifications into an account's object (oldest first). */
async function seed(accountId: string, template: StatusRecord, n: number): Promise<void> {
  await runInDurableObject(accountStub(accountId), (o: AccountObject) => {
    o.storage.transactionSync(() => {
      const base = Date.now() - n * 10;
      const rows: StatusRecord[] = [];
      for (let i = 0; i < n; i++) rows.push({ ...template, id: snowflake(base + i * 10), content: `<p>seed ${i}</p>` });
      insertIntoHome(o.sql, rows);
      for (let i = 0; i < n; i++) {
        o.sql.exec(
          `INSERT INTO notifications (id, type, from_account_id, from_snapshot, status_id, status_snapshot, group_key, created_at)
           VALUES (?, 'mention', ?, ?, ?, ?, ?, ?)`,
          snowflake(base + i * 10),
          template.account.id,
          JSON.stringify(template.account),
          rows[i].id,
          JSON.stringify(rows[i]),
          `ungrouped-${i}`,
          new Date(base + i * 10).toISOString(),
        );
      }
    });
  });
}

/** Rows SQLite read for one home page and one notifications page of 40. */
async function rowsReadPerPage(accountId: string): Promise<{ home: number; notifications: number }> {
  return runInDurableObject(accountStub(accountId), (o: AccountObject) => {
    const sql = o.sql;
    const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
    const counting = {
      exec(query: string, ...bindings: SqlStorageValue[]) {
        const cursor = sql.exec(query, ...bindings);
        cursors.push(cursor);
        return cursor;
      },
    } as SqlStorage;
    const measure = (read: () => unknown) => {
      cursors.length = 0;
      read();
      return cursors.reduce((sum, c) => sum + c.rowsRead, 0);
    };
    const me = o.accountId();
    return {
      home: measure(() => expect(readHome(counting, me, { limit: 40 }).statuses).toHaveLength(40)),
      notifications: measure(() => expect(readNotifications(counting, me, { limit: 40 }).notifications).toHaveLength(40)),
    };
  });
}

describe("scale", () => {
  it("reads home and notifications pages with index range scans whatever the size", async () => {
    const [small, large, author] = await users("small", "large", "seedauthor");
    const template = await recordBy(author);
    await seed(small.id, template, 100);
    await seed(large.id, template, 10_000);
    const smallReads = await rowsReadPerPage(small.id);
    const largeReads = await rowsReadPerPage(large.id);
    console.log("rows read per page of 40", { small: smallReads, large: largeReads });
    // About 7 rows per entry: the page's rows, and each id walked once per flag lookup
    // (json_each rows count as read); what matters is that the size changes nothing.
    expect(largeReads.home).toBeLessThan(400);
    expect(largeReads.notifications).toBeLessThan(400);
    expect(largeReads.home).toBeLessThanOrEqual(smallReads.home + 5);
    expect(largeReads.notifications).toBeLessThanOrEqual(smallReads.notifications + 5);

    const plan = await runInDurableObject(accountStub(large.id), (o: AccountObject) =>
      o.sql
        .exec<{ detail: string }>("EXPLAIN QUERY PLAN SELECT id, snapshot FROM home WHERE CAST(id AS INTEGER) < CAST(? AS INTEGER) ORDER BY CAST(id AS INTEGER) DESC LIMIT 40", "9")
        .toArray()
        .map((r) => r.detail)
        .join("\n"),
    );
    expect(plan).toMatch(/USING INDEX home_order/);
    expect(plan).not.toMatch(/TEMP B-TREE/);

    // Through the API: the newest 40 of 10,000, then the next page from the Link header.
    const page = await get("/api/v1/timelines/home?limit=40", large.token);
    expect(page.body).toHaveLength(40);
    expect(page.body[0].content).toBe("<p>seed 9999</p>");
    const notes = await get("/api/v1/notifications?limit=40", large.token);
    expect(notes.body).toHaveLength(40);
  });

  it("keeps only the newest MAX_ENTRIES in an instance timeline", async () => {
    const [author] = await users("capper");
    const template = await recordBy(author, { tags: ["capped"] });
    const name = `cap${Date.now().toString(36)}`;
    const count = await runInDurableObject(tagStub(name), async (o: TimelineObject) => {
      const base = Date.now() - 20_000_000;
      for (let i = 0; i < MAX_ENTRIES + 50; i++) {
        o.sql.exec(
          "INSERT INTO entries (id, author_id, local, has_media, tags, snapshot) VALUES (?, ?, 1, 0, ' capped ', ?)",
          snowflake(base + i),
          template.account.id,
          JSON.stringify({ ...template, id: "x" }),
        );
      }
      for (let i = 0; i < 100; i++) await o.add({ ...template, id: snowflake() });
      return o.count();
    });
    expect(count).toBe(MAX_ENTRIES);
  });

  it("fans out to followers page by page (more followers than one page)", async () => {
    const [author, fan1, fan2] = await users("popular", "fan1", "fan2");
    await follow(fan1, author);
    await follow(fan2, author);
    // Fixture: 201 more follower rows for accounts that hold no account object (their
    // receivers do nothing); their ids sort before the real fans, who land on the second page.
    await runInDurableObject(accountStub(author.id), (o: AccountObject) => {
      for (let i = 1; i <= 201; i++) {
        const id = `1000000000000${String(i).padStart(5, "0")}`;
        o.sql.exec("INSERT INTO followers (account_id, id, snapshot) VALUES (?, ?, '{}')", id, snowflake());
      }
    });
    const s = await post(author, { status: "to the masses" });
    await settle([author]);
    expect(await homeIds(fan1)).toContain(s.id);
    expect(await homeIds(fan2)).toContain(s.id);
  });
});
