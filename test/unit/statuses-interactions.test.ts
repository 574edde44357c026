import { describe, expect, it } from "vitest";
import { expectSchema } from "./openapi";
import { expectError, getJson, inObject, newUser, notificationsOf, post, runJobs, send } from "./status-helpers";

describe("favourites", () => {
  it("counts once, notifies the author, lists who favourited, and undoes", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const s = await post(alice, { status: "like me" });
    const fav = await send("POST", `/api/v1/statuses/${s.id}/favourite`, bob.token);
    expect(fav.status).toBe(200);
    expectSchema(fav.body, "Status");
    expect(fav.body.favourited).toBe(true);
    expect(fav.body.favourites_count).toBe(1);
    const again = await send("POST", `/api/v1/statuses/${s.id}/favourite`, bob.token);
    expect(again.body.favourites_count).toBe(1);

    expect((await getJson(`/api/v1/statuses/${s.id}`, bob.token)).body.favourited).toBe(true);
    expect((await getJson(`/api/v1/statuses/${s.id}`, alice.token)).body.favourited).toBe(false);
    expect(await notificationsOf(alice.id)).toEqual([{ type: "favourite", from_account_id: bob.id, status_id: s.id }]);

    const by = await getJson(`/api/v1/statuses/${s.id}/favourited_by`);
    expect(by.body.map((a: any) => a.id)).toEqual([bob.id]);
    expectSchema(by.body[0], "Account");
    expect(by.link).toContain('rel="next"');

    const list = await getJson("/api/v1/favourites", bob.token);
    expect(list.status).toBe(200);
    expect(list.body.map((x: any) => x.id)).toEqual([s.id]);
    expectSchema(list.body[0], "Status");
    expect(list.body[0].favourited).toBe(true);
    expect(list.link).toMatch(/max_id=\d+>; rel="next"/);
    expectError(await getJson("/api/v1/favourites"), 401);

    const unfav = await send("POST", `/api/v1/statuses/${s.id}/unfavourite`, bob.token);
    expect(unfav.body.favourited).toBe(false);
    expect(unfav.body.favourites_count).toBe(0);
    expect(await notificationsOf(alice.id)).toEqual([]);
    expect((await getJson("/api/v1/favourites", bob.token)).body).toEqual([]);
    expect((await getJson(`/api/v1/statuses/${s.id}/favourited_by`)).body).toEqual([]);
  });

  it("pages favourites and favourited_by with Link headers", async () => {
    const alice = await newUser("alice");
    const fans = await Promise.all([newUser("f1"), newUser("f2"), newUser("f3")]);
    const s = await post(alice, { status: "popular" });
    for (const f of fans) expect((await send("POST", `/api/v1/statuses/${s.id}/favourite`, f.token)).status).toBe(200);
    const first = await getJson(`/api/v1/statuses/${s.id}/favourited_by?limit=2`);
    expect(first.body.map((a: any) => a.id)).toEqual([fans[2].id, fans[1].id]);
    const next = new URL(first.link!.match(/<([^>]+)>; rel="next"/)![1]);
    const second = await getJson(next.pathname + next.search);
    expect(second.body.map((a: any) => a.id)).toEqual([fans[0].id]);

    const statuses = [await post(alice, { status: "1" }), await post(alice, { status: "2" }), await post(alice, { status: "3" })];
    for (const x of statuses) await send("POST", `/api/v1/statuses/${x.id}/favourite`, fans[0].token);
    const page = await getJson("/api/v1/favourites?limit=2", fans[0].token);
    expect(page.body.map((x: any) => x.id)).toEqual([statuses[2].id, statuses[1].id]);
    const more = new URL(page.link!.match(/<([^>]+)>; rel="next"/)![1]);
    const rest = await getJson(more.pathname + more.search, fans[0].token);
    expect(rest.body.map((x: any) => x.id)).toEqual([statuses[0].id, s.id]);
  });
});

describe("boosts", () => {
  it("boosts once, counts, notifies, shows on the booster's profile and undoes", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const s = await post(alice, { status: "boost me" });
    const boost = await send("POST", `/api/v1/statuses/${s.id}/reblog`, bob.token, { visibility: "unlisted" });
    expect(boost.status).toBe(200);
    expectSchema(boost.body, "Status");
    expect(boost.body.id).not.toBe(s.id);
    expect(boost.body.account.id).toBe(bob.id);
    expect(boost.body.visibility).toBe("unlisted");
    expect(boost.body.reblog.id).toBe(s.id);
    expect(boost.body.reblog.reblogs_count).toBe(1);
    expect(boost.body.reblog.reblogged).toBe(true);

    const again = await send("POST", `/api/v1/statuses/${s.id}/reblog`, bob.token);
    expect(again.body.id).toBe(boost.body.id);
    expect((await getJson(`/api/v1/statuses/${s.id}`)).body.reblogs_count).toBe(1);
    // Boosting the boost boosts the original.
    expect((await send("POST", `/api/v1/statuses/${boost.body.id}/reblog`, bob.token)).body.id).toBe(boost.body.id);
    expect(await notificationsOf(alice.id)).toEqual([{ type: "reblog", from_account_id: bob.id, status_id: s.id }]);

    expect(await inObject(bob.id, (o) => o.sql.exec("SELECT reblog_of_id FROM home WHERE id = ?", boost.body.id).toArray())).toEqual([{ reblog_of_id: s.id }]);
    const byId = await getJson(`/api/v1/statuses/${boost.body.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body.reblog.id).toBe(s.id);
    const profile = await getJson(`/api/v1/accounts/${bob.id}/statuses`);
    expect(profile.body.map((x: any) => x.id)).toEqual([boost.body.id]);
    const rebloggedBy = await getJson(`/api/v1/statuses/${s.id}/reblogged_by`);
    expect(rebloggedBy.body.map((a: any) => a.id)).toEqual([bob.id]);
    expect((await getJson(`/api/v1/accounts/${bob.id}`)).body.statuses_count).toBe(1);

    // Favouriting the boost's id favourites the original.
    const fav = await send("POST", `/api/v1/statuses/${boost.body.id}/favourite`, bob.token);
    expect(fav.body.id).toBe(s.id);
    expect(fav.body.favourites_count).toBe(1);

    const undone = await send("POST", `/api/v1/statuses/${s.id}/unreblog`, bob.token);
    expect(undone.status).toBe(200);
    expectSchema(undone.body, "Status");
    expect(undone.body.id).toBe(s.id);
    expect(undone.body.reblogged).toBe(false);
    expect(undone.body.reblogs_count).toBe(0);
    expect((await getJson(`/api/v1/statuses/${boost.body.id}`)).status).toBe(404);
    expect((await getJson(`/api/v1/accounts/${bob.id}/statuses`)).body).toEqual([]);
    expect((await notificationsOf(alice.id)).map((n) => n.type)).toEqual(["favourite"]);
    expectError(await send("POST", `/api/v1/statuses/${s.id}/reblog`, bob.token, { visibility: "direct" }), 422, /Visibility/);
  });

  it("deleting the original removes boosts, favourites and bookmarks of it", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const s = await post(alice, { status: "short-lived" });
    const boost = await send("POST", `/api/v1/statuses/${s.id}/reblog`, bob.token);
    await send("POST", `/api/v1/statuses/${s.id}/favourite`, bob.token);
    await send("POST", `/api/v1/statuses/${s.id}/bookmark`, bob.token);
    expect((await send("DELETE", `/api/v1/statuses/${s.id}`, alice.token)).status).toBe(200);
    await runJobs(alice.id, 1);
    expect((await getJson(`/api/v1/statuses/${boost.body.id}`)).status).toBe(404);
    expect((await getJson(`/api/v1/accounts/${bob.id}/statuses`)).body).toEqual([]);
    expect((await getJson("/api/v1/favourites", bob.token)).body).toEqual([]);
    expect((await getJson("/api/v1/bookmarks", bob.token)).body).toEqual([]);
  });

  it("edits reach the copies others hold", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const s = await post(alice, { status: "draft" });
    await send("POST", `/api/v1/statuses/${s.id}/bookmark`, bob.token);
    const boost = await send("POST", `/api/v1/statuses/${s.id}/reblog`, bob.token);
    await send("PUT", `/api/v1/statuses/${s.id}`, alice.token, { status: "final" });
    await runJobs(alice.id, 1);
    expect((await getJson("/api/v1/bookmarks", bob.token)).body[0].content).toBe("<p>final</p>");
    expect((await getJson(`/api/v1/statuses/${boost.body.id}`)).body.reblog.content).toBe("<p>final</p>");
  });
});

describe("bookmarks, pins and conversation mutes", () => {
  it("bookmarks and unbookmarks", async () => {
    const alice = await newUser("alice");
    const s = await post(alice, { status: "save me" });
    const b = await send("POST", `/api/v1/statuses/${s.id}/bookmark`, alice.token);
    expect(b.body.bookmarked).toBe(true);
    expectSchema(b.body, "Status");
    const list = await getJson("/api/v1/bookmarks", alice.token);
    expect(list.body.map((x: any) => x.id)).toEqual([s.id]);
    expect(list.body[0].bookmarked).toBe(true);
    expect(list.link).toContain('rel="prev"');
    const u = await send("POST", `/api/v1/statuses/${s.id}/unbookmark`, alice.token);
    expect(u.body.bookmarked).toBe(false);
    expect((await getJson("/api/v1/bookmarks", alice.token)).body).toEqual([]);
  });

  it("pins own public statuses, at most five, never boosts or direct messages", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const mine = [];
    for (let i = 0; i < 6; i++) mine.push(await post(alice, { status: `p${i}` }));
    for (let i = 0; i < 5; i++) {
      const pinned = await send("POST", `/api/v1/statuses/${mine[i].id}/pin`, alice.token);
      expect(pinned.body.pinned).toBe(true);
    }
    expectError(await send("POST", `/api/v1/statuses/${mine[5].id}/pin`, alice.token), 422, /maximum number/);
    const again = await send("POST", `/api/v1/statuses/${mine[0].id}/pin`, alice.token);
    expect(again.status).toBe(200);
    const unpinned = await send("POST", `/api/v1/statuses/${mine[0].id}/unpin`, alice.token);
    expect(unpinned.body.pinned).toBe(false);
    const dm = await post(alice, { status: "dm", visibility: "direct" });
    expectError(await send("POST", `/api/v1/statuses/${dm.id}/pin`, alice.token), 422, /mentioned users/);
    expectError(await send("POST", `/api/v1/statuses/${mine[5].id}/pin`, bob.token), 422, /Someone else's/);
    const boost = await send("POST", `/api/v1/statuses/${mine[5].id}/reblog`, bob.token);
    expectError(await send("POST", `/api/v1/statuses/${boost.body.id}/pin`, bob.token), 422, /boost/);
    // Others see no `pinned` field.
    expect((await getJson(`/api/v1/statuses/${mine[1].id}`, bob.token)).body.pinned).toBeUndefined();
  });

  it("mutes a conversation", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const root = await post(alice, { status: "talk" });
    const reply = await post(alice, { status: "more", in_reply_to_id: root.id });
    const muted = await send("POST", `/api/v1/statuses/${reply.id}/mute`, bob.token);
    expect(muted.body.muted).toBe(true);
    expect((await getJson(`/api/v1/statuses/${root.id}`, bob.token)).body.muted).toBe(true);
    // A muted conversation brings no notifications (the author mutes her own thread here).
    await send("POST", `/api/v1/statuses/${root.id}/mute`, alice.token);
    await send("POST", `/api/v1/statuses/${root.id}/favourite`, bob.token);
    expect(await notificationsOf(alice.id)).toEqual([]);
    const unmuted = await send("POST", `/api/v1/statuses/${root.id}/unmute`, bob.token);
    expect(unmuted.body.muted).toBe(false);
  });

  it("needs the right scopes", async () => {
    const alice = await newUser("alice", ["read"]);
    const bob = await newUser("bob");
    const s = await post(bob, { status: "x" });
    for (const action of ["favourite", "reblog", "bookmark", "pin", "mute"]) {
      expectError(await send("POST", `/api/v1/statuses/${s.id}/${action}`, alice.token), 403);
    }
    expect((await getJson("/api/v1/favourites", alice.token)).status).toBe(200);
    const count = await inObject(bob.id, (o) => o.sql.exec<{ n: number }>("SELECT favourites_count AS n FROM statuses WHERE id = ?", s.id).one().n);
    expect(count).toBe(0);
  });
});
