import { describe, expect, it } from "vitest";
import { expectSchema } from "./openapi";
import { api, createAppToken, issueToken, registerUser, uniqueName } from "./helpers";
import { account, eventually, follow, get, links, lock, pathOf, post, relationship, relationshipsOf, rows, send, user } from "./graph-helpers";

describe("POST /api/v1/accounts/:id/follow", () => {
  it("follows an unlocked account at once, with exact counts and a follow notification", async () => {
    const [a, b] = [await user("fa"), await user("fb")];
    const rel = await follow(a, b);
    expect(rel).toMatchObject({ id: b.id, following: true, requested: false, showing_reblogs: true, notifying: false, languages: null, followed_by: false });
    expect((await account(a.id)).following_count).toBe(1);
    expect((await account(b.id)).followers_count).toBe(1);
    const [back] = await relationshipsOf(b, a.id);
    expect(back).toMatchObject({ id: a.id, followed_by: true, following: false });
    const notes = await rows(b.id, "SELECT type, from_account_id FROM notifications");
    expect(notes).toEqual([{ type: "follow", from_account_id: a.id }]);
  });

  it("is idempotent: a repeated follow only updates reblogs/notify/languages", async () => {
    const [a, b] = [await user("ia"), await user("ib")];
    await follow(a, b);
    const [first] = await rows(a.id, "SELECT id FROM following WHERE account_id = ?", b.id);
    const rel = await follow(a, b, { reblogs: false, notify: true, languages: ["en", "de"] });
    expect(rel).toMatchObject({ following: true, showing_reblogs: false, notifying: true, languages: ["en", "de"] });
    // Absent options keep their values.
    expect(await follow(a, b)).toMatchObject({ showing_reblogs: false, notifying: true, languages: ["en", "de"] });
    expect(await rows(a.id, "SELECT id FROM following WHERE account_id = ?", b.id)).toEqual([first]);
    expect((await account(a.id)).following_count).toBe(1);
    expect((await account(b.id)).followers_count).toBe(1);
    expect(await rows(b.id, "SELECT count(*) AS n FROM notifications")).toEqual([{ n: 1 }]);
  });

  it("accepts form-encoded options", async () => {
    const [a, b] = [await user("fo"), await user("fo")];
    const res = await api(`/api/v1/accounts/${b.id}/follow`, {
      method: "POST",
      headers: { authorization: `Bearer ${a.token}`, "content-type": "application/x-www-form-urlencoded" },
      body: "reblogs=false&notify=1&languages[]=fr",
    });
    expect(await relationship(res)).toMatchObject({ showing_reblogs: false, notifying: true, languages: ["fr"] });
  });

  it("does not find accounts awaiting approval (404)", async () => {
    const a = await user("apa");
    const pending = await registerUser(uniqueName("pend"), { approved: false });
    expect((await post(`/api/v1/accounts/${pending.id}/follow`, a.token)).status).toBe(404);
  });

  it("refuses self-follows (422), unknown accounts (404) and bad languages (422)", async () => {
    const [a] = [await user("self")];
    const self = await post(`/api/v1/accounts/${a.id}/follow`, a.token);
    expect(self.status).toBe(422);
    expect(((await self.json()) as any).error).toContain("follow yourself");
    expect((await post("/api/v1/accounts/1234567890/follow", a.token)).status).toBe(404);
    expect((await post("/api/v1/accounts/not-an-id/follow", a.token)).status).toBe(404);
    const b = await user("lang");
    const bad = await post(`/api/v1/accounts/${b.id}/follow`, a.token, { languages: ["english!"] });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as any).error).toMatch(/Languages/);
  });

  it("needs write:follows (or follow, or write); app tokens are refused", async () => {
    const [a, b] = [await user("sa"), await user("sb")];
    expect((await post(`/api/v1/accounts/${b.id}/follow`, await issueToken(a.id, ["read"]))).status).toBe(403);
    expect((await post(`/api/v1/accounts/${b.id}/follow`, await issueToken(a.id, ["follow"]))).status).toBe(200);
    expect((await post(`/api/v1/accounts/${b.id}/unfollow`, await issueToken(a.id, ["write"]))).status).toBe(200);
    expect((await post(`/api/v1/accounts/${b.id}/follow`, await issueToken(a.id, ["write:follows"]))).status).toBe(200);
    expect((await api(`/api/v1/accounts/${b.id}/follow`, { method: "POST" })).status).toBe(401);
    const app = await createAppToken(["read", "write", "follow"]);
    expect((await post(`/api/v1/accounts/${b.id}/follow`, app.token)).status).toBe(422);
  });

  it("is refused (403) when either side blocks the other", async () => {
    const [a, b] = [await user("ba"), await user("bb")];
    await relationship(await post(`/api/v1/accounts/${a.id}/block`, b.token));
    expect((await post(`/api/v1/accounts/${b.id}/follow`, a.token)).status).toBe(403);
    expect((await post(`/api/v1/accounts/${a.id}/follow`, b.token)).status).toBe(403);
  });
});

describe("locked accounts and follow requests", () => {
  it("turns a follow into a request; authorize makes it a follow", async () => {
    const [a, b] = [await user("ra"), await user("rb")];
    await lock(b);
    const rel = await follow(a, b);
    expect(rel).toMatchObject({ following: false, requested: true });
    expect((await account(b.id)).followers_count).toBe(0);
    expect((await account(a.id)).following_count).toBe(0);
    expect((await relationshipsOf(b, a.id))[0]).toMatchObject({ requested_by: true, followed_by: false });
    expect(await rows(b.id, "SELECT type FROM notifications")).toEqual([{ type: "follow_request" }]);

    const list = await get("/api/v1/follow_requests", b.token);
    expect(list.status).toBe(200);
    const requesters = (await list.json()) as any[];
    expect(requesters.map((x) => x.id)).toEqual([a.id]);
    for (const x of requesters) expectSchema(x, "Account");

    // A repeated follow stays a request.
    expect(await follow(a, b)).toMatchObject({ requested: true });

    const authorized = await relationship(await post(`/api/v1/follow_requests/${a.id}/authorize`, b.token));
    expect(authorized).toMatchObject({ id: a.id, followed_by: true, requested_by: false });
    expect((await relationshipsOf(a, b.id))[0]).toMatchObject({ following: true, requested: false });
    expect((await account(b.id)).followers_count).toBe(1);
    expect((await account(a.id)).following_count).toBe(1);
    expect(await (await get("/api/v1/follow_requests", b.token)).json()).toEqual([]);
    // The request notification goes with the request.
    expect(await rows(b.id, "SELECT type FROM notifications")).toEqual([]);
  });

  it("reject removes the request on both sides", async () => {
    const [a, b] = [await user("ja"), await user("jb")];
    await lock(b);
    await follow(a, b);
    const rejected = await relationship(await post(`/api/v1/follow_requests/${a.id}/reject`, b.token));
    expect(rejected).toMatchObject({ requested_by: false, followed_by: false });
    expect((await relationshipsOf(a, b.id))[0]).toMatchObject({ following: false, requested: false });
    expect((await post(`/api/v1/follow_requests/${a.id}/reject`, b.token)).status).toBe(404);
    expect((await post(`/api/v1/follow_requests/${a.id}/authorize`, b.token)).status).toBe(404);
  });

  it("unfollow withdraws a pending request", async () => {
    const [a, b] = [await user("wa"), await user("wb")];
    await lock(b);
    await follow(a, b);
    expect(await relationship(await post(`/api/v1/accounts/${b.id}/unfollow`, a.token))).toMatchObject({ requested: false });
    expect(await (await get("/api/v1/follow_requests", b.token)).json()).toEqual([]);
    expect(await rows(b.id, "SELECT type FROM notifications")).toEqual([]);
  });

  it("accepts pending requests when the account is unlocked, as Mastodon does", async () => {
    const [a, b] = [await user("una"), await user("unb")];
    await lock(b);
    await follow(a, b);
    const res = await send("PATCH", "/api/v1/accounts/update_credentials", b.token, { locked: false });
    expect(res.status).toBe(200);
    await eventually(async () => {
      expect((await relationshipsOf(a, b.id))[0]).toMatchObject({ following: true, requested: false });
    });
    expect((await account(b.id)).followers_count).toBe(1);
    expect(await (await get("/api/v1/follow_requests", b.token)).json()).toEqual([]);
  });

  it("pages follow requests with Link headers", async () => {
    const b = await user("pb");
    await lock(b);
    const requesters = [await user("p1"), await user("p2"), await user("p3")];
    for (const r of requesters) await follow(r, b);
    const first = await get("/api/v1/follow_requests?limit=2", b.token);
    const page1 = (await first.json()) as any[];
    expect(page1.map((x) => x.id)).toEqual([requesters[2].id, requesters[1].id]);
    const { next, prev } = links(first);
    expect(next).toContain("max_id=");
    expect(prev).toContain("min_id=");
    const second = await get(pathOf(next!), b.token);
    expect(((await second.json()) as any[]).map((x) => x.id)).toEqual([requesters[0].id]);
    const newer = await get(pathOf(links(second).prev!), b.token);
    expect(((await newer.json()) as any[]).map((x) => x.id)).toEqual([requesters[2].id, requesters[1].id]);
  });

  it("needs read:follows to list and write:follows to decide", async () => {
    const b = await user("sc");
    expect((await get("/api/v1/follow_requests", await issueToken(b.id, ["write"]))).status).toBe(403);
    expect((await post("/api/v1/follow_requests/123/authorize", await issueToken(b.id, ["read"]))).status).toBe(403);
  });
});

describe("unfollow and remove_from_followers", () => {
  it("unfollow restores the counts and is idempotent", async () => {
    const [a, b] = [await user("ua"), await user("ub")];
    await follow(a, b);
    const rel = await relationship(await post(`/api/v1/accounts/${b.id}/unfollow`, a.token));
    expect(rel).toMatchObject({ following: false, requested: false });
    expect(await relationship(await post(`/api/v1/accounts/${b.id}/unfollow`, a.token))).toMatchObject({ following: false });
    expect((await account(a.id)).following_count).toBe(0);
    expect((await account(b.id)).followers_count).toBe(0);
    expect((await relationshipsOf(b, a.id))[0].followed_by).toBe(false);
    expect((await post("/api/v1/accounts/99999999999/unfollow", a.token)).status).toBe(404);
    // Following again notifies again (the old notification left with the old follow).
    await follow(a, b);
    expect(await rows(b.id, "SELECT type FROM notifications")).toEqual([{ type: "follow" }]);
  });

  it("remove_from_followers ends the other account's follow", async () => {
    const [a, b] = [await user("ma"), await user("mb")];
    await follow(a, b);
    const rel = await relationship(await post(`/api/v1/accounts/${a.id}/remove_from_followers`, b.token));
    expect(rel).toMatchObject({ id: a.id, followed_by: false });
    expect((await relationshipsOf(a, b.id))[0].following).toBe(false);
    expect((await account(a.id)).following_count).toBe(0);
    expect((await account(b.id)).followers_count).toBe(0);
    expect((await post("/api/v1/accounts/99999999999/remove_from_followers", b.token)).status).toBe(404);
  });
});

describe("GET /api/v1/accounts/relationships", () => {
  it("answers every field for each id, in order; unknown ids get an empty relationship", async () => {
    const [a, b, c] = [await user("xa"), await user("xb"), await user("xc")];
    await follow(a, b);
    await follow(c, a);
    const body = await relationshipsOf(a, c.id, b.id, "424242");
    expect(body.map((r) => r.id)).toEqual([c.id, b.id, "424242"]);
    expect(body[0]).toMatchObject({ following: false, followed_by: true });
    expect(body[1]).toMatchObject({ following: true, followed_by: false });
    expect(body[2]).toEqual({
      id: "424242",
      following: false,
      showing_reblogs: false,
      notifying: false,
      languages: null,
      followed_by: false,
      blocking: false,
      blocked_by: false,
      muting: false,
      muting_notifications: false,
      muting_expires_at: null,
      requested: false,
      requested_by: false,
      domain_blocking: false,
      endorsed: false,
      note: "",
    });
    const single = await get(`/api/v1/accounts/relationships?id=${b.id}`, a.token);
    expect(((await single.json()) as any[]).map((r) => r.id)).toEqual([b.id]);
    expect(await (await get("/api/v1/accounts/relationships", a.token)).json()).toEqual([]);
  });

  it("needs a user token with read:follows", async () => {
    const a = await user("xr");
    expect((await get(`/api/v1/accounts/relationships?id[]=1`)).status).toBe(401);
    expect((await get(`/api/v1/accounts/relationships?id[]=1`, await issueToken(a.id, ["write"]))).status).toBe(403);
  });
});

describe("home backfill when a follow starts", () => {
  it("puts the followed account's recent visible statuses into home", async () => {
    const [a, b] = [await user("ha"), await user("hb")];
    const posted: string[] = [];
    for (const visibility of ["public", "private", "direct"]) {
      const res = await post("/api/v1/statuses", b.token, { status: `a ${visibility} post`, visibility });
      expect(res.status).toBe(200);
      posted.push(((await res.json()) as any).id);
    }
    await follow(a, b);
    await eventually(async () => {
      const home = await rows<{ id: string }>(a.id, "SELECT id FROM home WHERE author_id = ? ORDER BY id", b.id);
      expect(home.map((r) => r.id)).toEqual([posted[0], posted[1]]);
    });
    await post(`/api/v1/accounts/${b.id}/unfollow`, a.token);
    expect(await rows(a.id, "SELECT id FROM home WHERE author_id = ?", b.id)).toEqual([]);
  });

  it("never backfills followers-only posts before a request is accepted", async () => {
    const [a, b] = [await user("pva"), await user("pvb")];
    await lock(b);
    const res = await post("/api/v1/statuses", b.token, { status: "only for followers", visibility: "private" });
    expect(res.status).toBe(200);
    const id = ((await res.json()) as any).id;
    await follow(a, b);
    await new Promise((r) => setTimeout(r, 300));
    expect(await rows(a.id, "SELECT id FROM home WHERE author_id = ?", b.id)).toEqual([]);
    await post(`/api/v1/follow_requests/${a.id}/authorize`, b.token);
    await eventually(async () => {
      expect(await rows(a.id, "SELECT id FROM home WHERE author_id = ?", b.id)).toEqual([{ id }]);
    });
  });
});
