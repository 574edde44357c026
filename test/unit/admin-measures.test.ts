import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, jsonBody, registerUser, uniqueName, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";

/** Admin measures, dimensions and retention (worker/api/admin-measures.ts). */

const ADMIN_SCOPES = ["read", "write", "admin:read", "admin:write"];
const staff = (role: "moderator" | "admin" | "user" = "moderator", scopes = ADMIN_SCOPES): Promise<TestUser> => registerUser(uniqueName(role), { role, scopes });

async function post(path: string, token: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await api(path, jsonBody("POST", body, token));
  return { status: res.status, body: await res.json() };
}

const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

const ALL_MEASURES = [
  "active_users", "new_users", "interactions", "opened_reports", "resolved_reports", "tag_accounts", "tag_uses", "tag_servers",
  "instance_accounts", "instance_media_attachments", "instance_reports", "instance_statuses", "instance_follows", "instance_followers",
];

describe("POST /api/v1/admin/measures", () => {
  it("answers every key Mastodon knows, one value per day; counts registrations and reports", async () => {
    const mod = await staff();
    const before = await post("/api/v1/admin/measures", mod.token, { keys: ["new_users"], start_at: daysAgo(2), end_at: today() });
    await registerUser(uniqueName("newcomer"));
    const target = await registerUser(uniqueName("target"));
    await env.DIRECTORY.get(env.DIRECTORY.idFromName("directory")).addReport({
      activityId: `https://remote.example/flags/${crypto.randomUUID()}`,
      reporterId: "1",
      reporterUri: "https://remote.example/actor",
      targetAccountId: target.id,
      statusIds: [],
      comment: "",
    });
    const res = await post("/api/v1/admin/measures", mod.token, { keys: [...ALL_MEASURES, "no_such_key"], start_at: daysAgo(2), end_at: today() });
    expect(res.status).toBe(200);
    expect(res.body.map((m: any) => m.key)).toEqual(ALL_MEASURES);
    for (const m of res.body) {
      expectSchema(m, "AdminMeasure");
      expect(m.data).toHaveLength(3);
    }
    const newUsers = res.body.find((m: any) => m.key === "new_users");
    expect(Number(newUsers.total)).toBe(Number(before.body[0].total) + 2);
    expect(newUsers.data[2].date.slice(0, 10)).toBe(today());
    expect(newUsers).toHaveProperty("previous_total");
    expect(Number(res.body.find((m: any) => m.key === "opened_reports").total)).toBeGreaterThanOrEqual(1);
    expect(res.body.find((m: any) => m.key === "interactions")).toMatchObject({ total: "0" });
  });

  it("400 without start_at, end_at or keys; 403 for users; 401 without a token", async () => {
    const mod = await staff();
    expect((await post("/api/v1/admin/measures", mod.token, { keys: ["new_users"], end_at: today() })).status).toBe(400);
    expect((await post("/api/v1/admin/measures", mod.token, { keys: ["new_users"], start_at: "yesterday-ish", end_at: today() })).status).toBe(400);
    expect((await post("/api/v1/admin/measures", mod.token, { start_at: today(), end_at: today() })).status).toBe(400);
    const user = await staff("user");
    expect((await post("/api/v1/admin/measures", user.token, { keys: ["new_users"], start_at: today(), end_at: today() })).status).toBe(403);
    const noScope = await staff("moderator", ["read"]);
    expect((await post("/api/v1/admin/measures", noScope.token, { keys: ["new_users"], start_at: today(), end_at: today() })).status).toBe(403);
    expect((await api("/api/v1/admin/measures", { method: "POST" })).status).toBe(401);
  });
});

describe("POST /api/v1/admin/dimensions", () => {
  it("answers every key; software versions are known, the rest empty", async () => {
    const mod = await staff();
    const keys = ["languages", "sources", "servers", "space_usage", "software_versions", "tag_servers", "tag_languages", "instance_accounts", "instance_languages"];
    const res = await post("/api/v1/admin/dimensions", mod.token, { keys, start_at: daysAgo(7), end_at: today() });
    expect(res.status).toBe(200);
    expect(res.body.map((d: any) => d.key)).toEqual(keys);
    for (const d of res.body) expectSchema(d, "AdminDimension");
    expect(res.body.find((d: any) => d.key === "software_versions").data.map((x: any) => x.key)).toContain("pronghorn");
  });
});

describe("POST /api/v1/admin/retention", () => {
  it("cohorts by day and month: the first value is the cohort's size", async () => {
    const mod = await staff();
    await registerUser(uniqueName("cohort"));
    const daily = await post("/api/v1/admin/retention", mod.token, { start_at: daysAgo(1), end_at: today(), frequency: "day" });
    expect(daily.status).toBe(200);
    expect(daily.body).toHaveLength(2);
    for (const c of daily.body) expectSchema(c, "AdminCohort");
    const last = daily.body[1];
    expect(Number(last.data[0].value)).toBeGreaterThanOrEqual(1);
    expect(last.data[0].rate).toBe(1);
    const monthly = await post("/api/v1/admin/retention", mod.token, { start_at: daysAgo(40), end_at: today(), frequency: "month" });
    expect(monthly.body.length).toBeGreaterThanOrEqual(2);
    expect(monthly.body[0].frequency).toBe("month");
    expect((await post("/api/v1/admin/retention", mod.token, { start_at: today(), end_at: today(), frequency: "year" })).status).toBe(400);
  });
});
