import { afterAll, describe, expect, it } from "vitest";
import { api, bearer, fetchWithEnv, issueToken, jsonBody, registerUser, uniqueName, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";
import { post } from "./status-helpers";
import { uninstallFakeNetwork } from "./federation-peer";
import { remoteId, remoteServer } from "./federation-handlers-helpers";

/** The admin API for reports (worker/api/admin-reports.ts) and the notifications moderators get. */

afterAll(() => uninstallFakeNetwork());

const ADMIN_SCOPES = ["read", "write", "push", "admin:read", "admin:write"];
const RULES = { INSTANCE_RULES: "Be kind.\nNo spam." };

function staff(role: "moderator" | "admin" | "owner" = "moderator"): Promise<TestUser> {
  return registerUser(uniqueName(role), { role, scopes: ADMIN_SCOPES });
}

async function call(method: string, path: string, token: string, body?: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const res = await api(path, body ? jsonBody(method, body, token) : { method, headers: bearer(token) });
  return { status: res.status, body: await res.json() };
}

/** A user's report through `POST /api/v1/reports`; returns its id. */
async function fileReport(reporter: TestUser, target: TestUser, body: Record<string, unknown> = {}): Promise<string> {
  const res = await call("POST", "/api/v1/reports", reporter.token, { account_id: target.id, comment: "not nice", ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.id;
}

describe("who may handle reports", () => {
  it("needs a staff role and the reports scope", async () => {
    const moderator = await staff();
    const user = await registerUser(uniqueName("plain"), { scopes: ADMIN_SCOPES });
    const [reporter, target] = [await registerUser(uniqueName("reporter")), await registerUser(uniqueName("target"))];
    const id = await fileReport(reporter, target);
    expect((await call("GET", "/api/v1/admin/reports", user.token)).status).toBe(403);
    expect((await call("POST", `/api/v1/admin/reports/${id}/resolve`, user.token)).status).toBe(403);
    const accountsOnly = await issueToken(moderator.id, ["admin:read:accounts", "admin:write:accounts"]);
    expect((await call("GET", "/api/v1/admin/reports", accountsOnly)).status).toBe(403);
    expect((await call("POST", `/api/v1/admin/reports/${id}/assign_to_self`, accountsOnly)).status).toBe(403);
    const readOnly = await issueToken(moderator.id, ["admin:read:reports"]);
    expect((await call("GET", `/api/v1/admin/reports/${id}`, readOnly)).status).toBe(200);
    expect((await call("POST", `/api/v1/admin/reports/${id}/resolve`, readOnly)).status).toBe(403);
    const writer = await issueToken(moderator.id, ["admin:write:reports"]);
    expect((await call("POST", `/api/v1/admin/reports/${id}/resolve`, writer)).status).toBe(200);
  });
});

describe("handling a report", () => {
  it("assigns, unassigns, resolves, reopens, and changes category and rules", async () => {
    const moderator = await staff();
    const [reporter, target] = [await registerUser(uniqueName("reporter")), await registerUser(uniqueName("target"))];
    const status = await post(target, { status: "rude words", visibility: "private" });
    const id = await fileReport(reporter, target, { status_ids: [status.id], category: "spam" });
    const base = `/api/v1/admin/reports/${id}`;

    const shown = await call("GET", base, moderator.token);
    expectSchema(shown.body, "AdminReport");
    expect(shown.body).toMatchObject({ id, category: "spam", comment: "not nice", account: { id: reporter.id }, target_account: { id: target.id }, assigned_account: null });
    expect(shown.body.statuses.map((s: any) => s.id)).toEqual([status.id]);

    const assigned = await call("POST", `${base}/assign_to_self`, moderator.token);
    expectSchema(assigned.body, "AdminReport");
    expect(assigned.body.assigned_account).toMatchObject({ id: moderator.id });
    expect((await call("POST", `${base}/unassign`, moderator.token)).body.assigned_account).toBeNull();

    const resolved = await call("POST", `${base}/resolve`, moderator.token);
    expect(resolved.body).toMatchObject({ action_taken: true, action_taken_by_account: { id: moderator.id } });
    expect((await call("GET", "/api/v1/admin/reports?resolved=true", moderator.token)).body.map((r: any) => r.id)).toContain(id);
    const reopened = await call("POST", `${base}/reopen`, moderator.token);
    expectSchema(reopened.body, "AdminReport");
    expect(reopened.body).toMatchObject({ action_taken: false, action_taken_at: null, action_taken_by_account: null });
    expect((await call("GET", `/api/v1/admin/reports?target_account_id=${target.id}`, moderator.token)).body.map((r: any) => r.id)).toEqual([id]);
    expect((await call("GET", `/api/v1/admin/reports?account_id=${reporter.id}`, moderator.token)).body.map((r: any) => r.id)).toEqual([id]);

    const put = (body: Record<string, unknown>) => fetchWithEnv(RULES, base, jsonBody("PUT", body, moderator.token));
    const violation = await put({ category: "violation", rule_ids: ["2"] });
    const violationBody: any = await violation.json();
    expect(violation.status, JSON.stringify(violationBody)).toBe(200);
    expectSchema(violationBody, "AdminReport");
    expect(violationBody).toMatchObject({ category: "violation", rules: [{ id: "2", text: "No spam." }] });
    expect((await put({ rule_ids: ["7"] })).status).toBe(422);
    expect((await put({ category: "rude" })).status).toBe(422);
    const other: any = await (await put({ category: "other" })).json();
    expect(other).toMatchObject({ category: "other", rules: [] });
    expect((await call("PUT", "/api/v1/admin/reports/999999999", moderator.token, { category: "spam" })).status).toBe(404);
    expect((await call("POST", "/api/v1/admin/reports/999999999/resolve", moderator.token)).status).toBe(404);
  });

  it("acting on the reported account with report_id resolves that report", async () => {
    const admin = await staff("admin");
    const [reporter, target] = [await registerUser(uniqueName("reporter")), await registerUser(uniqueName("target"))];
    const id = await fileReport(reporter, target);
    const res = await call("POST", `/api/v1/admin/accounts/${target.id}/action`, admin.token, { type: "none", report_id: id });
    expect(res).toEqual({ status: 200, body: {} });
    const report = await call("GET", `/api/v1/admin/reports/${id}`, admin.token);
    expect(report.body).toMatchObject({ action_taken: true, action_taken_by_account: { id: admin.id } });
  });

  it("lists a report about a remote account with the remote account as target", async () => {
    const moderator = await staff();
    const server = remoteServer("reportedadmin");
    const carol = await server.actor("carol");
    const reporter = await registerUser(uniqueName("reporter"));
    const targetId = await remoteId(carol);
    const res = await call("POST", "/api/v1/reports", reporter.token, { account_id: targetId, comment: "remote trouble" });
    expect(res.status).toBe(200);
    const shown = await call("GET", `/api/v1/admin/reports/${res.body.id}`, moderator.token);
    expect(shown.status).toBe(200);
    expect(shown.body.target_account).toMatchObject({ id: targetId, domain: server.peer.host, email: null });
    const byDomain = await call("GET", `/api/v1/admin/reports?by_target_domain=${server.peer.host.toUpperCase()}`, moderator.token);
    expect(byDomain.body.map((r: any) => r.id)).toEqual([res.body.id]);
    expect((await call("GET", "/api/v1/admin/reports?by_target_domain=elsewhere.example", moderator.token)).body).toEqual([]);
    // Remote accounts cannot be moderated here: refused, not half done.
    expect((await call("POST", `/api/v1/admin/accounts/${targetId}/action`, moderator.token, { type: "silence" })).status).toBe(403);
  });
});

describe("notifications for moderators", () => {
  it("a new report is an admin.report notification with its report; a sign-up is admin.sign_up", async () => {
    const moderator = await staff();
    const [reporter, target] = [await registerUser(uniqueName("reporter")), await registerUser(uniqueName("target"))];
    const id = await fileReport(reporter, target, { category: "spam" });
    const listed = await call("GET", "/api/v1/notifications?types[]=admin.report", moderator.token);
    expect(listed.status).toBe(200);
    const n = listed.body.find((x: any) => x.report?.id === id);
    expect(n).toBeDefined();
    expectSchema(n, "Notification");
    expect(n).toMatchObject({ type: "admin.report", account: { id: reporter.id }, report: { id, category: "spam", target_account: { id: target.id } } });

    const grouped = await call("GET", "/api/v2/notifications?types[]=admin.report", moderator.token);
    expect(grouped.status).toBe(200);
    expectSchema(grouped.body, "GroupedNotificationsResults");
    expect(grouped.body.notification_groups.find((g: any) => g.report?.id === id)).toMatchObject({ type: "admin.report", report: { target_account: { id: target.id } } });

    const newcomer = await registerUser(uniqueName("newcomer"));
    const signups = await call("GET", "/api/v1/notifications?types[]=admin.sign_up", moderator.token);
    expect(signups.body.map((x: any) => x.account.id)).toContain(newcomer.id);

    // Users who are not staff hear of neither.
    const users = await call("GET", "/api/v1/notifications", reporter.token);
    expect(users.body.filter((x: any) => x.type.startsWith("admin."))).toEqual([]);
  });
});
