import { describe, expect, it } from "vitest";
import { expectSchema } from "./openapi";
import { call, follow, get, linkParam, post, publish, settle, users } from "./timelines-helpers";
import type { TestUser } from "./helpers";

/** `me` gets: follow from a, b, c; favourites of one status from a and b; a reblog from c; a mention from a. */
async function busyInbox() {
  const [me, a, b, c] = await users("me", "a", "b", "c");
  for (const u of [a, b, c]) await follow(u, me);
  const mine = await publish(me, { status: "something nice" });
  for (const u of [a, b]) expect((await call("POST", `/api/v1/statuses/${mine.id}/favourite`, u.token)).status).toBe(200);
  expect((await call("POST", `/api/v1/statuses/${mine.id}/reblog`, c.token)).status).toBe(200);
  const mention = await publish(a, { status: `@${me.username} hello` }, [me]);
  await settle([me, a, b, c]);
  return { me, a, b, c, mine, mention };
}

const types = (body: any[]) => body.map((n) => n.type);

describe("notifications v1", () => {
  it("lists every type newest first, each a valid Notification", async () => {
    const { me, a, mine, mention } = await busyInbox();
    const res = await get("/api/v1/notifications", me.token);
    expect(res.status).toBe(200);
    expect(types(res.body)).toEqual(["mention", "reblog", "favourite", "favourite", "follow", "follow", "follow"]);
    for (const n of res.body) expectSchema(n, "Notification");
    expect(res.body[0].status.id).toBe(mention.id);
    expect(res.body[0].account.id).toBe(a.id);
    expect(res.body[2].status.id).toBe(mine.id);
    expect(res.body[0].group_key).toBe(`ungrouped-${res.body[0].id}`);
    expect(res.body[2].group_key).toBe(res.body[3].group_key);
  });

  it("filters by types[], exclude_types[] and account_id", async () => {
    const { me, a } = await busyInbox();
    expect(types((await get("/api/v1/notifications?types[]=favourite&types[]=mention", me.token)).body)).toEqual(["mention", "favourite", "favourite"]);
    expect(types((await get("/api/v1/notifications?exclude_types[]=follow&exclude_types[]=favourite", me.token)).body)).toEqual(["mention", "reblog"]);
    const fromA = (await get(`/api/v1/notifications?account_id=${a.id}`, me.token)).body;
    expect(fromA.every((n: any) => n.account.id === a.id)).toBe(true);
    expect(types(fromA)).toEqual(["mention", "favourite", "follow"]);
    expect(types((await get("/api/v1/notifications?types[]=nonsense", me.token)).body)).toHaveLength(7);
  });

  it("pages with Link headers", async () => {
    const { me } = await busyInbox();
    const all = (await get("/api/v1/notifications", me.token)).body.map((n: any) => n.id);
    const first = await get("/api/v1/notifications?limit=3", me.token);
    expect(first.body.map((n: any) => n.id)).toEqual(all.slice(0, 3));
    expect(linkParam(first.link, "next")).toBe(all[2]);
    const second = await get(`/api/v1/notifications?limit=3&max_id=${linkParam(first.link, "next")}`, me.token);
    expect(second.body.map((n: any) => n.id)).toEqual(all.slice(3, 6));
    const prev = await get(`/api/v1/notifications?limit=2&min_id=${all[3]}`, me.token);
    expect(prev.body.map((n: any) => n.id)).toEqual(all.slice(1, 3));
    expect(linkParam(prev.link, "prev")).toBe(all[1]);
  });

  it("shows, dismisses and clears", async () => {
    const { me, b } = await busyInbox();
    const list = (await get("/api/v1/notifications", me.token)).body;
    const one = await get(`/api/v1/notifications/${list[1].id}`, me.token);
    expect(one.body.id).toBe(list[1].id);
    expectSchema(one.body, "Notification");
    expect((await get("/api/v1/notifications/12345", me.token)).status).toBe(404);
    expect((await get(`/api/v1/notifications/${list[1].id}`, b.token)).status).toBe(404);
    expect((await call("POST", `/api/v1/notifications/${list[1].id}/dismiss`, me.token)).body).toEqual({});
    expect((await get(`/api/v1/notifications/${list[1].id}`, me.token)).status).toBe(404);
    expect((await call("POST", "/api/v1/notifications/99/dismiss", me.token)).status).toBe(404);
    expect((await call("POST", "/api/v1/notifications/clear", me.token)).status).toBe(200);
    expect((await get("/api/v1/notifications", me.token)).body).toEqual([]);
  });

  it("counts unread notifications after the notifications marker", async () => {
    const { me } = await busyInbox();
    const list = (await get("/api/v1/notifications", me.token)).body;
    expect((await get("/api/v1/notifications/unread_count", me.token)).body).toEqual({ count: 7 });
    expect((await get("/api/v1/notifications/unread_count?limit=2", me.token)).body).toEqual({ count: 2 });
    await call("POST", "/api/v1/markers", me.token, { notifications: { last_read_id: list[2].id } });
    expect((await get("/api/v1/notifications/unread_count", me.token)).body).toEqual({ count: 2 });
    expect((await get("/api/v1/notifications/unread_count?types[]=mention", me.token)).body).toEqual({ count: 1 });
    expect((await get("/api/v2/notifications/unread_count", me.token)).body).toEqual({ count: 2 });
  });

  it("hides notifications from muted (with notifications) and blocked accounts", async () => {
    const { me, a, c } = await busyInbox();
    await call("POST", `/api/v1/accounts/${a.id}/mute`, me.token, { notifications: true });
    await call("POST", `/api/v1/accounts/${c.id}/block`, me.token);
    const list = (await get("/api/v1/notifications", me.token)).body;
    expect(list.some((n: any) => n.account.id === a.id || n.account.id === c.id)).toBe(false);
    expect(list.length).toBeGreaterThan(0);
  });

  it("requires the notifications scope", async () => {
    const [u] = await users("scope");
    const { issueToken } = await import("./helpers");
    const token = await issueToken(u.id, ["read:statuses"]);
    expect((await get("/api/v1/notifications", token)).status).toBe(403);
    expect((await get("/api/v1/notifications")).status).toBe(401);
  });
});

describe("grouped notifications (v2)", () => {
  it("groups favourites, boosts and follows, with accounts and statuses alongside", async () => {
    const { me, a, b, c, mine, mention } = await busyInbox();
    const res = await get("/api/v2/notifications", me.token);
    expect(res.status).toBe(200);
    expectSchema(res.body, "GroupedNotificationsResults");
    const groups = res.body.notification_groups;
    expect(groups.map((g: any) => [g.type, g.notifications_count])).toEqual([
      ["mention", 1],
      ["reblog", 1],
      ["favourite", 2],
      ["follow", 3],
    ]);
    const fav = groups[2];
    expect(fav.sample_account_ids).toEqual([b.id, a.id]);
    expect(fav.status_id).toBe(mine.id);
    expect(typeof fav.most_recent_notification_id).toBe("number");
    expect(fav.page_min_id < fav.page_max_id).toBe(true);
    expect(groups[3].sample_account_ids.sort()).toEqual([a.id, b.id, c.id].sort());
    expect(res.body.accounts.map((x: any) => x.id).sort()).toEqual([a.id, b.id, c.id].sort());
    expect(res.body.statuses.map((s: any) => s.id).sort()).toEqual([mine.id, mention.id].sort());
    // Raw body keeps every digit of the integer id.
    const raw = await (await (await import("./helpers")).api("/api/v2/notifications", { headers: { authorization: `Bearer ${me.token}` } })).text();
    expect(raw).toMatch(new RegExp(`"most_recent_notification_id":${fav.page_max_id}[,}]`));
  });

  it("honours grouped_types, types[] and expand_accounts=partial_avatars", async () => {
    const { me, a, b } = await busyInbox();
    const ungroupedFavs = await get("/api/v2/notifications?grouped_types[]=follow", me.token);
    expect(ungroupedFavs.body.notification_groups.map((g: any) => g.type)).toEqual(["mention", "reblog", "favourite", "favourite", "follow"]);
    expect(ungroupedFavs.body.notification_groups[2].group_key).toMatch(/^ungrouped-/);
    const onlyFavs = await get("/api/v2/notifications?types[]=favourite", me.token);
    expect(onlyFavs.body.notification_groups).toHaveLength(1);
    const partial = await get("/api/v2/notifications?types[]=favourite&expand_accounts=partial_avatars", me.token);
    expectSchema(partial.body, "GroupedNotificationsResults");
    expect(partial.body.accounts.map((x: any) => x.id)).toEqual([b.id]);
    expect(partial.body.partial_accounts.map((x: any) => x.id)).toEqual([a.id]);
  });

  it("pages groups with Link headers", async () => {
    const { me } = await busyInbox();
    const first = await get("/api/v2/notifications?limit=2", me.token);
    expect(first.body.notification_groups.map((g: any) => g.type)).toEqual(["mention", "reblog"]);
    const next = linkParam(first.link, "next");
    expect(next).toBe(first.body.notification_groups[1].page_min_id);
    const second = await get(`/api/v2/notifications?limit=2&max_id=${next}`, me.token);
    expect(second.body.notification_groups.map((g: any) => g.type)).toEqual(["favourite", "follow"]);
    const back = await get(`/api/v2/notifications?limit=1&min_id=${second.body.notification_groups[0].page_max_id}`, me.token);
    expect(back.body.notification_groups.map((g: any) => g.type)).toEqual(["reblog"]);
  });

  it("shows a group, its accounts, and dismisses it", async () => {
    const { me, a, b } = await busyInbox();
    const groups = (await get("/api/v2/notifications", me.token)).body.notification_groups;
    const fav = groups.find((g: any) => g.type === "favourite");
    const one = await get(`/api/v2/notifications/${fav.group_key}`, me.token);
    expect(one.status).toBe(200);
    expectSchema(one.body, "GroupedNotificationsResults");
    expect(one.body.notification_groups).toHaveLength(1);
    expect(one.body.notification_groups[0].notifications_count).toBe(2);
    const accounts = await get(`/api/v2/notifications/${fav.group_key}/accounts`, me.token);
    expect(accounts.body.map((x: any) => x.id)).toEqual([b.id, a.id]);
    for (const x of accounts.body) expectSchema(x, "Account");
    const mention = groups.find((g: any) => g.type === "mention");
    expect((await get(`/api/v2/notifications/${mention.group_key}`, me.token)).body.notification_groups[0].type).toBe("mention");
    expect((await call("POST", `/api/v2/notifications/${fav.group_key}/dismiss`, me.token)).body).toEqual({});
    expect((await get(`/api/v2/notifications/${fav.group_key}`, me.token)).status).toBe(404);
    expect((await get("/api/v2/notifications/ungrouped-1", me.token)).status).toBe(404);
    expect((await get("/api/v2/notifications/unread_count", me.token)).body.count).toBe(3);
  });

  it("is empty for a new account", async () => {
    const [u]: TestUser[] = await users("empty");
    const res = await get("/api/v2/notifications", u.token);
    expect(res.body).toEqual({ accounts: [], statuses: [], notification_groups: [] });
    expectSchema(res.body, "GroupedNotificationsResults");
    await post(u, { status: "x" });
  });
});
