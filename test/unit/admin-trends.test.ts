import { describe, expect, it } from "vitest";
import { registerUser, uniqueName, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";
import { call, get, publish, users } from "./timelines-helpers";
import { runJobs } from "./status-helpers";
import { tagId } from "../../core/serializers/tag";

/** Admin trends (worker/api/admin-trends.ts): lists with review state, approve/reject, public trends honour rejections. */

const ADMIN_SCOPES = ["read", "write", "admin:read", "admin:write"];
const staff = (role: "moderator" | "admin" = "moderator"): Promise<TestUser> => registerUser(uniqueName(role), { role, scopes: ADMIN_SCOPES });
const word = (p: string) => `${p}${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}`.toLowerCase();

describe("roles and scopes", () => {
  it("moderators may review trends (manage_taxonomies); users and tokens without admin scopes may not", async () => {
    const user = await registerUser(uniqueName("user"), { scopes: ADMIN_SCOPES });
    expect((await get("/api/v1/admin/trends/tags", user.token)).status).toBe(403);
    const plain = await registerUser(uniqueName("modplain"), { role: "moderator", scopes: ["read"] });
    expect((await get("/api/v1/admin/trends/tags", plain.token)).status).toBe(403);
    const readOnly = await registerUser(uniqueName("modread"), { role: "moderator", scopes: ["admin:read"] });
    expect((await get("/api/v1/admin/trends/statuses", readOnly.token)).status).toBe(200);
    expect((await call("POST", `/api/v1/admin/trends/tags/${tagId("x")}/approve`, readOnly.token)).status).toBe(403);
    expect((await get("/api/v1/admin/trends/links", (await staff()).token)).body).toEqual([]);
  });
});

describe("tags", () => {
  it("lists with review state; reject hides from the public trends, approve brings it back", async () => {
    const mod = await staff();
    const people = await users("atr1", "atr2");
    const tag = word("review");
    for (const u of people) await publish(u, { status: `#${tag}` });
    const listed = await get("/api/v1/admin/trends/tags?limit=40", mod.token);
    const entry = listed.body.find((t: any) => t.name === tag);
    expect(entry).toMatchObject({ id: tagId(tag), requires_review: true, trendable: true, usable: true });
    expectSchema(entry, "Tag");
    expectSchema(entry, "AdminTag");

    const rejected = await call("POST", `/api/v1/admin/trends/tags/${entry.id}/reject`, mod.token);
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ name: tag, requires_review: false, trendable: false });
    expect((await get("/api/v1/trends/tags?limit=20")).body.map((t: any) => t.name)).not.toContain(tag);
    expect((await get("/api/v1/admin/trends/tags?limit=40", mod.token)).body.find((t: any) => t.name === tag)).toMatchObject({ trendable: false });

    const approved = await call("POST", `/api/v1/admin/trends/tags/${entry.id}/approve`, mod.token);
    expect(approved.body).toMatchObject({ requires_review: false, trendable: true });
    expect((await get("/api/v1/trends/tags?limit=20")).body.map((t: any) => t.name)).toContain(tag);

    expect((await call("POST", `/api/v1/admin/trends/tags/${tagId(word("never"))}/approve`, mod.token)).status).toBe(404);
    expect((await call("POST", "/api/v1/admin/trends/tags/abc/approve", mod.token)).status).toBe(404);
  });
});

describe("statuses", () => {
  it("lists trending statuses; reject hides one from the public trends", async () => {
    const mod = await staff();
    const [author, fan] = await users("atsauthor", "atsfan");
    const status = await publish(author, { status: "a trending status" });
    expect((await call("POST", `/api/v1/statuses/${status.id}/favourite`, fan.token)).status).toBe(200);
    await runJobs(author.id);
    const listed = await get("/api/v1/admin/trends/statuses?limit=40", mod.token);
    const entry = listed.body.find((s: any) => s.id === status.id);
    expect(entry).toMatchObject({ requires_review: true });
    expectSchema(entry, "Status");

    const rejected = await call("POST", `/api/v1/admin/trends/statuses/${status.id}/reject`, mod.token);
    expect(rejected).toMatchObject({ status: 200, body: { id: status.id, requires_review: false } });
    expect((await get("/api/v1/trends/statuses?limit=40")).body.map((s: any) => s.id)).not.toContain(status.id);
    await call("POST", `/api/v1/admin/trends/statuses/${status.id}/approve`, mod.token);
    expect((await get("/api/v1/trends/statuses?limit=40")).body.map((s: any) => s.id)).toContain(status.id);
  });

  it("links: nothing trends, so approving or rejecting one is a 404", async () => {
    const mod = await staff();
    expect((await call("POST", "/api/v1/admin/trends/links/1/approve", mod.token)).status).toBe(404);
    expect((await call("POST", "/api/v1/admin/trends/links/1/reject", mod.token)).status).toBe(404);
  });
});
