import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AccountObject } from "../../objects/account/account-object";
import { nextChange } from "../../objects/account/page-cache";
import { accountStub, call, follow, get, publish, recordBy, users } from "./timelines-helpers";

/**
 * The account object keeps rendered home and notification pages (objects/account/page-cache.ts).
 * A kept page must never outlive what it shows: every change a reader could see is visible on
 * the very next read, and time-based changes (mute expiry, poll closing) end it too.
 */
describe("rendered page cache", () => {
  it("shows the reader's own actions and new statuses on the next read of the same page", async () => {
    const [reader, author] = await users("pcreader", "pcauthor");
    await follow(reader, author);
    const first = await publish(author, { status: "first" }, [reader]);
    const before = await get("/api/v1/timelines/home?limit=40", reader.token);
    expect(before.body.map((s: any) => s.id)).toEqual([first.id]);
    expect(before.body[0].favourited).toBe(false);

    await call("POST", `/api/v1/statuses/${first.id}/favourite`, reader.token);
    await call("POST", `/api/v1/statuses/${first.id}/bookmark`, reader.token);
    const acted = await get("/api/v1/timelines/home?limit=40", reader.token);
    expect(acted.body[0]).toMatchObject({ id: first.id, favourited: true, bookmarked: true });

    const second = await publish(author, { status: "second" }, [reader]);
    expect((await get("/api/v1/timelines/home?limit=40", reader.token)).body.map((s: any) => s.id)).toEqual([second.id, first.id]);

    await call("POST", `/api/v1/accounts/${author.id}/block`, reader.token);
    expect((await get("/api/v1/timelines/home?limit=40", reader.token)).body).toEqual([]);
  });

  it("ends when a mute or a filter expires, without any write", async () => {
    const [reader, author] = await users("pcmuter", "pcmuted");
    const muted = await call("POST", `/api/v1/accounts/${author.id}/mute`, reader.token, { duration: 30 });
    const filter = await call("POST", "/api/v2/filters", reader.token, { title: "soon", context: ["home"], expires_in: 60, keywords_attributes: [{ keyword: "x" }] });
    expect(filter.status).toBe(200);
    const at = await runInDurableObject(accountStub(reader.id), (o: AccountObject) => nextChange(o.sql, []));
    expect(at).toBe(Date.parse(muted.body.muting_expires_at));
    expect(at).toBeLessThan(Date.parse(filter.body.expires_at));
    await call("POST", `/api/v1/accounts/${author.id}/unmute`, reader.token);
    const after = await runInDurableObject(accountStub(reader.id), (o: AccountObject) => nextChange(o.sql, []));
    expect(after).toBe(Date.parse(filter.body.expires_at));
  });

  it("ends when a poll on the page closes", async () => {
    const [author] = await users("pcpoll");
    const closes = new Date(Date.now() + 60_000).toISOString();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const poll = { id: "1", expires_at: closes, expired: false, multiple: false, votes_count: 0, voters_count: 0, options: [] };
    const withPoll = await recordBy(author, { poll: { ...poll } as never });
    const boostOfLater = await recordBy(author, { reblog: await recordBy(author, { poll: { ...poll, expires_at: later } as never }) });
    const at = await runInDurableObject(accountStub(author.id), (o: AccountObject) => nextChange(o.sql, [boostOfLater, withPoll]));
    expect(at).toBe(Date.parse(closes));
  });

  it("keeps pages per query and per origin", async () => {
    const [reader, author] = await users("pcq", "pcqa");
    await follow(reader, author);
    const a = await publish(author, { status: "a" }, [reader]);
    const b = await publish(author, { status: "b" }, [reader]);
    expect((await get("/api/v1/timelines/home?limit=1", reader.token)).body.map((s: any) => s.id)).toEqual([b.id]);
    expect((await get(`/api/v1/timelines/home?limit=1&max_id=${b.id}`, reader.token)).body.map((s: any) => s.id)).toEqual([a.id]);
    expect((await get("/api/v1/timelines/home?limit=40", reader.token)).body.map((s: any) => s.id)).toEqual([b.id, a.id]);
  });
});
