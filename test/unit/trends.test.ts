import { describe, expect, it } from "vitest";
import { createAppToken, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";
import { call, get, publish, settle, users } from "./timelines-helpers";
import { runJobs } from "./status-helpers";

function tagWord(prefix: string): string {
  return `${prefix}${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}`.toLowerCase();
}

async function trends(path: string, token?: string): Promise<{ body: any[]; link: string | null }> {
  const res = await get(path, token);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(Array.isArray(res.body)).toBe(true);
  return { body: res.body, link: res.link };
}

/** Favourites (and boosts) by these users, then the authors' count reports to the public timeline. */
async function interact(status: any, author: TestUser, favouriters: TestUser[], boosters: TestUser[] = []): Promise<void> {
  for (const u of favouriters) expect((await call("POST", `/api/v1/statuses/${status.id}/favourite`, u.token)).status).toBe(200);
  for (const u of boosters) expect((await call("POST", `/api/v1/statuses/${status.id}/reblog`, u.token)).status).toBe(200);
  await runJobs(author.id);
}

describe("GET /api/v1/trends/tags", () => {
  it("orders hashtags by distinct accounts using them in the last 7 days, with history", async () => {
    const people = await users("trt1", "trt2", "trt3", "trt4");
    const [wide, middle, narrow] = [tagWord("wide"), tagWord("middle"), tagWord("narrow")];
    for (const u of people.slice(0, 3)) await publish(u, { status: `#${wide}` });
    for (const u of people.slice(0, 2)) await publish(u, { status: `#${middle}` });
    // One account using a tag many times counts once.
    for (let i = 0; i < 4; i++) await publish(people[3], { status: `#${narrow} ${i}` });
    // Private statuses do not count.
    for (const u of people) await publish(u, { status: `#${narrow}`, visibility: "private" });

    const { body } = await trends("/api/v1/trends/tags?limit=20");
    for (const t of body) expectSchema(t, "Tag");
    const names = body.map((t) => t.name);
    const order = [wide, middle, narrow].map((n) => names.indexOf(n));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const narrowTag = body.find((t) => t.name === narrow);
    expect(narrowTag.history[0]).toMatchObject({ uses: "4", accounts: "1" });
    expect(narrowTag).not.toHaveProperty("following");

    // The deprecated alias, paging by offset with Link, and `following` for a signed-in user.
    expect((await trends("/api/v1/trends?limit=20")).body.map((t) => t.name)).toEqual(names);
    const first = await trends("/api/v1/trends/tags?limit=1", people[0].token);
    expect(first.body).toHaveLength(1);
    expect(first.body[0]).toHaveProperty("following", false);
    expect(first.link).toContain("offset=1");
    const second = await trends("/api/v1/trends/tags?limit=1&offset=1");
    expect(second.body[0].name).toBe(names[1]);
    expect(second.link).toContain('rel="prev"');
  });

  it("is empty for a tag whose only statuses were deleted", async () => {
    const [u] = await users("trdel");
    const gone = tagWord("gone");
    const status = await publish(u, { status: `#${gone}` });
    expect((await trends("/api/v1/trends/tags?limit=20")).body.map((t) => t.name)).toContain(gone);
    expect((await call("DELETE", `/api/v1/statuses/${status.id}`, u.token)).status).toBe(200);
    await settle([u]);
    expect((await trends("/api/v1/trends/tags?limit=20")).body.map((t) => t.name)).not.toContain(gone);
  });
});

describe("GET /api/v1/trends/statuses", () => {
  it("orders recent public statuses by favourites and boosts, with live counts, leaving out ineligible ones", async () => {
    const [author, other, a, b, c] = await users("trsauthor", "trsother", "trsa", "trsb", "trsc");
    const top = await publish(author, { status: "most loved" });
    const second = await publish(other, { status: "somewhat loved" });
    const third = await publish(author, { status: "a little loved" });
    const sensitive = await publish(author, { status: "hidden loved", spoiler_text: "cw" });
    const followersOnly = await publish(other, { status: "private loved", visibility: "private" });
    const quiet = await publish(author, { status: "not loved" });
    await interact(top, author, [a, b, c], [a]);
    await interact(second, other, [a, b]);
    await interact(third, author, [a]);
    await interact(sensitive, author, [a, b, c]);
    await call("POST", `/api/v1/accounts/${other.id}/follow`, a.token);
    await interact(followersOnly, other, [a]);

    const { body, link } = await trends("/api/v1/trends/statuses?limit=40");
    for (const s of body) expectSchema(s, "Status");
    const ids = body.map((s) => s.id);
    const order = [top.id, second.id, third.id].map((id) => ids.indexOf(id));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    for (const hidden of [sensitive.id, followersOnly.id, quiet.id]) expect(ids).not.toContain(hidden);
    expect(body.find((s) => s.id === top.id)).toMatchObject({ favourites_count: 3, reblogs_count: 1 });
    expect(body[0]).not.toHaveProperty("favourited");
    expect(link).toBeNull();

    // A signed-in viewer gets flags, and does not see what it blocks.
    const viewed = await trends("/api/v1/trends/statuses?limit=40", a.token);
    expect(viewed.body.find((s) => s.id === top.id)).toMatchObject({ favourited: true, reblogged: true });
    expect((await call("POST", `/api/v1/accounts/${author.id}/block`, c.token)).status).toBe(200);
    const forC = (await trends("/api/v1/trends/statuses?limit=40", c.token)).body.map((s) => s.id);
    expect(forC).toContain(second.id);
    expect(forC).not.toContain(top.id);

    // Counts follow: unfavouriting moves a status down.
    for (const u of [a, b, c]) await call("POST", `/api/v1/statuses/${top.id}/unfavourite`, u.token);
    await call("POST", `/api/v1/statuses/${top.id}/unreblog`, a.token);
    await runJobs(author.id);
    const after = (await trends("/api/v1/trends/statuses?limit=40")).body.map((s) => s.id);
    expect(after).not.toContain(top.id);
    expect(after.indexOf(second.id)).toBeLessThan(after.indexOf(third.id));
  });
});

describe("GET /api/v1/trends/links", () => {
  it("is an empty list while no public status shares a link", async () => {
    const { body } = await trends("/api/v1/trends/links");
    expect(body).toEqual([]);
    const app = await createAppToken(["read"]);
    expect((await trends("/api/v1/trends/links", app.token)).body).toEqual([]);
  });
});

describe("trends: bad input", () => {
  it("answers 422 for invalid limit/offset and 401 for a bad token", async () => {
    for (const path of ["/api/v1/trends/tags", "/api/v1/trends/statuses", "/api/v1/trends/links"]) {
      const badLimit = await get(`${path}?limit=many`);
      expect(badLimit.status).toBe(422);
      expect(badLimit.body.error).toMatch(/Limit/);
      expect((await get(`${path}?offset=-2`)).status).toBe(422);
      expect((await get(path, "u1.bogusbogusbogusbogusbogusbogusbogusbogus")).status).toBe(401);
    }
    // Out-of-range limits are clamped, as Mastodon does.
    expect((await get("/api/v1/trends/tags?limit=500")).status).toBe(200);
  });
});
