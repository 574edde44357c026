import { describe, expect, it } from "vitest";
import { api, bearer, createAppToken, jsonBody } from "./helpers";
import { expectSchema } from "./openapi";
import { call, follow, get, homeIds, linkParam, post, publish, settle, users } from "./timelines-helpers";

describe("fan-out to home timelines", () => {
  it("puts a post in the author's and every follower's home, not in others'", async () => {
    const [author, fan, stranger] = await users("author", "fan", "stranger");
    await follow(fan, author);
    const status = await publish(author, { status: "hello followers" }, [fan]);
    expect(await homeIds(author)).toContain(status.id);
    expect(await homeIds(fan)).toContain(status.id);
    expect(await homeIds(stranger)).not.toContain(status.id);
    const home = await get("/api/v1/timelines/home", fan.token);
    for (const s of home.body) expectSchema(s, "Status");
    expect(home.body[0].filtered).toEqual([]);
    expect(home.body[0].favourited).toBe(false);
  });

  it("shows replies only to people who follow the replied-to account (or are it)", async () => {
    const [author, fan, other] = await users("author", "fan", "other");
    await follow(fan, author);
    const root = await publish(other, { status: "root by someone fan does not follow" });
    const toOther = await publish(author, { status: `@${other.username} reply`, in_reply_to_id: root.id }, [fan]);
    const ownRoot = await publish(author, { status: "thread start" }, [fan]);
    const selfReply = await publish(author, { status: "thread continues", in_reply_to_id: ownRoot.id }, [fan]);
    const fanPost = await publish(fan, { status: "fan says" });
    const toFan = await publish(author, { status: `@${fan.username} reply to you`, in_reply_to_id: fanPost.id }, [fan]);
    const ids = await homeIds(fan);
    expect(ids).not.toContain(toOther.id);
    expect(ids).toContain(selfReply.id);
    expect(ids).toContain(toFan.id);
    // Once fan follows `other` too, the next such reply is shown.
    await follow(fan, other);
    const later = await publish(author, { status: `@${other.username} again`, in_reply_to_id: root.id }, [fan]);
    expect(await homeIds(fan)).toContain(later.id);
  });

  it("leaves out authors the follower blocks or mutes, and boosts when reblogs=false", async () => {
    const [author, fan, booster, original] = await users("author", "fan", "booster", "original");
    await follow(fan, author);
    await follow(fan, booster, { reblogs: false });
    const before = await publish(author, { status: "before mute" }, [fan]);
    expect(await homeIds(fan)).toContain(before.id);

    expect((await call("POST", `/api/v1/accounts/${author.id}/mute`, fan.token)).status).toBe(200);
    const during = await publish(author, { status: "while muted" }, [fan]);
    const ids = await homeIds(fan);
    expect(ids).not.toContain(during.id);
    expect(ids).not.toContain(before.id);

    const target = await publish(original, { status: "boost me" });
    const boost = await call("POST", `/api/v1/statuses/${target.id}/reblog`, booster.token);
    expect(boost.status).toBe(200);
    await settle([booster, fan, original]);
    expect(await homeIds(fan)).not.toContain(boost.body.id);

    // With reblogs on, the boost arrives (as a boost of the original).
    await follow(fan, booster, { reblogs: true });
    const target2 = await publish(original, { status: "boost me too" });
    const boost2 = await call("POST", `/api/v1/statuses/${target2.id}/reblog`, booster.token);
    await settle([booster, fan, original]);
    const home = await get("/api/v1/timelines/home", fan.token);
    const entry = home.body.find((s: any) => s.id === boost2.body.id);
    expect(entry?.reblog?.id).toBe(target2.id);
    expectSchema(entry, "Status");
  });

  it("never shows a blocked account's posts, even ones already in home", async () => {
    const [author, fan] = await users("author", "fan");
    await follow(fan, author);
    const s = await publish(author, { status: "soon blocked" }, [fan]);
    expect(await homeIds(fan)).toContain(s.id);
    expect((await call("POST", `/api/v1/accounts/${author.id}/block`, fan.token)).status).toBe(200);
    expect(await homeIds(fan)).not.toContain(s.id);
  });

  it("propagates edits and deletes to followers' homes", async () => {
    const [author, fan] = await users("author", "fan");
    await follow(fan, author);
    const s = await publish(author, { status: "first version" }, [fan]);
    const edited = await call("PUT", `/api/v1/statuses/${s.id}`, author.token, { status: "second version" });
    expect(edited.status).toBe(200);
    await settle([author, fan]);
    let entry = (await get("/api/v1/timelines/home", fan.token)).body.find((x: any) => x.id === s.id);
    expect(entry.content).toContain("second version");
    expect(entry.edited_at).not.toBeNull();

    expect((await call("DELETE", `/api/v1/statuses/${s.id}`, author.token)).status).toBe(200);
    await settle([author, fan]);
    expect(await homeIds(fan)).not.toContain(s.id);
    expect(await homeIds(author)).not.toContain(s.id);
  });

  it("skips a boost whose original is already near the top of home, and posts outside the follow's languages", async () => {
    const [author, booster, fan] = await users("author", "booster", "fan");
    await follow(fan, author);
    await follow(fan, booster);
    const original = await publish(author, { status: "already seen" }, [fan]);
    const boost = await call("POST", `/api/v1/statuses/${original.id}/reblog`, booster.token);
    await settle([booster, fan, author]);
    const ids = await homeIds(fan);
    expect(ids).toContain(original.id);
    expect(ids).not.toContain(boost.body.id);

    await follow(fan, author, { languages: ["de"] });
    const english = await publish(author, { status: "in english", language: "en" }, [fan]);
    const german = await publish(author, { status: "auf deutsch", language: "de" }, [fan]);
    const after = await homeIds(fan);
    expect(after).not.toContain(english.id);
    expect(after).toContain(german.id);
  });

  it("keeps members of an exclusive list out of home (they show in the list)", async () => {
    const [owner, member] = await users("owner", "member");
    await follow(owner, member);
    await settle([owner, member]);
    const list = await call("POST", "/api/v1/lists", owner.token, { title: "Only here", exclusive: true });
    await call("POST", `/api/v1/lists/${list.body.id}/accounts`, owner.token, { account_ids: [member.id] });
    const s = await publish(member, { status: "exclusive content" }, [owner]);
    expect(await homeIds(owner)).not.toContain(s.id);
    expect((await get(`/api/v1/timelines/list/${list.body.id}`, owner.token)).body.map((x: any) => x.id)).toContain(s.id);
  });

  it("sends `status` notifications for follows with notify=true", async () => {
    const [author, fan] = await users("author", "fan");
    await follow(fan, author, { notify: true });
    const s = await publish(author, { status: "ring the bell" }, [fan]);
    const notes = await get("/api/v1/notifications?types[]=status", fan.token);
    expect(notes.body.map((n: any) => [n.type, n.status.id])).toEqual([["status", s.id]]);
  });

  it("keeps private posts to followers and direct posts to the mentioned", async () => {
    const [author, fan, stranger, friend] = await users("author", "fan", "stranger", "friend");
    await follow(fan, author);
    await follow(stranger, fan);
    const priv = await publish(author, { status: "followers only #secret", visibility: "private" }, [fan]);
    const direct = await publish(author, { status: `@${friend.username} just us`, visibility: "direct" }, [fan, friend]);
    expect(await homeIds(fan)).toContain(priv.id);
    expect(await homeIds(fan)).not.toContain(direct.id);
    expect(await homeIds(stranger)).not.toContain(priv.id);
    const pub = await get("/api/v1/timelines/public", stranger.token);
    expect(pub.body.map((s: any) => s.id)).not.toContain(priv.id);
    const tag = await get("/api/v1/timelines/tag/secret", stranger.token);
    expect(tag.body.map((s: any) => s.id)).not.toContain(priv.id);
    // From a stranger, a private mention waits among the requests (Mastodon's default policy).
    const mention = await get("/api/v1/notifications?types[]=mention&include_filtered=true", friend.token);
    expect(mention.body.map((n: any) => n.status.id)).toContain(direct.id);
    expect((await get("/api/v1/notifications", fan.token)).body.map((n: any) => n.status?.id)).not.toContain(direct.id);
  });
});

describe("home timeline paging", () => {
  it("pages with max_id, since_id and min_id and writes Link headers", async () => {
    const [author] = await users("pager");
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.unshift((await post(author, { status: `post ${i}` })).id);
    await settle([author]);
    const first = await get("/api/v1/timelines/home?limit=3", author.token);
    expect(first.body.map((s: any) => s.id)).toEqual(ids.slice(0, 3));
    expect(linkParam(first.link, "next")).toBe(ids[2]);
    expect(linkParam(first.link, "prev")).toBe(ids[0]);
    const second = await get(`/api/v1/timelines/home?limit=3&max_id=${ids[2]}`, author.token);
    expect(second.body.map((s: any) => s.id)).toEqual(ids.slice(3, 6));
    const newer = await get(`/api/v1/timelines/home?limit=2&min_id=${ids[4]}`, author.token);
    expect(newer.body.map((s: any) => s.id)).toEqual(ids.slice(2, 4));
    const since = await get(`/api/v1/timelines/home?limit=10&since_id=${ids[2]}`, author.token);
    expect(since.body.map((s: any) => s.id)).toEqual(ids.slice(0, 2));
    const empty = await get(`/api/v1/timelines/home?max_id=${ids[6]}`, author.token);
    expect(empty.body).toEqual([]);
    expect(empty.link).toBeNull();
  });

  it("requires a user token", async () => {
    expect((await get("/api/v1/timelines/home")).status).toBe(401);
    expect((await get("/api/v1/timelines/home", "u1.bad")).status).toBe(401);
    const app = await createAppToken(["read"]);
    expect((await get("/api/v1/timelines/home", app.token)).status).toBe(422);
    const [u] = await users("scoped");
    const { issueToken } = await import("./helpers");
    const writeOnly = await issueToken(u.id, ["write"]);
    expect((await get("/api/v1/timelines/home", writeOnly)).status).toBe(403);
  });
});

describe("public and hashtag timelines", () => {
  it("serves public statuses to anyone, without replies to others or boosts", async () => {
    const [author, other] = await users("pub", "other");
    const s = await publish(author, { status: "public hello" });
    const unlisted = await publish(author, { status: "quiet", visibility: "unlisted" });
    const reply = await publish(author, { status: `@${other.username} hi`, in_reply_to_id: (await publish(other, { status: "x" })).id });
    const anon = await get("/api/v1/timelines/public?limit=40");
    const ids = anon.body.map((x: any) => x.id);
    expect(ids).toContain(s.id);
    expect(ids).not.toContain(unlisted.id);
    expect(ids).not.toContain(reply.id);
    const entry = anon.body.find((x: any) => x.id === s.id);
    expect(entry.favourited).toBeUndefined();
    expectSchema(entry, "Status");
    const signedIn = await get("/api/v1/timelines/public?local=true&limit=40", other.token);
    expect(signedIn.body.find((x: any) => x.id === s.id).favourited).toBe(false);
    expect((await get("/api/v1/timelines/public?remote=true", other.token)).body).toEqual([]);
    expect((await get("/api/v1/timelines/public?only_media=true&limit=40")).body.map((x: any) => x.id)).not.toContain(s.id);
    expect((await get("/api/v1/timelines/public", "u123.notatoken-notatoken-notatoken-0000")).status).toBe(401);
  });

  it("filters hashtag timelines with any[], all[] and none[]", async () => {
    const [author] = await users("tagger");
    const tag = `t${Date.now().toString(36)}`;
    const a = await publish(author, { status: `#${tag} alone` });
    const ab = await publish(author, { status: `#${tag} #${tag}b together` });
    const b = await publish(author, { status: `#${tag}b other` });
    const c = await publish(author, { status: `#${tag}c third` });
    const ids = async (q: string) => (await get(`/api/v1/timelines/tag/${tag}${q}`)).body.map((s: any) => s.id);
    expect(await ids("")).toEqual([ab.id, a.id]);
    expect(await ids(`?all[]=${tag}b`)).toEqual([ab.id]);
    expect(await ids(`?none[]=${tag}b`)).toEqual([a.id]);
    expect(await ids(`?any[]=${tag}b&any[]=${tag}c`)).toEqual([c.id, b.id, ab.id, a.id]);
    expect(await ids(`?any[]=${tag}b&limit=2`)).toEqual([b.id, ab.id]);
    expect(await ids(`?local=true`)).toEqual([ab.id, a.id]);
    expect(await ids(`?remote=true`)).toEqual([]);
    const upper = await get(`/api/v1/timelines/tag/${tag.toUpperCase()}?limit=1`);
    expect(upper.body.map((s: any) => s.id)).toEqual([ab.id]);
    expect(linkParam(upper.link, "next")).toBe(ab.id);
    const next = await get(`/api/v1/timelines/tag/${tag}?limit=1&max_id=${ab.id}`);
    expect(next.body.map((s: any) => s.id)).toEqual([a.id]);
  });

  it("removes deleted and updates edited statuses in public and hashtag timelines", async () => {
    const [author] = await users("editor");
    const tag = `e${Date.now().toString(36)}`;
    const s = await publish(author, { status: `#${tag} v1` });
    await call("PUT", `/api/v1/statuses/${s.id}`, author.token, { status: `#${tag} v2` });
    await settle([author]);
    const tl = await get(`/api/v1/timelines/tag/${tag}`);
    expect(tl.body[0].content).toContain("v2");
    // An edit that drops the tag takes the status off that tag's timeline.
    await call("PUT", `/api/v1/statuses/${s.id}`, author.token, { status: "no tag now" });
    await settle([author]);
    expect((await get(`/api/v1/timelines/tag/${tag}`)).body).toEqual([]);
    const s2 = await publish(author, { status: `#${tag} doomed` });
    await call("DELETE", `/api/v1/statuses/${s2.id}`, author.token);
    await settle([author]);
    expect((await get(`/api/v1/timelines/tag/${tag}`)).body).toEqual([]);
    expect((await get("/api/v1/timelines/public?limit=40")).body.map((x: any) => x.id)).not.toContain(s2.id);
  });

  it("delivers statuses with a followed hashtag to the follower's home", async () => {
    const [author, reader] = await users("tagpost", "tagread");
    const tag = `f${Date.now().toString(36)}`;
    expect((await call("POST", `/api/v1/tags/${tag}/follow`, reader.token)).status).toBe(200);
    const s = await post(author, { status: `about #${tag}` });
    await settle([author, reader], [tag]);
    expect(await homeIds(reader)).toContain(s.id);
  });
});

describe("list timelines", () => {
  it("serves posts of list members, with the replies policy", async () => {
    const [owner, member, other] = await users("owner", "member", "other");
    await follow(owner, member);
    const list = await call("POST", "/api/v1/lists", owner.token, { title: "Friends", replies_policy: "list" });
    expect(list.status).toBe(200);
    expect((await call("POST", `/api/v1/lists/${list.body.id}/accounts`, owner.token, { account_ids: [member.id] })).status).toBe(200);
    const s = await publish(member, { status: "for the list" }, [owner]);
    const otherPost = await publish(other, { status: "not a member" });
    const reply = await publish(member, { status: `@${other.username} hey`, in_reply_to_id: otherPost.id }, [owner]);
    const tl = await get(`/api/v1/timelines/list/${list.body.id}`, owner.token);
    expect(tl.status).toBe(200);
    const ids = tl.body.map((x: any) => x.id);
    expect(ids).toContain(s.id);
    expect(ids).not.toContain(reply.id);
    for (const x of tl.body) expectSchema(x, "Status");
    expect((await get("/api/v1/timelines/list/999", owner.token)).status).toBe(404);
    expect((await get(`/api/v1/timelines/list/${list.body.id}`, member.token)).status).toBe(404);
  });
});

describe("bad input", () => {
  it("answers 4xx, never 500", async () => {
    const [u] = await users("bad");
    const r1 = await api("/api/v1/timelines/home?limit=abc&max_id=xyz", { headers: bearer(u.token) });
    expect(r1.status).toBe(200);
    const r2 = await api("/api/v1/timelines/public?local=maybe");
    expect(r2.status).toBe(422);
    expect((await r2.json<any>()).error).toMatch(/Local/);
    const r3 = await api("/api/v1/timelines/tag/%20");
    expect(r3.status).toBe(200);
    const r4 = await api("/api/v1/timelines/list/abc", { headers: bearer(u.token) });
    expect(r4.status).toBe(404);
    const r5 = await api("/api/v1/timelines/tag/x", jsonBody("GET", undefined));
    expect(r5.status).toBeLessThan(500);
  });
});
