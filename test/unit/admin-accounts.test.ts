import { env, runDurableObjectAlarm } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { api, BASE, bearer, issueToken, jsonBody, must, registerUser, uniqueName, type TestUser } from "./helpers";
import { FakePeer, installFakeNetwork, peerHost, uninstallFakeNetwork } from "./federation-peer";
import { resolveRemoteActor } from "../../objects/federation/remote-actors";
import { accountStub, deliveryStub } from "../../core/stubs";
import { expectSchema } from "./openapi";
import { follow, post, settle } from "./timelines-helpers";
import { upload, photo } from "./media-helpers";

/** The admin API for accounts (worker/api/admin-accounts.ts): actions, their effects and their reversal. */

afterAll(() => uninstallFakeNetwork());

const ADMIN_SCOPES = ["read", "write", "admin:read", "admin:write"];
const directory = () => env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));

function staff(role: "moderator" | "admin" | "owner" = "admin", scopes = ADMIN_SCOPES): Promise<TestUser> {
  return registerUser(uniqueName(role), { role, scopes });
}

async function call(method: string, path: string, token: string, body?: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const res = await api(path, body ? jsonBody(method, body, token) : { method, headers: bearer(token) });
  return { status: res.status, body: await res.json() };
}

const act = (token: string, id: string, body: Record<string, unknown>) => call("POST", `/api/v1/admin/accounts/${id}/action`, token, body);
const adminAccount = async (token: string, id: string) => (await call("GET", `/api/v1/admin/accounts/${id}`, token)).body;

async function webSignIn(login: string, password: string): Promise<number> {
  const page = await api("/auth/sign_in");
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = (await page.text()).match(/name="authenticity_token" value="([^"]+)"/)![1];
  const res = await api("/auth/sign_in", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ authenticity_token: csrf, login, password }),
    redirect: "manual",
  });
  return res.status;
}

describe("who may act on accounts", () => {
  it("needs admin:write:accounts and a role above the target's, as Mastodon's policies", async () => {
    const moderator = await staff("moderator");
    const admin = await staff("admin");
    const owner = await staff("owner");
    const user = await registerUser(uniqueName("plain"), { scopes: ADMIN_SCOPES });
    const target = await registerUser(uniqueName("target"));

    expect((await act(user.token, target.id, { type: "silence" })).status).toBe(403);
    const readOnly = await issueToken(admin.id, ["admin:read"]);
    expect((await act(readOnly, target.id, { type: "silence" })).status).toBe(403);
    const narrow = await issueToken(admin.id, ["admin:write:accounts"]);
    expect(await act(narrow, target.id, { type: "none" })).toEqual({ status: 200, body: {} });

    // A moderator cannot act on a moderator or an admin; an admin can on a moderator, an owner on an admin.
    expect((await act(moderator.token, admin.id, { type: "suspend" })).status).toBe(403);
    expect((await act(admin.token, owner.id, { type: "silence" })).status).toBe(403);
    expect((await act(admin.token, admin.id, { type: "silence" })).status).toBe(403);
    expect((await act(admin.token, moderator.id, { type: "silence" })).status).toBe(200);
    expect((await act(owner.token, admin.id, { type: "sensitive" })).status).toBe(200);
    expect((await adminAccount(owner.token, admin.id)).sensitized).toBe(true);
  });

  it("answers bad input with Mastodon's errors and changes nothing", async () => {
    const admin = await staff();
    const target = await registerUser(uniqueName("target"));
    expect((await act(admin.token, target.id, { type: "obliterate" })).status).toBe(422);
    expect((await act(admin.token, target.id, {})).status).toBe(422);
    expect((await act(admin.token, "999999999999", { type: "silence" })).status).toBe(404);
    expect((await act(admin.token, "not-an-id", { type: "silence" })).status).toBe(404);
    expect((await act(admin.token, target.id, { type: "silence", report_id: "12345" })).status).toBe(404);
    expect((await act(admin.token, target.id, { type: "silence", warning_preset_id: "1" })).status).toBe(404);
    expect((await call("POST", `/api/v1/admin/accounts/${target.id}/unsuspend`, admin.token)).status).toBe(403);
    const shown = await adminAccount(admin.token, target.id);
    expect(shown).toMatchObject({ silenced: false, suspended: false, disabled: false, sensitized: false });
  });
});

describe("suspension", () => {
  it("revokes tokens, refuses sign-in, hides the account and its posts, and is reversible", async () => {
    const admin = await staff();
    const target = await registerUser(uniqueName("suspect"));
    const reader = await registerUser(uniqueName("reader"));
    await follow(reader, target);
    const status = await post(target, { status: "visible until suspended #moderationtest", visibility: "public" });
    const root = await post(reader, { status: "a thread", visibility: "public" });
    const reply = await post(target, { status: "a reply in it", in_reply_to_id: root.id, visibility: "public" });
    await settle([target, reader], ["public"]);
    const threadIds = async () => (await call("GET", `/api/v1/statuses/${root.id}/context`, reader.token)).body.descendants.map((s: any) => s.id);
    expect(await threadIds()).toContain(reply.id);
    const timeline = async () => (await call("GET", "/api/v1/timelines/public?limit=40", reader.token)).body.map((s: any) => s.id);
    const home = async () => (await call("GET", "/api/v1/timelines/home", reader.token)).body.map((s: any) => s.id);
    expect(await timeline()).toContain(status.id);
    expect(await home()).toContain(status.id);

    const reportId = await directory().addReport({ activityId: null, reporterId: reader.id, reporterUri: null, targetAccountId: target.id, statusIds: [], comment: "" });
    const other = await directory().addReport({ activityId: null, reporterId: admin.id, reporterUri: null, targetAccountId: target.id, statusIds: [], comment: "" });
    expect(await act(admin.token, target.id, { type: "suspend", report_id: reportId, text: "spam run", send_email_notification: false })).toEqual({ status: 200, body: {} });
    await settle([target, reader], ["public"]);

    // Signed out everywhere, and no sign-in.
    expect((await api("/api/v1/accounts/verify_credentials", { headers: bearer(target.token) })).status).toBe(401);
    expect(await webSignIn(target.username, target.password)).toBe(403);

    // Hidden from others: a blank account marked suspended, no statuses, off the timelines.
    const shown = await call("GET", `/api/v1/accounts/${target.id}`, reader.token);
    expect(shown.status).toBe(200);
    expectSchema(shown.body, "Account");
    expect(shown.body).toMatchObject({ id: target.id, suspended: true, display_name: "", statuses_count: 0 });
    expect((await call("GET", `/api/v1/accounts/${target.id}/statuses`, reader.token)).body).toEqual([]);
    expect((await call("GET", `/api/v1/statuses/${status.id}`, reader.token)).status).toBe(404);
    expect(await timeline()).not.toContain(status.id);
    expect(await home()).not.toContain(status.id);
    expect(await threadIds()).not.toContain(reply.id);
    expect((await call("GET", "/api/v1/timelines/tag/moderationtest", reader.token)).body.map((s: any) => s.id)).not.toContain(status.id);

    // The actor as Mastodon serves a suspended one.
    const actor = await api(`/users/${target.username}`, { headers: { accept: "application/activity+json" } });
    expect(actor.status).toBe(200);
    const doc: any = await actor.json();
    expect(doc).toMatchObject({ preferredUsername: target.username, suspended: true });
    expect(doc.publicKey.publicKeyPem).toMatch(/BEGIN PUBLIC KEY/);
    expect(doc.summary).toBeUndefined();

    // The admin view tells the truth; the filters find it; every open report about it is resolved.
    const entity = await adminAccount(admin.token, target.id);
    expectSchema(entity, "AdminAccount");
    expect(entity).toMatchObject({ suspended: true, silenced: false, disabled: false });
    const listed = await call("GET", "/api/v2/admin/accounts?status=suspended", admin.token);
    expect(listed.body.map((a: any) => a.id)).toContain(target.id);
    expect((await call("GET", "/api/v1/admin/accounts?suspended=true", admin.token)).body.map((a: any) => a.id)).toContain(target.id);
    expect((await call("GET", "/api/v1/admin/accounts?active=true", admin.token)).body.map((a: any) => a.id)).not.toContain(target.id);
    for (const id of [reportId, other]) {
      expect((await directory().moderationReport(id))!.actionTakenByAccountId).toBe(admin.id);
    }

    // Unsuspended: visible again, the posts are back; old tokens stay revoked, new ones work.
    const restored = await call("POST", `/api/v1/admin/accounts/${target.id}/unsuspend`, admin.token);
    expect(restored.status).toBe(200);
    expectSchema(restored.body, "AdminAccount");
    expect(restored.body.suspended).toBe(false);
    await settle([target, reader], ["public"]);
    expect((await call("GET", `/api/v1/accounts/${target.id}`, reader.token)).body.suspended).toBeUndefined();
    expect((await call("GET", `/api/v1/statuses/${status.id}`, reader.token)).status).toBe(200);
    expect(await timeline()).toContain(status.id);
    expect(await home()).toContain(status.id);
    expect(await threadIds()).toContain(reply.id);
    expect((await api("/api/v1/accounts/verify_credentials", { headers: bearer(target.token) })).status).toBe(401);
    const fresh = await issueToken(target.id, ["read"]);
    expect((await api("/api/v1/accounts/verify_credentials", { headers: bearer(fresh) })).status).toBe(200);
    expect(await webSignIn(target.username, target.password)).toBe(200);
  });
});

describe("silence, disable, sensitive", () => {
  it("silence takes the account off the public timeline for non-followers and off search; unsilence brings it back", async () => {
    const admin = await staff("moderator");
    const target = await registerUser(uniqueName("loud"));
    const reader = await registerUser(uniqueName("reader"));
    const fan = await registerUser(uniqueName("fan"));
    await follow(fan, target);
    const status = await post(target, { status: "loud post", visibility: "public" });
    await settle([target], ["public"]);
    const timeline = async () => (await call("GET", "/api/v1/timelines/public?limit=40", reader.token)).body.map((s: any) => s.id);
    expect(await timeline()).toContain(status.id);

    expect((await act(admin.token, target.id, { type: "silence" })).status).toBe(200);
    await settle([target], ["public"]);
    expect(await timeline()).not.toContain(status.id);
    const anonymous = (await (await api("/api/v1/timelines/public?limit=40")).json()) as any[];
    expect(anonymous.map((s) => s.id)).not.toContain(status.id);
    const followerView = await call("GET", "/api/v1/timelines/public?limit=40", fan.token);
    expect(followerView.body.find((s: any) => s.id === status.id)?.account.limited).toBe(true);
    const account = await call("GET", `/api/v1/accounts/${target.id}`, reader.token);
    expect(account.body.limited).toBe(true);
    const search = await call("GET", `/api/v1/accounts/search?q=${target.username}`, reader.token);
    expect(search.body.map((a: any) => a.id)).not.toContain(target.id);
    expect((await adminAccount(admin.token, target.id)).silenced).toBe(true);
    expect((await call("GET", "/api/v2/admin/accounts?status=silenced", admin.token)).body.map((a: any) => a.id)).toContain(target.id);
    // The author still posts and is still seen by their own token.
    expect((await api("/api/v1/accounts/verify_credentials", { headers: bearer(target.token) })).status).toBe(200);
    // A limited account's mention of someone who does not follow it waits among the requests
    // (the notification policy's `for_limited_accounts`, `filter` by default).
    await post(target, { status: `@${reader.username} hello`, visibility: "public" });
    await settle([target, reader], []);
    const mentions = (await call("GET", "/api/v1/notifications?types[]=mention", reader.token)).body;
    expect(mentions.map((n: any) => n.account.id)).not.toContain(target.id);
    const requests = (await call("GET", "/api/v1/notifications/requests", reader.token)).body;
    expect(requests.map((r: any) => r.account.id)).toContain(target.id);

    const undone = await call("POST", `/api/v1/admin/accounts/${target.id}/unsilence`, admin.token);
    expect(undone.status).toBe(200);
    expectSchema(undone.body, "AdminAccount");
    await settle([target], ["public"]);
    expect(await timeline()).toContain(status.id);
  });

  it("disable refuses the token and sign-in without hiding; enable restores them", async () => {
    const admin = await staff();
    const target = await registerUser(uniqueName("sleepy"));
    expect((await act(admin.token, target.id, { type: "disable" })).status).toBe(200);
    const refused = await call("GET", "/api/v1/accounts/verify_credentials", target.token);
    expect(refused).toEqual({ status: 403, body: { error: "Your login is currently disabled" } });
    expect(await webSignIn(target.username, target.password)).toBe(403);
    expect((await call("GET", `/api/v1/accounts/${target.id}`, admin.token)).body.suspended).toBeUndefined();
    expect((await adminAccount(admin.token, target.id)).disabled).toBe(true);
    expect((await call("GET", "/api/v2/admin/accounts?status=disabled", admin.token)).body.map((a: any) => a.id)).toContain(target.id);

    const enabled = await call("POST", `/api/v1/admin/accounts/${target.id}/enable`, admin.token);
    expect(enabled.body.disabled).toBe(false);
    expect((await api("/api/v1/accounts/verify_credentials", { headers: bearer(target.token) })).status).toBe(200);
  });

  it("deletes a suspended account's data for good, and refuses one that is not suspended", async () => {
    const moderator = await staff("moderator");
    const admin = await staff();
    const target = await registerUser(uniqueName("gone"));
    const status: any = await (await api("/api/v1/statuses", jsonBody("POST", { status: "soon gone" }, target.token))).json();
    expect((await call("DELETE", `/api/v1/admin/accounts/${target.id}`, admin.token)).status).toBe(403);
    expect((await act(admin.token, target.id, { type: "suspend" })).status).toBe(200);
    // Deleting user data is an admin's permission, not a moderator's (Mastodon's default roles).
    expect((await call("DELETE", `/api/v1/admin/accounts/${target.id}`, moderator.token)).status).toBe(403);
    const deleted = await call("DELETE", `/api/v1/admin/accounts/${target.id}`, admin.token);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: target.id, username: target.username, suspended: true });
    expectSchema(deleted.body, "AdminAccount");
    expect((await call("DELETE", `/api/v1/admin/accounts/${target.id}`, admin.token)).status).toBe(404);
    expect((await call("GET", `/api/v1/accounts/${target.id}`, admin.token)).status).toBe(404);
    expect((await call("GET", `/api/v1/statuses/${status.id}`, admin.token)).status).toBe(404);
    expect((await api(`/.well-known/webfinger?resource=acct:${target.username}@${new URL(BASE).host}`)).status).toBe(404);
    expect((await call("DELETE", "/api/v1/admin/accounts/not-an-id", admin.token)).status).toBe(404);
  });

  it("sensitive marks new media sensitive; unsensitive stops it", async () => {
    const admin = await staff();
    const target = await registerUser(uniqueName("artist"));
    expect((await act(admin.token, target.id, { type: "sensitive" })).status).toBe(200);
    const media = await upload(target.token, await photo());
    const withMedia = await post(target, { status: "look", media_ids: [media.id] });
    expect(withMedia.sensitive).toBe(true);
    const plain = await post(target, { status: "just words" });
    expect(plain.sensitive).toBe(false);
    expect((await call("GET", "/api/v2/admin/accounts?status=sensitized", admin.token)).body.map((a: any) => a.id)).toContain(target.id);

    const undone = await call("POST", `/api/v1/admin/accounts/${target.id}/unsensitive`, admin.token);
    expect(undone.body.sensitized).toBe(false);
    const again = await upload(target.token, await photo());
    expect((await post(target, { status: "again", media_ids: [again.id] })).sensitive).toBe(false);
  });
});

describe("listing", () => {
  it("v2 filters by role_ids and permissions; invite and ip filters match nothing; remote accounts are not listed", async () => {
    const admin = await staff("admin");
    const moderator = await staff("moderator");
    const byRole = await call("GET", "/api/v2/admin/accounts?role_ids[]=1", admin.token);
    expect(byRole.status).toBe(200);
    expect(byRole.body.map((a: any) => a.id)).toContain(moderator.id);
    expect(byRole.body.map((a: any) => a.id)).not.toContain(admin.id);
    for (const a of byRole.body) expectSchema(a, "AdminAccount");
    expect((await call("GET", "/api/v2/admin/accounts?permissions=staff", admin.token)).body.map((a: any) => a.id)).toContain(admin.id);
    expect((await call("GET", "/api/v2/admin/accounts?permissions=everyone", admin.token)).status).toBe(400);
    expect((await call("GET", "/api/v2/admin/accounts?invited_by=1", admin.token)).body).toEqual([]);
    expect((await call("GET", "/api/v2/admin/accounts?ip=127.0.0.1", admin.token)).body).toEqual([]);
    expect((await call("GET", "/api/v2/admin/accounts?origin=remote", admin.token)).body).toEqual([]);
  });
});

describe("federation", () => {
  it("suspending and unsuspending send Update(actor) to remote followers, the first with `suspended`", async () => {
    const peer = new FakePeer(peerHost("modfed"));
    const bob = await peer.addActor("bob");
    installFakeNetwork(peer);
    await api("/api/v1/instance");
    const admin = await staff();
    const target = await registerUser(uniqueName("federated"));
    const remote = await resolveRemoteActor(env, bob.uri, { origin: BASE });
    if (!remote.ok) throw new Error(remote.error);
    must(
      "receiveRemoteFollow",
      await accountStub(env, target.id).receiveRemoteFollow({
        follower: remote.value.account,
        follow: { id: `${bob.uri}#follows/1`, actor: bob.uri, object: `${BASE}/users/${target.username}` },
        inbox: remote.value.inbox,
        sharedInbox: remote.value.sharedInbox,
      }),
    );
    const updates = async (count: number) => {
      for (let i = 0; i < 60; i++) {
        await runDurableObjectAlarm(accountStub(env, target.id));
        await runDurableObjectAlarm(deliveryStub(env, peer.host));
        const found = peer
          .received((r) => r.method === "POST")
          .map((r) => JSON.parse(new TextDecoder().decode(r.body)))
          .filter((a) => a.type === "Update" && a.object?.type === "Person");
        if (found.length >= count) return found;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error("no Update arrived");
    };
    expect((await act(admin.token, target.id, { type: "suspend" })).status).toBe(200);
    const [suspended] = await updates(1);
    expect(suspended.object).toMatchObject({ id: `${BASE}/users/${target.username}`, suspended: true });
    expect((await call("POST", `/api/v1/admin/accounts/${target.id}/unsuspend`, admin.token)).status).toBe(200);
    const restored = (await updates(2)).pop();
    expect(restored.object.suspended).toBeUndefined();
    expect(restored.object.preferredUsername).toBe(target.username);
  });
});

describe("the moderation page's account actions", () => {
  it("acts and undoes with the session's CSRF value, only on accounts the moderator outranks", async () => {
    const moderator = await staff("moderator");
    const otherModerator = await staff("moderator");
    const target = await registerUser(uniqueName("pagetarget"));
    const created = await env.ACCOUNT.get(env.ACCOUNT.idFromName(moderator.id)).createSession();
    const cookie = `pronghorn_session=${created.session}`;
    const form = (path: string, fields: Record<string, string>) =>
      api(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", cookie }, body: new URLSearchParams(fields), redirect: "manual" });

    const html = await (await api(`/admin?q=${target.username}`, { headers: { cookie } })).text();
    expect(html).toContain(`id="account-${target.id}"`);
    expect((await form(`/admin/accounts/${target.id}/action`, { type: "silence" })).status).toBe(403);
    expect((await adminAccount(moderator.token, target.id)).silenced).toBe(false);
    expect((await form(`/admin/accounts/${target.id}/action`, { type: "silence", authenticity_token: created.csrf })).status).toBe(303);
    expect((await adminAccount(moderator.token, target.id)).silenced).toBe(true);
    expect((await form(`/admin/accounts/${target.id}/unsilence`, { authenticity_token: created.csrf })).status).toBe(303);
    expect((await adminAccount(moderator.token, target.id)).silenced).toBe(false);
    expect((await form(`/admin/accounts/${otherModerator.id}/action`, { type: "suspend", authenticity_token: created.csrf })).status).toBe(403);
    expect((await adminAccount(moderator.token, otherModerator.id)).suspended).toBe(false);
  });
});
