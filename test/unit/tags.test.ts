import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectSchema } from "./openapi";
import { createAppToken, issueToken } from "./helpers";
import { get, links, pathOf, post, send, user } from "./graph-helpers";
import { tagId } from "../../core/serializers/tag";

async function tag(res: Response): Promise<any> {
  expect(res.status, await res.clone().text()).toBe(200);
  const body = await res.json();
  expectSchema(body, "Tag");
  return body;
}

describe("GET /api/v1/tags/:name", () => {
  it("shows any valid hashtag, with following/featuring for a signed-in user", async () => {
    const anonymous = await tag(await get("/api/v1/tags/Cats"));
    expect(anonymous).toMatchObject({ name: "cats", url: "https://pronghorn.test/tags/cats", id: tagId("cats") });
    expect(anonymous.id).toMatch(/^\d+$/);
    expect(anonymous.history).toHaveLength(7);
    expect(anonymous).not.toHaveProperty("following");
    const me = await user("tme");
    expect(await tag(await get("/api/v1/tags/cats", me.token))).toMatchObject({ following: false, featuring: false });
    const app = await createAppToken(["read"]);
    expect(await tag(await get("/api/v1/tags/cats", app.token))).not.toHaveProperty("following");
    expect((await get("/api/v1/tags/123")).status).toBe(404);
    expect((await get("/api/v1/tags/not-a-tag")).status).toBe(404);
    expect((await get("/api/v1/tags/cats", "u1.bogusbogusbogusbogusbogusbogusbogusbogus")).status).toBe(401);
  });
});

describe("followed tags", () => {
  it("follows and unfollows (idempotently), lists followed tags with paging, registers with the tag timeline", async () => {
    const me = await user("tfa");
    const followed = await tag(await post("/api/v1/tags/Gardening/follow", me.token));
    expect(followed).toMatchObject({ name: "gardening", following: true, featuring: false });
    expect(await tag(await post("/api/v1/tags/gardening/follow", me.token))).toMatchObject({ following: true });
    await post("/api/v1/tags/bikes/follow", me.token);
    await post("/api/v1/tags/tea/follow", me.token);

    const first = await get("/api/v1/followed_tags?limit=2", me.token);
    expect(first.status).toBe(200);
    const page = (await first.json()) as any[];
    for (const t of page) expectSchema(t, "Tag");
    expect(page.map((t) => [t.name, t.following])).toEqual([
      ["tea", true],
      ["bikes", true],
    ]);
    const rest = (await (await get(pathOf(links(first).next!), me.token)).json()) as any[];
    expect(rest.map((t) => t.name)).toEqual(["gardening"]);

    const timeline = env.TIMELINE.get(env.TIMELINE.idFromName("tag:gardening"));
    const followers = await runInDurableObject(timeline, async (_i, state) => state.storage.sql.exec("SELECT account_id FROM tag_followers").toArray());
    expect(followers).toContainEqual({ account_id: me.id });

    expect(await tag(await post("/api/v1/tags/gardening/unfollow", me.token))).toMatchObject({ following: false });
    expect(await tag(await post("/api/v1/tags/gardening/unfollow", me.token))).toMatchObject({ following: false });
    expect(((await (await get("/api/v1/followed_tags", me.token)).json()) as any[]).map((t) => t.name)).toEqual(["tea", "bikes"]);
  });

  it("needs write:follows to follow and read:follows to list; 404 for invalid names", async () => {
    const me = await user("tfs");
    expect((await post("/api/v1/tags/x1/follow", await issueToken(me.id, ["read"]))).status).toBe(403);
    expect((await post("/api/v1/tags/x1/follow", await issueToken(me.id, ["follow"]))).status).toBe(200);
    expect((await get("/api/v1/followed_tags", await issueToken(me.id, ["read:lists"]))).status).toBe(403);
    expect((await post("/api/v1/tags/%23%23/follow", me.token)).status).toBe(404);
    expect((await post("/api/v1/tags/x1/follow", "")).status).toBe(401);
  });
});

describe("featured tags", () => {
  it("features tags with live statistics from the account's own public posts", async () => {
    const me = await user("fta");
    for (const text of ["#Cooking soup", "more #cooking", "private #cooking"]) {
      const visibility = text.startsWith("private") ? "private" : "public";
      expect((await post("/api/v1/statuses", me.token, { status: text, visibility })).status).toBe(200);
    }
    const created = await post("/api/v1/featured_tags", me.token, { name: "#Cooking" });
    expect(created.status, await created.clone().text()).toBe(200);
    const featured = (await created.json()) as any;
    expectSchema(featured, "FeaturedTag");
    expect(featured).toMatchObject({ name: "cooking", statuses_count: "2", url: `https://pronghorn.test/@${me.username}/tagged/cooking` });
    expect(featured.last_status_at).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const dup = await post("/api/v1/featured_tags", me.token, { name: "cooking" });
    expect(dup.status).toBe(422);
    expect((await post("/api/v1/featured_tags", me.token, { name: "no spaces" })).status).toBe(422);

    const own = (await (await get("/api/v1/featured_tags", me.token)).json()) as any[];
    for (const t of own) expectSchema(t, "FeaturedTag");
    expect(own.map((t) => t.name)).toEqual(["cooking"]);
    const publicList = (await (await get(`/api/v1/accounts/${me.id}/featured_tags`)).json()) as any[];
    expect(publicList.map((t) => t.id)).toEqual([featured.id]);
    expect(await tag(await get("/api/v1/tags/cooking", me.token))).toMatchObject({ featuring: true });

    const removed = await send("DELETE", `/api/v1/featured_tags/${featured.id}`, me.token);
    expect(removed.status).toBe(200);
    expect(await removed.json()).toEqual({});
    expect((await send("DELETE", `/api/v1/featured_tags/${featured.id}`, me.token)).status).toBe(404);
    expect(await (await get("/api/v1/featured_tags", me.token)).json()).toEqual([]);
  });

  it("suggests recently used tags not featured yet; tags/:name/feature and unfeature", async () => {
    const me = await user("ftb");
    await post("/api/v1/statuses", me.token, { status: "#alpha then #beta" });
    const suggestions = (await (await get("/api/v1/featured_tags/suggestions", me.token)).json()) as any[];
    for (const t of suggestions) expectSchema(t, "Tag");
    expect(suggestions.map((t) => t.name).sort()).toEqual(["alpha", "beta"]);
    expect(await tag(await post("/api/v1/tags/alpha/feature", me.token))).toMatchObject({ featuring: true });
    expect(await tag(await post("/api/v1/tags/alpha/feature", me.token))).toMatchObject({ featuring: true });
    expect(((await (await get("/api/v1/featured_tags/suggestions", me.token)).json()) as any[]).map((t) => t.name)).toEqual(["beta"]);
    expect(await tag(await post("/api/v1/tags/alpha/unfeature", me.token))).toMatchObject({ featuring: false });
  });

  it("allows 10 featured tags; needs write:accounts / read:accounts; 404 for unknown accounts", async () => {
    const me = await user("ftc");
    for (let i = 0; i < 10; i++) expect((await post("/api/v1/featured_tags", me.token, { name: `tag${i}x` })).status).toBe(200);
    const over = await post("/api/v1/featured_tags", me.token, { name: "onemore" });
    expect(over.status).toBe(422);
    expect(((await over.json()) as any).error).toContain("maximum");
    expect((await post("/api/v1/featured_tags", await issueToken(me.id, ["write:follows"]), { name: "x" })).status).toBe(403);
    expect((await get("/api/v1/featured_tags", await issueToken(me.id, ["read:follows"]))).status).toBe(403);
    expect((await get("/api/v1/accounts/10101010101/featured_tags")).status).toBe(404);
  });
});
