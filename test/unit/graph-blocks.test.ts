import { describe, expect, it } from "vitest";
import { expectSchema } from "./openapi";
import { issueToken } from "./helpers";
import { account, follow, get, links, lock, pathOf, post, relationship, relationshipsOf, rows, user } from "./graph-helpers";

describe("blocks", () => {
  it("block removes follows both ways, records blocked_by on the other side, and unblock undoes it", async () => {
    const [a, b] = [await user("bla"), await user("blb")];
    await follow(a, b);
    await follow(b, a);
    const rel = await relationship(await post(`/api/v1/accounts/${b.id}/block`, a.token));
    expect(rel).toMatchObject({ blocking: true, following: false, followed_by: false });
    expect((await relationshipsOf(b, a.id))[0]).toMatchObject({ blocked_by: true, following: false, followed_by: false });
    for (const u of [a, b]) {
      const profile = await account(u.id);
      expect([profile.followers_count, profile.following_count]).toEqual([0, 0]);
    }
    expect(await rows(b.id, "SELECT account_id FROM blocked_by")).toEqual([{ account_id: a.id }]);
    // The blocked account's notifications are gone from the blocker.
    expect(await rows(a.id, "SELECT 1 FROM notifications WHERE from_account_id = ?", b.id)).toEqual([]);

    // Idempotent.
    expect(await relationship(await post(`/api/v1/accounts/${b.id}/block`, a.token))).toMatchObject({ blocking: true });
    expect(await rows(a.id, "SELECT count(*) AS n FROM blocks")).toEqual([{ n: 1 }]);

    const unblocked = await relationship(await post(`/api/v1/accounts/${b.id}/unblock`, a.token));
    expect(unblocked).toMatchObject({ blocking: false, following: false });
    expect((await relationshipsOf(b, a.id))[0].blocked_by).toBe(false);
    // Follows do not come back, but a new one works.
    expect(await follow(b, a)).toMatchObject({ following: true });
  });

  it("removes a pending follow request in either direction", async () => {
    const [a, b] = [await user("bra"), await user("brb")];
    await lock(a);
    await follow(b, a);
    await relationship(await post(`/api/v1/accounts/${b.id}/block`, a.token));
    expect(await (await get("/api/v1/follow_requests", a.token)).json()).toEqual([]);
    expect((await relationshipsOf(b, a.id))[0]).toMatchObject({ requested: false, blocked_by: true });
  });

  it("refuses self-blocks (422) and unknown accounts (404), needs write:blocks", async () => {
    const a = await user("bself");
    const self = await post(`/api/v1/accounts/${a.id}/block`, a.token);
    expect(self.status).toBe(422);
    expect(((await self.json()) as any).error).toContain("block yourself");
    expect((await post("/api/v1/accounts/77777777777/block", a.token)).status).toBe(404);
    expect((await post("/api/v1/accounts/77777777777/unblock", a.token)).status).toBe(404);
    const b = await user("bsc");
    expect((await post(`/api/v1/accounts/${b.id}/block`, await issueToken(a.id, ["write:follows"]))).status).toBe(403);
    expect((await post(`/api/v1/accounts/${b.id}/block`, await issueToken(a.id, ["write:blocks"]))).status).toBe(200);
    expect((await get("/api/v1/blocks", await issueToken(a.id, ["read:mutes"]))).status).toBe(403);
  });

  it("GET /api/v1/blocks lists blocked accounts, newest first, with Link paging", async () => {
    const a = await user("blist");
    const targets = [await user("bt1"), await user("bt2"), await user("bt3")];
    for (const t of targets) await post(`/api/v1/accounts/${t.id}/block`, a.token);
    const first = await get("/api/v1/blocks?limit=2", a.token);
    expect(first.status).toBe(200);
    const page = (await first.json()) as any[];
    for (const x of page) expectSchema(x, "Account");
    expect(page.map((x) => x.id)).toEqual([targets[2].id, targets[1].id]);
    const rest = (await (await get(pathOf(links(first).next!), a.token)).json()) as any[];
    expect(rest.map((x) => x.id)).toEqual([targets[0].id]);
  });
});

describe("mutes", () => {
  it("mutes with notifications by default, indefinitely; unmute undoes it", async () => {
    const [a, b] = [await user("mua"), await user("mub")];
    const rel = await relationship(await post(`/api/v1/accounts/${b.id}/mute`, a.token));
    expect(rel).toMatchObject({ muting: true, muting_notifications: true, muting_expires_at: null });
    const list = await get("/api/v1/mutes", a.token);
    const muted = (await list.json()) as any[];
    expect(muted.map((x) => x.id)).toEqual([b.id]);
    expectSchema(muted[0], "MutedAccount");
    expect(muted[0].mute_expires_at).toBeNull();
    const unmuted = await relationship(await post(`/api/v1/accounts/${b.id}/unmute`, a.token));
    expect(unmuted).toMatchObject({ muting: false, muting_notifications: false });
    expect(await (await get("/api/v1/mutes", a.token)).json()).toEqual([]);
  });

  it("takes notifications=false and a duration, and forgets an expired mute", async () => {
    const [a, b] = [await user("mda"), await user("mdb")];
    const rel = await relationship(await post(`/api/v1/accounts/${b.id}/mute`, a.token, { notifications: false, duration: 3600 }));
    expect(rel).toMatchObject({ muting: true, muting_notifications: false });
    const expires = Date.parse(rel.muting_expires_at);
    expect(expires).toBeGreaterThan(Date.now() + 3500_000);
    expect(expires).toBeLessThan(Date.now() + 3700_000);
    expect(rel.muting_expires_at).toMatch(/\.\d{3}Z$/);
    // Re-muting updates the same mute.
    const again = await relationship(await post(`/api/v1/accounts/${b.id}/mute`, a.token, { notifications: "true", duration: "0" }));
    expect(again).toMatchObject({ muting_notifications: true, muting_expires_at: null });
    // An expired mute is not a mute.
    await rows(a.id, "UPDATE mutes SET expires_at = ? WHERE account_id = ?", new Date(Date.now() - 1000).toISOString(), b.id);
    expect((await relationshipsOf(a, b.id))[0].muting).toBe(false);
    expect(await (await get("/api/v1/mutes", a.token)).json()).toEqual([]);
  });

  it("validates, refuses self and unknown accounts, needs write:mutes", async () => {
    const [a, b] = [await user("mva"), await user("mvb")];
    const bad = await post(`/api/v1/accounts/${b.id}/mute`, a.token, { duration: -5 });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as any).error).toContain("Duration");
    expect((await post(`/api/v1/accounts/${a.id}/mute`, a.token)).status).toBe(422);
    expect((await post("/api/v1/accounts/66666666666/mute", a.token)).status).toBe(404);
    expect((await post("/api/v1/accounts/66666666666/unmute", a.token)).status).toBe(404);
    expect((await post(`/api/v1/accounts/${b.id}/mute`, await issueToken(a.id, ["write:blocks"]))).status).toBe(403);
    expect((await post(`/api/v1/accounts/${b.id}/mute`, await issueToken(a.id, ["follow"]))).status).toBe(200);
    expect((await get("/api/v1/mutes", await issueToken(a.id, ["read:blocks"]))).status).toBe(403);
  });
});

describe("private notes", () => {
  it("sets, replaces and clears a note", async () => {
    const [a, b] = [await user("na"), await user("nb")];
    expect(await relationship(await post(`/api/v1/accounts/${b.id}/note`, a.token, { comment: "met at the zine fair" }))).toMatchObject({
      note: "met at the zine fair",
    });
    expect((await relationshipsOf(a, b.id))[0].note).toBe("met at the zine fair");
    expect((await relationshipsOf(b, a.id))[0].note).toBe("");
    expect(await relationship(await post(`/api/v1/accounts/${b.id}/note`, a.token, { comment: "" }))).toMatchObject({ note: "" });
    expect(await relationship(await post(`/api/v1/accounts/${b.id}/note`, a.token, { comment: "x" }))).toMatchObject({ note: "x" });
    expect(await relationship(await post(`/api/v1/accounts/${b.id}/note`, a.token))).toMatchObject({ note: "" });
  });

  it("rejects long notes (422) and unknown accounts (404); needs write:accounts", async () => {
    const [a, b] = [await user("nla"), await user("nlb")];
    expect((await post(`/api/v1/accounts/${b.id}/note`, a.token, { comment: "x".repeat(2001) })).status).toBe(422);
    expect((await post("/api/v1/accounts/55555555555/note", a.token, { comment: "hi" })).status).toBe(404);
    expect((await post(`/api/v1/accounts/${b.id}/note`, await issueToken(a.id, ["write:follows"]), { comment: "hi" })).status).toBe(403);
  });
});

describe("endorsements (pin/unpin, endorse/unendorse)", () => {
  it("features only accounts we follow, lists them, and unfollowing removes them", async () => {
    const [a, b, c] = [await user("ea"), await user("eb"), await user("ec")];
    const refused = await post(`/api/v1/accounts/${b.id}/pin`, a.token);
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as any).error).toContain("following");
    expect((await post("/api/v1/accounts/44444444444/pin", a.token)).status).toBe(404);

    await follow(a, b);
    await follow(a, c);
    expect(await relationship(await post(`/api/v1/accounts/${b.id}/pin`, a.token))).toMatchObject({ endorsed: true });
    expect(await relationship(await post(`/api/v1/accounts/${c.id}/endorse`, a.token))).toMatchObject({ endorsed: true });
    expect(await relationship(await post(`/api/v1/accounts/${c.id}/endorse`, a.token))).toMatchObject({ endorsed: true });

    const own = await get("/api/v1/endorsements", a.token);
    const endorsed = (await own.json()) as any[];
    for (const x of endorsed) expectSchema(x, "Account");
    expect(endorsed.map((x) => x.id)).toEqual([c.id, b.id]);
    // Anyone may see whom an account features.
    const publicList = (await (await get(`/api/v1/accounts/${a.id}/endorsements`)).json()) as any[];
    expect(publicList.map((x) => x.id)).toEqual([c.id, b.id]);

    expect(await relationship(await post(`/api/v1/accounts/${c.id}/unendorse`, a.token))).toMatchObject({ endorsed: false });
    await post(`/api/v1/accounts/${b.id}/unfollow`, a.token);
    expect(await (await get("/api/v1/endorsements", a.token)).json()).toEqual([]);
    expect(await relationship(await post(`/api/v1/accounts/${b.id}/unpin`, a.token))).toMatchObject({ endorsed: false });
    expect((await post("/api/v1/accounts/44444444444/unpin", a.token)).status).toBe(404);
    expect((await post(`/api/v1/accounts/${c.id}/pin`, await issueToken(a.id, ["write:follows"]))).status).toBe(403);
    expect((await get("/api/v1/endorsements", await issueToken(a.id, ["read:follows"]))).status).toBe(403);
  });
});
