import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bearer, fetchWithEnv, issueToken, jsonBody, registerUser, uniqueName, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";
import { FakePushService, type PushSubscriber } from "./push-service";
import { uninstallFakeNetwork } from "./federation-peer";
import { authorize, codeFrom, exchange, registerApp } from "./oauth-helpers";
import { ALL_ALERTS, PUSH_PATH, pushCall, pushForm, storedSubscriptions, subscribe, toStandardBase64 } from "./push-helpers";

let service: FakePushService;
let alice: TestUser;

beforeAll(async () => {
  service = new FakePushService().install();
  alice = await registerUser(uniqueName("pushapi"));
});

afterAll(() => uninstallFakeNetwork());

/** A subscriber whose keys, in standard base64, use `+` or `/` (so both alphabets are really exercised). */
async function subscriberWithPlusOrSlash(): Promise<PushSubscriber> {
  for (;;) {
    const s = await service.subscribe();
    if (/[+/]/.test(toStandardBase64(s.p256dh)) && /[+/]/.test(toStandardBase64(s.auth))) return s;
  }
}

const formOf = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe("POST/GET/PUT/DELETE /api/v1/push/subscription", () => {
  it("creates a subscription from a JSON body with base64url keys and shows it", async () => {
    const token = await issueToken(alice.id, ["push"]);
    const s = await service.subscribe();
    const created = await subscribe(token, s, { standard: true, alerts: { mention: true, follow: true }, policy: "followed" });
    expectSchema(created, "WebPushSubscription");
    expect(typeof created.id).toBe("number");
    expect(created).toMatchObject({ endpoint: s.endpoint, standard: true, policy: "followed" });
    expect(created.alerts).toEqual({ ...Object.fromEntries(Object.keys(ALL_ALERTS).map((k) => [k, false])), mention: true, follow: true });
    const shown = await pushCall("GET", token);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual(created);
  });

  it("takes Rails-style form fields and keys in standard base64 (+/=), storing them as base64url", async () => {
    const token = await issueToken(alice.id, ["push"]);
    const s = await subscriberWithPlusOrSlash();
    const res = await pushForm(
      "POST",
      token,
      formOf({
        "subscription[endpoint]": s.endpoint,
        "subscription[keys][p256dh]": toStandardBase64(s.p256dh),
        "subscription[keys][auth]": toStandardBase64(s.auth),
        "data[alerts][mention]": "true",
        "data[alerts][admin.sign_up]": "1",
        "data[alerts][favourite]": "false",
        "data[policy]": "follower",
      }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expectSchema(res.body, "WebPushSubscription");
    expect(res.body).toMatchObject({ endpoint: s.endpoint, standard: false, policy: "follower" });
    expect(res.body.alerts).toMatchObject({ mention: true, "admin.sign_up": true, favourite: false, follow: false });
    const row = (await storedSubscriptions(alice.id)).find((r) => r.id === res.body.id)!;
    expect(row).toMatchObject({ p256dh: s.p256dh, auth: s.auth, standard: 0 });
  });

  it("reads a standard-base64 key whose + a form encoder left as a space", async () => {
    const token = await issueToken(alice.id, ["push"]);
    // A key starting with `+` too: the space it becomes must not be trimmed away.
    let s = await subscriberWithPlusOrSlash();
    while (!toStandardBase64(s.auth).startsWith("+")) s = await service.subscribe();
    // A raw `+` in a urlencoded body decodes as a space; the key must still be read as sent.
    const raw = `subscription[endpoint]=${encodeURIComponent(s.endpoint)}&subscription[keys][p256dh]=${toStandardBase64(s.p256dh)}&subscription[keys][auth]=${toStandardBase64(s.auth)}`;
    const res = await pushForm("POST", token, raw);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const row = (await storedSubscriptions(alice.id)).find((r) => r.id === res.body.id)!;
    expect(row).toMatchObject({ p256dh: s.p256dh, auth: s.auth });
  });

  it("a second POST with the same token replaces the first", async () => {
    const token = await issueToken(alice.id, ["push"]);
    const first = await subscribe(token, await service.subscribe());
    const s2 = await service.subscribe();
    const second = await subscribe(token, s2, { standard: false, alerts: { poll: true } });
    expect(second.id).not.toBe(first.id);
    const shown = await pushCall("GET", token);
    expect(shown.body).toMatchObject({ id: second.id, endpoint: s2.endpoint, standard: false, policy: "all" });
    expect(shown.body.alerts.mention).toBe(false);
    const ids = (await storedSubscriptions(alice.id)).map((r) => r.id);
    expect(ids).toContain(second.id);
    expect(ids).not.toContain(first.id);
  });

  it("keeps one subscription per token: two tokens of one account have their own", async () => {
    const [t1, t2] = [await issueToken(alice.id, ["push"]), await issueToken(alice.id, ["push"])];
    const a = await subscribe(t1, await service.subscribe());
    const b = await subscribe(t2, await service.subscribe());
    expect((await pushCall("GET", t1)).body.id).toBe(a.id);
    expect((await pushCall("GET", t2)).body.id).toBe(b.id);
  });

  it("PUT changes the alerts and policy it names and keeps the rest", async () => {
    const token = await issueToken(alice.id, ["push"]);
    const s = await service.subscribe();
    const created = await subscribe(token, s, { alerts: { mention: true, follow: true, reblog: true } });
    const updated = await pushCall("PUT", token, { data: { alerts: { follow: false, poll: true }, policy: "none" } });
    expect(updated.status).toBe(200);
    expectSchema(updated.body, "WebPushSubscription");
    expect(updated.body).toMatchObject({ id: created.id, endpoint: s.endpoint, policy: "none" });
    expect(updated.body.alerts).toMatchObject({ mention: true, follow: false, reblog: true, poll: true, favourite: false });
    const policyOnly = await pushForm("PUT", token, formOf({ "data[policy]": "followed" }));
    expect(policyOnly.body).toMatchObject({ policy: "followed", alerts: updated.body.alerts });
    expect((await pushCall("GET", token)).body).toEqual(policyOnly.body);
  });

  it("DELETE answers {} and then GET and PUT answer 404 Record not found", async () => {
    const token = await issueToken(alice.id, ["push"]);
    await subscribe(token, await service.subscribe());
    const deleted = await pushCall("DELETE", token);
    expect(deleted).toEqual({ status: 200, body: {} });
    expect(await pushCall("GET", token)).toEqual({ status: 404, body: { error: "Record not found" } });
    expect(await pushCall("PUT", token, { data: { policy: "all" } })).toEqual({ status: 404, body: { error: "Record not found" } });
    // Deleting nothing is not an error (Mastodon: `&.destroy!`).
    expect(await pushCall("DELETE", token)).toEqual({ status: 200, body: {} });
  });

  it("needs the push scope (403), a token (401) and a user (422 for an app token)", async () => {
    const readOnly = await issueToken(alice.id, ["read", "write"]);
    const s = await service.subscribe();
    const body = { subscription: { endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } } };
    for (const [method, payload] of [["POST", body], ["GET", undefined], ["PUT", { data: { policy: "all" } }], ["DELETE", undefined]] as const) {
      const res = await pushCall(method, readOnly, payload);
      expect(res.status, `${method} ${JSON.stringify(res.body)}`).toBe(403);
      expect(res.body.error).toBe("This action is outside the authorized scopes");
    }
    // The scope is checked before the body, as Mastodon does.
    expect((await pushCall("POST", readOnly, { subscription: { endpoint: "http://x" } })).status).toBe(403);
    expect((await api(PUSH_PATH, jsonBody("POST", body))).status).toBe(401);
    expect((await api(PUSH_PATH, { headers: bearer("u1.nope") })).status).toBe(401);
    const app = await registerApp("urn:ietf:wg:oauth:2.0:oob");
    const issued = await api("/oauth/token", jsonBody("POST", { grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret, scope: "push" }));
    const appToken = (await issued.json<any>()).access_token;
    expect((await pushCall("GET", appToken)).status).toBe(422);
  });

  it("answers 422 naming what is wrong, never 500", async () => {
    const token = await issueToken(alice.id, ["push"]);
    const s = await service.subscribe();
    const keys = { p256dh: s.p256dh, auth: s.auth };
    const shortPoint = s.p256dh.slice(0, 40);
    const offCurve = btoa(String.fromCharCode(4, ...new Array(64).fill(1))).replace(/=+$/, "");
    const cases: [unknown, RegExp][] = [
      [{}, /Subscription can't be blank/],
      [{ subscription: { keys } }, /Endpoint can't be blank/],
      [{ subscription: { endpoint: "not a url", keys } }, /Endpoint is not a valid URL/],
      [{ subscription: { endpoint: "http://push.example.com/x", keys } }, /Endpoint must be an https URL/],
      [{ subscription: { endpoint: "ftp://push.example.com/x", keys } }, /Endpoint must be an https URL/],
      [{ subscription: { endpoint: "https://10.0.0.8/wpush", keys } }, /Endpoint is not a public address/],
      [{ subscription: { endpoint: "https://localhost/wpush", keys } }, /Endpoint is not a public address/],
      [{ subscription: { endpoint: s.endpoint } }, /Key p256dh can't be blank, Key auth can't be blank/],
      [{ subscription: { endpoint: s.endpoint, keys: { ...keys, p256dh: shortPoint } } }, /Key p256dh is invalid/],
      [{ subscription: { endpoint: s.endpoint, keys: { ...keys, p256dh: offCurve } } }, /Key p256dh is invalid/],
      [{ subscription: { endpoint: s.endpoint, keys: { ...keys, p256dh: "!!!" } } }, /Key p256dh is invalid/],
      [{ subscription: { endpoint: s.endpoint, keys: { ...keys, auth: s.auth.slice(0, 20) } } }, /Key auth is invalid/],
      [{ subscription: { endpoint: s.endpoint, keys }, data: { policy: "friends" } }, /Data policy is not included in the list/],
      [{ subscription: { endpoint: s.endpoint, keys }, data: { alerts: { mention: "maybe" } } }, /Data alerts mention must be a boolean/],
      [{ subscription: "yes" }, /Subscription must be a hash/],
    ];
    for (const [body, message] of cases) {
      const res = await pushCall("POST", token, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error).toMatch(message);
    }
    expect((await pushCall("PUT", token, { data: { policy: "everyone" } })).status).toBe(422);
    expect((await pushCall("GET", token)).status).toBe(404);
  });

  it("accepts an http loopback endpoint only under the test switch", async () => {
    const token = await issueToken(alice.id, ["push"]);
    const s = await service.subscribe();
    const body = { subscription: { endpoint: "http://127.0.0.1:9/push", keys: { p256dh: s.p256dh, auth: s.auth } } };
    expect((await pushCall("POST", token, body)).status).toBe(422);
    const res = await fetchWithEnv({ ALLOW_PRIVATE_ADDRESSES: "true" }, PUSH_PATH, jsonBody("POST", body, token));
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it("server_key is the instance's VAPID key exactly as apps and the instance show it", async () => {
    const token = await issueToken(alice.id, ["push"]);
    const created = await subscribe(token, await service.subscribe());
    const app = await (await api("/api/v1/apps", jsonBody("POST", { client_name: "Push", redirect_uris: "urn:ietf:wg:oauth:2.0:oob", scopes: "read push" }))).json<any>();
    const instance = await (await api("/api/v2/instance")).json<any>();
    expect(created.server_key).toBe(app.vapid_key);
    expect(created.server_key).toBe(instance.configuration.vapid.public_key);
    // Mastodon's spelling: the uncompressed P-256 point in base64url with `=` padding.
    expect(created.server_key).toMatch(/^[A-Za-z0-9_-]{87}=$/);
  });

  it("revoking the token removes its subscription", async () => {
    const app = await registerApp("icecubesapp://");
    const user = await registerUser(uniqueName("pushrevoke"));
    const code = await codeFrom(await authorize(app, user, { scope: "read push" }));
    const token = (await (await exchange(app, code)).json<any>()).access_token as string;
    await subscribe(token, await service.subscribe());
    expect(await storedSubscriptions(user.id)).toHaveLength(1);
    const revoked = await api("/oauth/revoke", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: formOf({ token, client_id: app.client_id, client_secret: app.client_secret }),
    });
    expect(revoked.status).toBe(200);
    expect(await storedSubscriptions(user.id)).toEqual([]);
  });
});
