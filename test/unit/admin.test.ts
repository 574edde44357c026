import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, bearer, createAppToken, fetchWithEnv, issueToken, jsonBody, registerUser, uniqueName, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";
import { toSnapshot } from "../../schemas/records";

/** The admin API (worker/api/admin.ts) and the moderation page (worker/api/admin-page.ts). */

const ADMIN_SCOPES = ["read", "write", "admin:read", "admin:write"];
const directory = () => env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));
const accountObject = (id: string) => env.ACCOUNT.get(env.ACCOUNT.idFromName(id));

function newAdmin(role: "moderator" | "admin" | "owner" = "admin"): Promise<TestUser> {
  return registerUser(uniqueName(role), { role, scopes: ADMIN_SCOPES });
}

async function getJson(path: string, token: string): Promise<{ status: number; body: any; link: string | null }> {
  const res = await api(path, { headers: bearer(token) });
  return { status: res.status, body: await res.json(), link: res.headers.get("link") };
}

async function postJson(path: string, token: string): Promise<{ status: number; body: any }> {
  const res = await api(path, { method: "POST", headers: bearer(token) });
  return { status: res.status, body: await res.json() };
}

/** Registers through `POST /api/v1/accounts` in approval mode, as an app would; returns the id and token. */
async function registerPending(reason = "I would like to join"): Promise<{ id: string; username: string; email: string; password: string; token: string }> {
  const app = await createAppToken();
  const username = uniqueName("applicant");
  const email = `${username}@example.com`;
  const password = "applicant password 1";
  const res = await fetchWithEnv(
    { REGISTRATION_MODE: "approval" },
    "/api/v1/accounts",
    jsonBody("POST", { username, email, password, agreement: true, locale: "en", reason }, app.token),
  );
  expect(res.status).toBe(200);
  const token = ((await res.json()) as any).access_token as string;
  const entry = await directory().findByUsername(username);
  return { id: entry!.id, username, email, password, token };
}

/** Signs in through the web form (pre-session CSRF cookie, then the form post). */
async function webSignIn(login: string, password: string): Promise<Response> {
  const page = await api("/auth/sign_in");
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = (await page.text()).match(/name="authenticity_token" value="([^"]+)"/)![1];
  return api("/auth/sign_in", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ authenticity_token: csrf, login, password }),
    redirect: "manual",
  });
}

describe("approving and rejecting registrations", () => {
  it("approval mode end to end: the token is refused, an admin approves, the token and sign-in work", async () => {
    const admin = await newAdmin();
    const applicant = await registerPending("I run with the herd");

    const refused = await api("/api/v1/accounts/verify_credentials", { headers: bearer(applicant.token) });
    expect(refused.status).toBe(403);
    expect((await webSignIn(applicant.username, applicant.password)).status).toBe(403);

    const pending = await getJson("/api/v1/admin/accounts?pending=true", admin.token);
    expect(pending.status).toBe(200);
    const listed = pending.body.find((a: any) => a.id === applicant.id);
    expect(listed).toMatchObject({ username: applicant.username, email: applicant.email, approved: false, invite_request: "I run with the herd", domain: null });
    for (const a of pending.body) {
      expectSchema(a, "AdminAccount");
      expect(a.approved).toBe(false);
    }
    expect(pending.body.some((a: any) => a.id === admin.id)).toBe(false);

    const v2 = await getJson("/api/v2/admin/accounts?origin=local&status=pending", admin.token);
    expect(v2.status).toBe(200);
    expect(v2.body.map((a: any) => a.id)).toContain(applicant.id);
    for (const a of v2.body) expectSchema(a, "AdminAccount");

    const approved = await postJson(`/api/v1/admin/accounts/${applicant.id}/approve`, admin.token);
    expect(approved.status).toBe(200);
    expectSchema(approved.body, "AdminAccount");
    expect(approved.body).toMatchObject({ id: applicant.id, approved: true });
    expect((await accountObject(applicant.id).get())!.approved).toBe(true);
    expect((await directory().findById(applicant.id))!.approved).toBe(true);

    const me = await api("/api/v1/accounts/verify_credentials", { headers: bearer(applicant.token) });
    expect(me.status).toBe(200);
    expect(((await me.json()) as any).username).toBe(applicant.username);
    expect((await webSignIn(applicant.username, applicant.password)).status).toBe(200);
    expect((await api(`/api/v1/accounts/lookup?acct=${applicant.username}`)).status).toBe(200);

    // Decided once: approving or rejecting again is not allowed, and it is no longer pending.
    expect((await postJson(`/api/v1/admin/accounts/${applicant.id}/approve`, admin.token)).status).toBe(403);
    expect((await postJson(`/api/v1/admin/accounts/${applicant.id}/reject`, admin.token)).status).toBe(403);
    const after = await getJson("/api/v2/admin/accounts?status=pending", admin.token);
    expect(after.body.map((a: any) => a.id)).not.toContain(applicant.id);
  });

  it("reject deletes the registration: the token dies and the username and e-mail are free again", async () => {
    const admin = await newAdmin("moderator");
    const applicant = await registerPending();

    const rejected = await postJson(`/api/v1/admin/accounts/${applicant.id}/reject`, admin.token);
    expect(rejected).toEqual({ status: 200, body: {} });

    expect((await api("/api/v1/accounts/verify_credentials", { headers: bearer(applicant.token) })).status).toBe(401);
    expect(await accountObject(applicant.id).get()).toBeNull();
    expect(await directory().findByUsername(applicant.username)).toBeNull();
    expect((await getJson(`/api/v1/admin/accounts/${applicant.id}`, admin.token)).status).toBe(404);
    expect((await postJson(`/api/v1/admin/accounts/${applicant.id}/reject`, admin.token)).status).toBe(404);

    const app = await createAppToken();
    const again = await api(
      "/api/v1/accounts",
      jsonBody("POST", { username: applicant.username, email: applicant.email, password: "another password 2", agreement: true }, app.token),
    );
    expect(again.status).toBe(200);
    const entry = await directory().findByUsername(applicant.username);
    expect(entry!.id).not.toBe(applicant.id);
    expect(entry!.approved).toBe(true);
  });
});

describe("who may call the admin API", () => {
  it("refuses a plain user, even with admin scopes, and an app token", async () => {
    const user = await registerUser(uniqueName("plain"), { scopes: ADMIN_SCOPES });
    const applicant = await registerPending();
    for (const path of ["/api/v1/admin/accounts", "/api/v2/admin/accounts", `/api/v1/admin/accounts/${applicant.id}`, "/api/v1/admin/reports"]) {
      const res = await getJson(path, user.token);
      expect(res, path).toEqual({ status: 403, body: { error: "This action is not allowed" }, link: null });
    }
    expect((await postJson(`/api/v1/admin/accounts/${applicant.id}/approve`, user.token)).status).toBe(403);
    expect((await accountObject(applicant.id).get())!.approved).toBe(false);

    const app = await createAppToken(["read", "admin:read"]);
    expect((await getJson("/api/v1/admin/accounts", app.token)).status).toBe(403);
    expect((await api("/api/v1/admin/accounts")).status).toBe(401);
  });

  it("needs the admin scope for the action: read scopes do not approve, account scopes do not read reports", async () => {
    const admin = await newAdmin("owner");
    const plain = await issueToken(admin.id, ["read", "write"]);
    const readAccounts = await issueToken(admin.id, ["admin:read:accounts"]);
    const applicant = await registerPending();

    const noScope = await getJson("/api/v1/admin/accounts", plain);
    expect(noScope.status).toBe(403);
    expect(noScope.body.error).toBe("This action is outside the authorized scopes");
    expect((await getJson("/api/v1/admin/accounts", readAccounts)).status).toBe(200);
    expect((await getJson(`/api/v1/admin/accounts/${applicant.id}`, readAccounts)).status).toBe(200);
    expect((await postJson(`/api/v1/admin/accounts/${applicant.id}/approve`, readAccounts)).status).toBe(403);
    expect((await getJson("/api/v1/admin/reports", readAccounts)).status).toBe(403);

    const writeAccounts = await issueToken(admin.id, ["admin:write:accounts"]);
    expect((await postJson(`/api/v1/admin/accounts/${applicant.id}/approve`, writeAccounts)).status).toBe(200);
  });
});

describe("reading accounts", () => {
  it("unknown and malformed ids are 404", async () => {
    const admin = await newAdmin();
    for (const id of ["99999999999", "abc", "123456789012345678901234"]) {
      expect((await getJson(`/api/v1/admin/accounts/${id}`, admin.token)).status, id).toBe(404);
      expect((await postJson(`/api/v1/admin/accounts/${id}/approve`, admin.token)).status, id).toBe(404);
      expect((await postJson(`/api/v1/admin/accounts/${id}/reject`, admin.token)).status, id).toBe(404);
      expect((await getJson(`/api/v1/admin/reports/${id}`, admin.token)).status, id).toBe(404);
      expect((await postJson(`/api/v1/admin/reports/${id}/resolve`, admin.token)).status, id).toBe(404);
    }
  });

  it("shows one account with its role; filters by origin, staff, username, e-mail and display name", async () => {
    const admin = await newAdmin();
    const user = await registerUser(uniqueName("Findme"));
    const renamed = await api("/api/v1/accounts/update_credentials", jsonBody("PATCH", { display_name: "Zebra Quagga" }, user.token));
    expect(renamed.status).toBe(200);
    // The account object sends its profile to the directory in a delayed job: send it now.
    await directory().syncProfile(toSnapshot((await accountObject(user.id).get())!));

    const shown = await getJson(`/api/v1/admin/accounts/${admin.id}`, admin.token);
    expect(shown.status).toBe(200);
    expectSchema(shown.body, "AdminAccount");
    expect(shown.body).toMatchObject({ id: admin.id, approved: true, confirmed: true, role: { name: "Admin" }, account: { id: admin.id } });

    const ids = async (query: string) => ((await getJson(`/api/v1/admin/accounts?${query}`, admin.token)).body as any[]).map((a) => a.id);
    expect(await ids("local=true")).toEqual(expect.arrayContaining([admin.id, user.id]));
    expect(await ids("remote=true")).toEqual([]);
    expect(await ids("staff=true")).toContain(admin.id);
    expect(await ids("staff=true")).not.toContain(user.id);
    expect(await ids(`username=${user.username.slice(0, 8).toUpperCase()}`)).toContain(user.id);
    expect(await ids(`username=${user.username.slice(0, 8)}`)).not.toContain(admin.id);
    expect(await ids(`email=${encodeURIComponent(user.email)}`)).toEqual([user.id]);
    expect(await ids("display_name=zebra")).toContain(user.id);
    expect(await ids("suspended=true")).toEqual([]);
    expect(await ids("by_domain=elsewhere.example")).toEqual([]);

    const v2 = async (query: string) => getJson(`/api/v2/admin/accounts?${query}`, admin.token);
    expect((await v2("origin=remote")).body).toEqual([]);
    expect(((await v2("permissions=staff")).body as any[]).map((a) => a.id)).not.toContain(user.id);
    expect((await v2("origin=mars")).status).toBe(400);
    expect((await v2("status=sleepy")).status).toBe(400);
  });

  it("pages newest first with a Link header", async () => {
    const admin = await newAdmin();
    const first = await getJson("/api/v2/admin/accounts?limit=2", admin.token);
    expect(first.body).toHaveLength(2);
    expect(BigInt(first.body[0].id) > BigInt(first.body[1].id)).toBe(true);
    expect(first.link).toContain(`max_id=${first.body[1].id}`);
    const next = await getJson(`/api/v2/admin/accounts?limit=2&max_id=${first.body[1].id}`, admin.token);
    expect(next.body.every((a: any) => BigInt(a.id) < BigInt(first.body[1].id))).toBe(true);
  });
});

describe("reports", () => {
  async function reportedStatus(target: TestUser): Promise<string> {
    const res = await api("/api/v1/statuses", jsonBody("POST", { status: "something reportable", visibility: "private" }, target.token));
    expect(res.status).toBe(200);
    return ((await res.json()) as any).id;
  }

  it("lists stored reports as Admin::Report, shows one, resolves it", async () => {
    const admin = await newAdmin("moderator");
    const reporter = await registerUser(uniqueName("reporter"));
    const target = await registerUser(uniqueName("target"));
    const statusId = await reportedStatus(target);
    const reportId = await directory().addReport({
      activityId: null,
      reporterId: reporter.id,
      reporterUri: null,
      targetAccountId: target.id,
      statusIds: [statusId],
      comment: "spam, clearly",
    });

    const listed = await getJson(`/api/v1/admin/reports?target_account_id=${target.id}`, admin.token);
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(1);
    const report = listed.body[0];
    expectSchema(report, "AdminReport");
    expect(report).toMatchObject({
      id: reportId,
      action_taken: false,
      action_taken_at: null,
      category: "other",
      comment: "spam, clearly",
      rules: [],
      assigned_account: null,
      action_taken_by_account: null,
      account: { id: reporter.id },
      target_account: { id: target.id },
    });
    // Moderators see the reported post whatever its visibility.
    expect(report.statuses.map((s: any) => s.id)).toEqual([statusId]);

    const all = await getJson("/api/v1/admin/reports", admin.token);
    expect(all.body.map((r: any) => r.id)).toContain(reportId);
    for (const r of all.body.filter((r: any) => r.account.domain === null)) expectSchema(r, "AdminReport");

    const shown = await getJson(`/api/v1/admin/reports/${reportId}`, admin.token);
    expect(shown.status).toBe(200);
    expect(shown.body.id).toBe(reportId);

    const resolved = await postJson(`/api/v1/admin/reports/${reportId}/resolve`, admin.token);
    expect(resolved.status).toBe(200);
    expectSchema(resolved.body, "AdminReport");
    expect(resolved.body).toMatchObject({ action_taken: true, action_taken_by_account: { id: admin.id } });
    expect(resolved.body.action_taken_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const open = await getJson(`/api/v1/admin/reports?target_account_id=${target.id}`, admin.token);
    expect(open.body).toEqual([]);
    const closed = await getJson(`/api/v1/admin/reports?resolved=true&target_account_id=${target.id}`, admin.token);
    expect(closed.body.map((r: any) => r.id)).toEqual([reportId]);
  });

  it("a report from another server shows its reporter as a remote account", async () => {
    const admin = await newAdmin();
    const target = await registerUser(uniqueName("flagged"));
    const reportId = await directory().addReport({
      activityId: "https://elsewhere.example/flags/1",
      reporterId: "123456789012345",
      reporterUri: "https://elsewhere.example/actor",
      targetAccountId: target.id,
      statusIds: [],
      comment: "",
    });
    const shown = await getJson(`/api/v1/admin/reports/${reportId}`, admin.token);
    expect(shown.status).toBe(200);
    expect(shown.body.account).toMatchObject({ id: "123456789012345", username: "actor", domain: "elsewhere.example", email: null, role: null });
    expect(shown.body.target_account.id).toBe(target.id);
    expect(shown.body.forwarded).toBe(true);
  });
});

describe("the moderation page", () => {
  async function sessionOf(user: TestUser): Promise<{ cookie: string; csrf: string }> {
    const created = await accountObject(user.id).createSession();
    return { cookie: `pronghorn_session=${created.session}`, csrf: created.csrf };
  }

  function form(path: string, cookie: string, fields: Record<string, string>): Promise<Response> {
    return api(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams(fields),
      redirect: "manual",
    });
  }

  it("sends visitors without a session to sign in, and refuses users who are not staff", async () => {
    const anonymous = await api("/admin", { redirect: "manual" });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toBe("/auth/sign_in");

    const user = await registerUser(uniqueName("visitor"));
    const { cookie, csrf } = await sessionOf(user);
    expect((await api("/admin", { headers: { cookie } })).status).toBe(403);
    const applicant = await registerPending();
    expect((await form(`/admin/accounts/${applicant.id}/approve`, cookie, { authenticity_token: csrf })).status).toBe(403);
    expect((await accountObject(applicant.id).get())!.approved).toBe(false);
  });

  it("lists pending accounts and open reports; its buttons need the session's CSRF token", async () => {
    const admin = await newAdmin();
    const { cookie, csrf } = await sessionOf(admin);
    const toApprove = await registerPending("please let me in <b>now</b>");
    const toReject = await registerPending();
    const target = await registerUser(uniqueName("naughty"));
    const reportId = await directory().addReport({
      activityId: null,
      reporterId: admin.id,
      reporterUri: null,
      targetAccountId: target.id,
      statusIds: [],
      comment: "rude",
    });

    const page = await api("/admin", { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain(`@${toApprove.username}`);
    expect(html).toContain("please let me in &lt;b&gt;now&lt;/b&gt;");
    expect(html).toContain(`action="/admin/accounts/${toApprove.id}/approve"`);
    expect(html).toContain(`action="/admin/accounts/${toReject.id}/reject"`);
    expect(html).toContain(`action="/admin/reports/${reportId}/resolve"`);
    expect(html).toContain(`name="authenticity_token" value="${csrf}"`);
    expect(html).toContain(`@${target.username}`);

    // Without the token, or with another one, nothing happens.
    expect((await form(`/admin/accounts/${toApprove.id}/approve`, cookie, {})).status).toBe(403);
    expect((await form(`/admin/accounts/${toApprove.id}/approve`, cookie, { authenticity_token: "forged" })).status).toBe(403);
    expect((await form(`/admin/accounts/${toReject.id}/reject`, cookie, {})).status).toBe(403);
    expect((await form(`/admin/reports/${reportId}/resolve`, cookie, {})).status).toBe(403);
    expect((await accountObject(toApprove.id).get())!.approved).toBe(false);
    expect(await accountObject(toReject.id).get()).not.toBeNull();

    const approved = await form(`/admin/accounts/${toApprove.id}/approve`, cookie, { authenticity_token: csrf });
    expect(approved.status).toBe(303);
    expect(approved.headers.get("location")).toBe("/admin");
    expect((await api("/api/v1/accounts/verify_credentials", { headers: bearer(toApprove.token) })).status).toBe(200);

    expect((await form(`/admin/accounts/${toReject.id}/reject`, cookie, { authenticity_token: csrf })).status).toBe(303);
    expect(await directory().findByUsername(toReject.username)).toBeNull();

    expect((await form(`/admin/reports/${reportId}/resolve`, cookie, { authenticity_token: csrf })).status).toBe(303);
    expect((await directory().moderationReport(reportId))!.actionTakenByAccountId).toBe(admin.id);

    const after = await (await api("/admin", { headers: { cookie } })).text();
    expect(after).not.toContain(`/admin/accounts/${toApprove.id}/approve`);
    expect(after).not.toContain(`/admin/accounts/${toReject.id}/reject`);
    expect(after).not.toContain(`/admin/reports/${reportId}/resolve`);

    // Deciding again: the page explains instead of failing.
    expect((await form(`/admin/accounts/${toApprove.id}/approve`, cookie, { authenticity_token: csrf })).status).toBe(403);
    expect((await form(`/admin/accounts/${toReject.id}/reject`, cookie, { authenticity_token: csrf })).status).toBe(404);
  });
});
