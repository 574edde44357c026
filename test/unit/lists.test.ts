import { describe, expect, it } from "vitest";
import { expectSchema } from "./openapi";
import { issueToken } from "./helpers";
import { eventually, follow, get, links, lock, pathOf, post, rows, send, user } from "./graph-helpers";

async function list(res: Response): Promise<any> {
  expect(res.status, await res.clone().text()).toBe(200);
  const body = await res.json();
  expectSchema(body, "List");
  return body;
}

async function memberIds(res: Response): Promise<string[]> {
  expect(res.status).toBe(200);
  const body = (await res.json()) as any[];
  for (const a of body) expectSchema(a, "Account");
  return body.map((a) => a.id);
}

describe("lists CRUD", () => {
  it("creates, reads, updates and deletes lists", async () => {
    const me = await user("lme");
    const created = await list(await post("/api/v1/lists", me.token, { title: "Friends" }));
    expect(created).toMatchObject({ title: "Friends", replies_policy: "list", exclusive: false });
    const second = await list(await post("/api/v1/lists", me.token, { title: "Work", replies_policy: "followed", exclusive: true }));
    expect(second).toMatchObject({ replies_policy: "followed", exclusive: true });

    const all = (await (await get("/api/v1/lists", me.token)).json()) as any[];
    for (const l of all) expectSchema(l, "List");
    expect(all.map((l) => l.title)).toEqual(["Friends", "Work"]);
    expect(await list(await get(`/api/v1/lists/${created.id}`, me.token))).toEqual(created);

    const updated = await list(await send("PUT", `/api/v1/lists/${created.id}`, me.token, { title: "Close friends", replies_policy: "none" }));
    expect(updated).toMatchObject({ id: created.id, title: "Close friends", replies_policy: "none", exclusive: false });
    expect(await list(await send("PUT", `/api/v1/lists/${created.id}`, me.token, { exclusive: "true" }))).toMatchObject({ title: "Close friends", exclusive: true });

    const deleted = await send("DELETE", `/api/v1/lists/${created.id}`, me.token);
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({});
    expect((await get(`/api/v1/lists/${created.id}`, me.token)).status).toBe(404);
    expect(((await (await get("/api/v1/lists", me.token)).json()) as any[]).map((l) => l.id)).toEqual([second.id]);
  });

  it("validates title and replies_policy (422) and keeps lists private (404)", async () => {
    const [me, other] = [await user("lva"), await user("lvb")];
    const blank = await post("/api/v1/lists", me.token, { title: "  " });
    expect(blank.status).toBe(422);
    expect(((await blank.json()) as any).error).toBe("Validation failed: Title can't be blank");
    const policy = await post("/api/v1/lists", me.token, { title: "x", replies_policy: "everyone" });
    expect(policy.status).toBe(422);
    expect(((await policy.json()) as any).error).toContain("Replies policy");
    const mine = await list(await post("/api/v1/lists", me.token, { title: "Mine" }));
    expect((await get(`/api/v1/lists/${mine.id}`, other.token)).status).toBe(404);
    expect((await send("PUT", `/api/v1/lists/${mine.id}`, other.token, { title: "stolen" })).status).toBe(404);
    expect((await send("DELETE", `/api/v1/lists/${mine.id}`, other.token)).status).toBe(404);
    expect((await get("/api/v1/lists/notanid", me.token)).status).toBe(404);
    expect((await send("PUT", `/api/v1/lists/${mine.id}`, me.token, { title: "" })).status).toBe(422);
  });

  it("needs read:lists to read and write:lists to change", async () => {
    const me = await user("lsc");
    expect((await get("/api/v1/lists", await issueToken(me.id, ["read:follows"]))).status).toBe(403);
    expect((await get("/api/v1/lists", await issueToken(me.id, ["read:lists"]))).status).toBe(200);
    expect((await post("/api/v1/lists", await issueToken(me.id, ["read"]), { title: "x" })).status).toBe(403);
    expect((await post("/api/v1/lists", await issueToken(me.id, ["write:lists"]), { title: "x" })).status).toBe(200);
    expect((await get("/api/v1/lists")).status).toBe(401);
  });
});

describe("list members", () => {
  it("adds only followed accounts, pages members, removes them, and lists an account's lists", async () => {
    const me = await user("lmm");
    const [a, b, c, stranger] = [await user("lm1"), await user("lm2"), await user("lm3"), await user("lmx")];
    for (const u of [a, b, c]) await follow(me, u);
    const l = await list(await post("/api/v1/lists", me.token, { title: "Folks" }));
    const other = await list(await post("/api/v1/lists", me.token, { title: "Other" }));

    const notFollowed = await post(`/api/v1/lists/${l.id}/accounts`, me.token, { account_ids: [a.id, stranger.id] });
    expect(notFollowed.status).toBe(404);
    expect(await memberIds(await get(`/api/v1/lists/${l.id}/accounts`, me.token))).toEqual([]);

    const added = await post(`/api/v1/lists/${l.id}/accounts`, me.token, { account_ids: [a.id, b.id, c.id] });
    expect(added.status).toBe(200);
    expect(await added.json()).toEqual({});
    // Adding again changes nothing.
    expect((await post(`/api/v1/lists/${l.id}/accounts`, me.token, { account_ids: [a.id] })).status).toBe(200);
    await post(`/api/v1/lists/${other.id}/accounts`, me.token, { account_ids: [a.id] });

    const first = await get(`/api/v1/lists/${l.id}/accounts?limit=2`, me.token);
    expect(await memberIds(first)).toEqual([c.id, b.id]);
    expect(await memberIds(await get(pathOf(links(first).next!), me.token))).toEqual([a.id]);
    const everyone = await get(`/api/v1/lists/${l.id}/accounts?limit=0`, me.token);
    expect(everyone.headers.get("link")).toBeNull();
    expect(await memberIds(everyone)).toEqual([c.id, b.id, a.id]);

    const ofA = (await (await get(`/api/v1/accounts/${a.id}/lists`, me.token)).json()) as any[];
    for (const x of ofA) expectSchema(x, "List");
    expect(ofA.map((x) => x.title)).toEqual(["Folks", "Other"]);
    expect(await (await get(`/api/v1/accounts/${stranger.id}/lists`, me.token)).json()).toEqual([]);
    expect((await get("/api/v1/accounts/11111111111/lists", me.token)).status).toBe(404);

    const removed = await send("DELETE", `/api/v1/lists/${l.id}/accounts`, me.token, { account_ids: [b.id] });
    expect(removed.status).toBe(200);
    expect(await memberIds(await get(`/api/v1/lists/${l.id}/accounts?limit=0`, me.token))).toEqual([c.id, a.id]);

    // Unfollowing takes the account out of every list.
    await post(`/api/v1/accounts/${a.id}/unfollow`, me.token);
    expect(await memberIds(await get(`/api/v1/lists/${l.id}/accounts`, me.token))).toEqual([c.id]);
    expect(await (await get(`/api/v1/accounts/${a.id}/lists`, me.token)).json()).toEqual([]);

    expect((await post("/api/v1/lists/12345/accounts", me.token, { account_ids: [c.id] })).status).toBe(404);
    expect((await post(`/api/v1/lists/${l.id}/accounts`, me.token, { account_ids: ["abc"] })).status).toBe(422);
  });

  it("accepts accounts with a pending follow request (locked accounts)", async () => {
    const [me, locked] = [await user("lpa"), await user("lpb")];
    await lock(locked);
    await follow(me, locked);
    const l = await list(await post("/api/v1/lists", me.token, { title: "Pending" }));
    expect((await post(`/api/v1/lists/${l.id}/accounts`, me.token, { account_ids: [locked.id] })).status).toBe(200);
    expect(await memberIds(await get(`/api/v1/lists/${l.id}/accounts`, me.token))).toEqual([locked.id]);
  });

  it("backfills a new member's recent posts into the list; deleting the list clears it", async () => {
    const [me, author] = [await user("lba"), await user("lbb")];
    const posted = await post("/api/v1/statuses", author.token, { status: "for the list" });
    expect(posted.status).toBe(200);
    const statusId = ((await posted.json()) as any).id;
    await follow(me, author);
    const l = await list(await post("/api/v1/lists", me.token, { title: "Backfill" }));
    await post(`/api/v1/lists/${l.id}/accounts`, me.token, { account_ids: [author.id] });
    await eventually(async () => {
      expect(await rows(me.id, "SELECT id FROM list_entries WHERE list_id = ?", l.id)).toEqual([{ id: statusId }]);
    });
    await send("DELETE", `/api/v1/lists/${l.id}/accounts`, me.token, { account_ids: [author.id] });
    expect(await rows(me.id, "SELECT id FROM list_entries WHERE list_id = ?", l.id)).toEqual([]);
    await send("DELETE", `/api/v1/lists/${l.id}`, me.token);
    expect(await rows(me.id, "SELECT * FROM list_accounts WHERE list_id = ?", l.id)).toEqual([]);
  });
});
