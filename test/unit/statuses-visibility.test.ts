import { beforeAll, describe, expect, it } from "vitest";
import { must, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";
import { accountObject, expectError, follow, getJson, inObject, newUser, post, send } from "./status-helpers";

/**
 * Every endpoint the statuses work owns, for every visibility: author (alice), an accepted
 * follower (bob), a mentioned non-follower (carol), a stranger (dave) and anonymous readers.
 */
describe("visibility through every statuses endpoint", () => {
  let alice: TestUser, bob: TestUser, carol: TestUser, dave: TestUser;
  let pub: any, unlisted: any, priv: any, direct: any, privPoll: any;

  beforeAll(async () => {
    [alice, bob, carol, dave] = await Promise.all([newUser("alice"), newUser("bob"), newUser("carol"), newUser("dave")]);
    await follow(bob, alice);
    pub = await post(alice, { status: "public" });
    unlisted = await post(alice, { status: "unlisted", visibility: "unlisted" });
    priv = await post(alice, { status: "followers only", visibility: "private" });
    direct = await post(alice, { status: `@${carol.username} just you`, visibility: "direct" });
    privPoll = await post(alice, { status: "private poll", visibility: "private", poll: { options: ["a", "b"], expires_in: 600 } });
  });

  const can = (who: () => TestUser | null, path: (s: any) => string) => async (s: any, expected: number) => {
    const user = who();
    const res = await getJson(path(s), user?.token);
    expect(res.status, `${user?.username ?? "anonymous"} ${path(s)}`).toBe(expected);
    return res.body;
  };

  it("GET /api/v1/statuses/:id", async () => {
    const read = (who: () => TestUser | null) => can(who, (s) => `/api/v1/statuses/${s.id}`);
    for (const s of [pub, unlisted]) for (const who of [() => null, () => bob, () => dave]) await read(who)(s, 200);
    await read(() => alice)(priv, 200);
    await read(() => bob)(priv, 200);
    await read(() => dave)(priv, 404);
    await read(() => null)(priv, 404);
    await read(() => carol)(priv, 404);
    await read(() => alice)(direct, 200);
    await read(() => carol)(direct, 200);
    await read(() => bob)(direct, 404);
    await read(() => null)(direct, 404);
  });

  it("GET /api/v1/statuses?id[]=", async () => {
    const ids = [pub, unlisted, priv, direct].map((s) => `id[]=${s.id}`).join("&");
    const seen = async (user: TestUser | null) => (await getJson(`/api/v1/statuses?${ids}`, user?.token)).body.map((s: any) => s.id);
    expect(await seen(null)).toEqual([pub.id, unlisted.id]);
    expect(await seen(dave)).toEqual([pub.id, unlisted.id]);
    expect(await seen(bob)).toEqual([pub.id, unlisted.id, priv.id]);
    expect(await seen(carol)).toEqual([pub.id, unlisted.id, direct.id]);
    expect(await seen(alice)).toEqual([pub.id, unlisted.id, priv.id, direct.id]);
  });

  it("GET /api/v1/accounts/:id/statuses", async () => {
    const seen = async (user: TestUser | null) => (await getJson(`/api/v1/accounts/${alice.id}/statuses`, user?.token)).body.map((s: any) => s.id);
    expect(await seen(null)).toEqual([unlisted.id, pub.id]);
    expect(await seen(dave)).toEqual([unlisted.id, pub.id]);
    expect(await seen(bob)).toEqual([privPoll.id, priv.id, unlisted.id, pub.id]);
    expect(await seen(carol)).toEqual([direct.id, unlisted.id, pub.id]);
    expect(await seen(alice)).toEqual([privPoll.id, direct.id, priv.id, unlisted.id, pub.id]);
  });

  it("context: hidden statuses stay out of threads", async () => {
    const root = await post(alice, { status: "thread root" });
    const hidden = await post(alice, { status: "private reply", visibility: "private", in_reply_to_id: root.id });
    const dm = await post(alice, { status: `@${carol.username} secret reply`, visibility: "direct", in_reply_to_id: root.id });
    const open = await post(bob, { status: "public reply to private", in_reply_to_id: hidden.id });
    const descendants = async (user: TestUser | null) => {
      const res = await getJson(`/api/v1/statuses/${root.id}/context`, user?.token);
      expectSchema(res.body, "Context");
      return res.body.descendants.map((s: any) => s.id);
    };
    expect(await descendants(null)).toEqual([open.id]);
    expect(await descendants(dave)).toEqual([open.id]);
    expect(await descendants(bob)).toEqual([hidden.id, open.id]);
    expect(await descendants(carol)).toEqual([open.id, dm.id]);
    expect(await descendants(alice)).toEqual([hidden.id, open.id, dm.id]);
    // The context of a hidden status is a 404, and its ancestors are filtered too.
    expect((await getJson(`/api/v1/statuses/${hidden.id}/context`, dave.token)).status).toBe(404);
    const fromOpen = await getJson(`/api/v1/statuses/${open.id}/context`, dave.token);
    expect(fromOpen.body.ancestors.map((s: any) => s.id)).toEqual([root.id]);
  });

  it("history, source, favourited_by and reblogged_by", async () => {
    for (const path of ["history", "favourited_by", "reblogged_by"]) {
      expect((await getJson(`/api/v1/statuses/${priv.id}/${path}`, dave.token)).status).toBe(404);
      expect((await getJson(`/api/v1/statuses/${priv.id}/${path}`)).status).toBe(404);
      expect((await getJson(`/api/v1/statuses/${priv.id}/${path}`, bob.token)).status).toBe(200);
      expect((await getJson(`/api/v1/statuses/${direct.id}/${path}`, bob.token)).status).toBe(404);
      expect((await getJson(`/api/v1/statuses/${direct.id}/${path}`, carol.token)).status).toBe(200);
    }
    expect((await getJson(`/api/v1/statuses/${priv.id}/source`, dave.token)).status).toBe(404);
    expect((await getJson(`/api/v1/statuses/${priv.id}/source`, bob.token)).status).toBe(200);
    expect((await getJson(`/api/v1/statuses/${direct.id}/source`, bob.token)).status).toBe(404);
  });

  it("interactions need the status to be visible; private and direct cannot be boosted by others", async () => {
    for (const action of ["favourite", "bookmark", "reblog", "mute", "pin"]) {
      expectError(await send("POST", `/api/v1/statuses/${priv.id}/${action}`, dave.token), 404);
      expectError(await send("POST", `/api/v1/statuses/${direct.id}/${action}`, bob.token), 404);
    }
    expectError(await send("POST", `/api/v1/statuses/${priv.id}/reblog`, bob.token), 403, /not allowed/);
    expectError(await send("POST", `/api/v1/statuses/${direct.id}/reblog`, carol.token), 403, /not allowed/);
    expect((await send("POST", `/api/v1/statuses/${priv.id}/favourite`, bob.token)).status).toBe(200);
    expect((await send("POST", `/api/v1/statuses/${direct.id}/favourite`, carol.token)).status).toBe(200);
    // The author may boost her own private post; it stays private.
    const self = await send("POST", `/api/v1/statuses/${priv.id}/reblog`, alice.token, { visibility: "public" });
    expect(self.status).toBe(200);
    expect(self.body.visibility).toBe("private");
    expect((await getJson(`/api/v1/statuses/${self.body.id}`, dave.token)).status).toBe(404);
    expect((await getJson(`/api/v1/statuses/${self.body.id}`, bob.token)).status).toBe(200);
    expect((await send("POST", `/api/v1/statuses/${priv.id}/unreblog`, alice.token)).status).toBe(200);
  });

  it("polls of private statuses", async () => {
    expect((await getJson(`/api/v1/polls/${privPoll.id}`, dave.token)).status).toBe(404);
    expect((await getJson(`/api/v1/polls/${privPoll.id}`)).status).toBe(404);
    expectError(await send("POST", `/api/v1/polls/${privPoll.id}/votes`, dave.token, { choices: [0] }), 404);
    const poll = await getJson(`/api/v1/polls/${privPoll.id}`, bob.token);
    expect(poll.status).toBe(200);
    expectSchema(poll.body, "Poll");
    expect((await send("POST", `/api/v1/polls/${privPoll.id}/votes`, bob.token, { choices: [0] })).status).toBe(200);
  });

  it("blocks: an author who blocks a reader hides everything from them", async () => {
    must("block", await accountObject(alice.id).block(alice.token, dave.id));
    expect((await getJson(`/api/v1/statuses/${pub.id}`, dave.token)).status).toBe(404);
    expect((await getJson(`/api/v1/accounts/${alice.id}/statuses`, dave.token)).body).toEqual([]);
    expectError(await send("POST", `/api/v1/statuses/${pub.id}/favourite`, dave.token), 404);
    const replying = await send("POST", "/api/v1/statuses", dave.token, { status: "hey", in_reply_to_id: pub.id });
    expectError(replying, 404);
    // ...and the reader who blocks an author does not see them either (viewer side).
    const erin = await newUser("erin");
    const fromErin = await post(erin, { status: "erin's" });
    must("block", await accountObject(bob.id).block(bob.token, erin.id));
    expect((await getJson(`/api/v1/statuses/${fromErin.id}`, bob.token)).status).toBe(404);
    const blockedRows = await inObject(bob.id, (o) => o.sql.exec("SELECT account_id FROM blocks").toArray().length);
    expect(blockedRows).toBe(1);
  });
});
