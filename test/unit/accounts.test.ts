import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectSchema } from "./openapi";
import { api, bearer, createAppToken, DOMAIN, fetchWithEnv, jsonBody, registerUser, uniqueName } from "./helpers";
import { registrationPolicy } from "../../worker/api/accounts";
import { SIGN_UPS_PER_ADDRESS } from "../../worker/http/client-address";

async function registerViaApi(appToken: string, body: Record<string, unknown>, init: { form?: boolean } = {}) {
  if (init.form) {
    const form = new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)]));
    return api("/api/v1/accounts", { method: "POST", headers: bearer(appToken, { "content-type": "application/x-www-form-urlencoded" }), body: form });
  }
  return api("/api/v1/accounts", jsonBody("POST", body, appToken));
}

const validBody = (username: string) => ({
  username,
  email: `${username}@example.com`,
  password: "a good long password",
  agreement: true,
  locale: "en",
});

describe("POST /api/v1/accounts (registration API)", () => {
  it("registers with an app token and returns a token that works at once", async () => {
    const app = await createAppToken(["read", "write", "follow"]);
    const username = uniqueName("newbie");
    const res = await registerViaApi(app.token, validBody(username));
    expect(res.status).toBe(200);
    const token = (await res.json()) as any;
    expectSchema(token, "Token");
    expect(token.token_type).toBe("Bearer");
    expect(token.scope).toBe("read write follow");
    expect(typeof token.created_at).toBe("number");

    const me = await api("/api/v1/accounts/verify_credentials", { headers: bearer(token.access_token) });
    expect(me.status).toBe(200);
    const account = (await me.json()) as any;
    expectSchema(account, "CredentialAccount");
    expect(account.username).toBe(username);
    expect(account.acct).toBe(username);
    expect(account.source.language).toBe("en");
  });

  it("accepts a form-encoded body and a checkbox-style agreement", async () => {
    const app = await createAppToken();
    const username = uniqueName("former");
    const res = await registerViaApi(app.token, { ...validBody(username), agreement: "1" }, { form: true });
    expect(res.status).toBe(200);
    expectSchema(await res.json(), "Token");
  });

  it("accepts a user token too, issuing the new token to the same app (as Mastodon does)", async () => {
    const app = await createAppToken(["read", "write"]);
    const first = (await (await registerViaApi(app.token, validBody(uniqueName("first")))).json()) as any;
    const res = await registerViaApi(first.access_token, validBody(uniqueName("second")));
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).scope).toBe("read write");
  });

  it("refuses a taken username whatever its case, naming the field", async () => {
    const app = await createAppToken();
    const username = uniqueName("Taken");
    expect((await registerViaApi(app.token, validBody(username))).status).toBe(200);
    const res = await registerViaApi(app.token, { ...validBody(username.toUpperCase()), email: `other_${username}@example.com` });
    expect(res.status).toBe(422);
    const body = (await res.json()) as any;
    expectSchema(body, "ValidationError");
    expect(body.error).toMatch(/^Validation failed: Username/);
    expect(body.details.username[0].error).toBe("ERR_TAKEN");
  });

  it("refuses a taken e-mail address", async () => {
    const app = await createAppToken();
    const username = uniqueName("mail");
    expect((await registerViaApi(app.token, validBody(username))).status).toBe(200);
    const res = await registerViaApi(app.token, { ...validBody(uniqueName("mail2")), email: `${username.toUpperCase()}@EXAMPLE.com` });
    expect(res.status).toBe(422);
    expect(((await res.json()) as any).details.email[0].error).toBe("ERR_TAKEN");
  });

  const invalid: [string, Record<string, unknown>, string, string][] = [
    ["username with bad characters", { username: "bad-name!" }, "username", "ERR_INVALID"],
    ["username longer than 30", { username: "a".repeat(31) }, "username", "ERR_TOO_LONG"],
    ["reserved username", { username: "Admin" }, "username", "ERR_RESERVED"],
    ["missing username", { username: undefined }, "username", "ERR_BLANK"],
    ["badly shaped e-mail", { email: "not-an-email" }, "email", "ERR_INVALID"],
    ["short password", { password: "short" }, "password", "ERR_TOO_SHORT"],
    ["password over 72 characters", { password: "x".repeat(73) }, "password", "ERR_TOO_LONG"],
    ["agreement false", { agreement: false }, "agreement", "ERR_ACCEPTED"],
    ["agreement missing", { agreement: undefined }, "agreement", "ERR_ACCEPTED"],
    ["username of the wrong type", { username: 42 }, "username", "ERR_INVALID"],
  ];
  for (const [name, override, field, code] of invalid) {
    it(`answers 422 for a ${name}`, async () => {
      const app = await createAppToken();
      const body: Record<string, unknown> = { ...validBody(uniqueName("valid")), ...override };
      for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
      const res = await registerViaApi(app.token, body);
      expect(res.status).toBe(422);
      const json = (await res.json()) as any;
      expectSchema(json, "ValidationError");
      expect(json.error).toMatch(/^Validation failed: /);
      expect(json.details[field][0].error).toBe(code);
    });
  }

  it("reports every invalid field at once", async () => {
    const app = await createAppToken();
    const res = await registerViaApi(app.token, { username: "no way", email: "x", password: "1", agreement: false });
    const json = (await res.json()) as any;
    expect(res.status).toBe(422);
    expect(Object.keys(json.details).sort()).toEqual(["agreement", "email", "password", "username"]);
  });

  it("needs a token: 401 without one or with a bad one", async () => {
    const none = await api("/api/v1/accounts", jsonBody("POST", validBody(uniqueName("anon"))));
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: "The access token is invalid" });
    const bad = await registerViaApi("aunknownclient00000000.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", validBody(uniqueName("anon")));
    expect(bad.status).toBe(401);
  });

  it("needs the write:accounts scope: 403 with a read-only app token", async () => {
    const app = await createAppToken(["read"]);
    const res = await registerViaApi(app.token, validBody(uniqueName("readonly")));
    expect(res.status).toBe(403);
  });

  it("limits sign-up attempts per client address, as Mastodon: 25 in 5 minutes, valid or not", async () => {
    const app = await createAppToken();
    const from = (address: string, body: unknown) => {
      const init = jsonBody("POST", body, app.token);
      return api("/api/v1/accounts", { ...init, headers: { ...(init.headers as Record<string, string>), "cf-connecting-ip": address } });
    };
    for (let i = 0; i < SIGN_UPS_PER_ADDRESS; i++) expect((await from("203.0.113.7", { username: "" })).status).toBe(422);
    const refused = await from("203.0.113.7", validBody(uniqueName("throttled")));
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ error: "Too many sign-ups from your network; try again later" });
    // Another address, and this machine (tools, tests: no or a loopback address), are not affected.
    expect((await from("198.51.100.4", validBody(uniqueName("other")))).status).toBe(200);
    expect((await from("127.0.0.1", validBody(uniqueName("local")))).status).toBe(200);
  });

  it("answers malformed JSON with 400", async () => {
    const app = await createAppToken();
    const res = await api("/api/v1/accounts", { method: "POST", headers: bearer(app.token, { "content-type": "application/json" }), body: "{oops" });
    expect(res.status).toBe(400);
  });

  it("creates the account unapproved in approval mode; its token is refused until approval", async () => {
    const app = await createAppToken();
    const username = uniqueName("waiting");
    const approval = { REGISTRATION_MODE: "approval" };
    const noReason = await fetchWithEnv(approval, "/api/v1/accounts", jsonBody("POST", validBody(username), app.token));
    expect(noReason.status).toBe(422);
    expect(((await noReason.json()) as any).details.reason[0].error).toBe("ERR_BLANK");

    const res = await fetchWithEnv(approval, "/api/v1/accounts", jsonBody("POST", { ...validBody(username), reason: "I like pronghorns" }, app.token));
    expect(res.status).toBe(200);
    const token = (await res.json()) as any;
    const me = await api("/api/v1/accounts/verify_credentials", { headers: bearer(token.access_token) });
    expect(me.status).toBe(403);
    expect(((await me.json()) as any).error).toMatch(/pending approval/);
    expect((await api(`/api/v1/accounts/lookup?acct=${username}`)).status).toBe(404);
  });

  it("refuses registrations in closed mode with Mastodon's 403", async () => {
    const app = await createAppToken();
    const res = await fetchWithEnv({ REGISTRATION_MODE: "closed" }, "/api/v1/accounts", jsonBody("POST", validBody(uniqueName("closed")), app.token));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "This action is not allowed" });
  });
});

describe("registrationPolicy", () => {
  it("opens, holds for approval, or closes", () => {
    expect(registrationPolicy("open", undefined)).toEqual({ ok: true, value: { approved: true } });
    expect(registrationPolicy("approval", "hello")).toEqual({ ok: true, value: { approved: false } });
    const noReason = registrationPolicy("approval", "  ");
    expect(noReason.ok).toBe(false);
    if (!noReason.ok) expect(noReason.status).toBe(422);
    const closed = registrationPolicy("closed", "please");
    expect(closed).toMatchObject({ ok: false, status: 403 });
  });
});

describe("account reads", () => {
  it("GET /api/v1/accounts/:id returns the public Account without a token", async () => {
    const user = await registerUser(uniqueName("public"));
    const res = await api(`/api/v1/accounts/${user.id}`);
    expect(res.status).toBe(200);
    const account = (await res.json()) as any;
    expectSchema(account, "Account");
    expect(account.id).toBe(user.id);
    expect(account.username).toBe(user.username);
    expect(account.url).toBe(`${"https://" + DOMAIN}/@${user.username}`);
    expect(account.avatar).toBe(`https://${DOMAIN}/avatars/original/missing.png`);
    expect(account).not.toHaveProperty("source");
    expect(account).not.toHaveProperty("email");
  });

  it("answers 404 for unknown, non-numeric and oversized ids, leaving no account behind", async () => {
    for (const id of ["1234567890123", "abc", "99999999999999999999999", "12abc"]) {
      const res = await api(`/api/v1/accounts/${id}`);
      expect(res.status, id).toBe(404);
      expect(await res.json()).toEqual({ error: "Record not found" });
    }
    const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName("1234567890123"));
    expect(await stub.get()).toBeNull();
  });

  it("a token on a public read must be valid (401) and carry read:accounts (403)", async () => {
    const user = await registerUser(uniqueName("reader"), { scopes: ["write"] });
    expect((await api(`/api/v1/accounts/${user.id}`, { headers: bearer("u1.nopenopenopenopenopenopenopenopenope") })).status).toBe(401);
    expect((await api(`/api/v1/accounts/${user.id}`, { headers: bearer(user.token) })).status).toBe(403);
  });

  it("hides accounts awaiting approval", async () => {
    const pending = await registerUser(uniqueName("pending"), { approved: false });
    expect((await api(`/api/v1/accounts/${pending.id}`)).status).toBe(404);
  });

  it("GET /api/v1/accounts?id[]= returns the known ones, in order, skipping unknown", async () => {
    const a = await registerUser(uniqueName("many_a"));
    const b = await registerUser(uniqueName("many_b"));
    const res = await api(`/api/v1/accounts?id[]=${b.id}&id[]=555555555&id[]=nope&id[]=${a.id}&id[]=${b.id}`);
    expect(res.status).toBe(200);
    const list = (await res.json()) as any[];
    expect(list.map((x) => x.id)).toEqual([b.id, a.id]);
    for (const account of list) expectSchema(account, "Account");
    const empty = await api("/api/v1/accounts");
    expect(await empty.json()).toEqual([]);
  });

  it("GET /api/v1/accounts/lookup finds local accounts by name, @name or name@domain, any case", async () => {
    const user = await registerUser(uniqueName("Looked"));
    for (const acct of [user.username, `@${user.username}`, user.username.toUpperCase(), `${user.username}@${DOMAIN}`, `${user.username}@PRONGHORN.TEST`]) {
      const res = await api(`/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`);
      expect(res.status, acct).toBe(200);
      const account = (await res.json()) as any;
      expectSchema(account, "Account");
      expect(account.id).toBe(user.id);
    }
  });

  it("lookup: remote or unknown accounts are 404, a missing acct is 400", async () => {
    const user = await registerUser(uniqueName("local"));
    expect((await api(`/api/v1/accounts/lookup?acct=${user.username}@elsewhere.example`)).status).toBe(404);
    expect((await api(`/api/v1/accounts/lookup?acct=${user.username}@${DOMAIN}@evil.example`)).status).toBe(404);
    expect((await api("/api/v1/accounts/lookup?acct=nobody_here_at_all")).status).toBe(404);
    expect((await api("/api/v1/accounts/lookup?acct=bad-name")).status).toBe(404);
    expect((await api("/api/v1/accounts/lookup")).status).toBe(400);
  });

  it("serves the default avatar and header images", async () => {
    for (const path of ["/avatars/original/missing.png", "/headers/original/missing.png"]) {
      const res = await api(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/png");
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect([...bytes.slice(1, 4)].map((b) => String.fromCharCode(b)).join("")).toBe("PNG");
    }
  });
});

describe("setup endpoint (POST /api/v1/pronghorn/setup/accounts)", () => {
  const SETUP = { SETUP_TOKEN: "unit-test-setup-secret" };
  const body = (username: string, extra: Record<string, unknown> = {}) => ({
    username,
    email: `${username}@example.com`,
    password: "setup password 1",
    ...extra,
  });

  it("does not exist without the SETUP_TOKEN secret", async () => {
    const res = await fetchWithEnv({ SETUP_TOKEN: undefined }, "/api/v1/pronghorn/setup/accounts", jsonBody("POST", body(uniqueName("x")), "anything"));
    expect(res.status).toBe(404);
  });

  it("refuses a wrong or missing token", async () => {
    expect((await fetchWithEnv(SETUP, "/api/v1/pronghorn/setup/accounts", jsonBody("POST", body(uniqueName("x")), "wrong"))).status).toBe(401);
    expect((await fetchWithEnv(SETUP, "/api/v1/pronghorn/setup/accounts", jsonBody("POST", body(uniqueName("x"))))).status).toBe(401);
  });

  it("creates an owner with a reserved name, even with registrations closed", async () => {
    const res = await fetchWithEnv(
      { ...SETUP, REGISTRATION_MODE: "closed" },
      "/api/v1/pronghorn/setup/accounts",
      jsonBody("POST", body("webmaster", { role: "owner" }), SETUP.SETUP_TOKEN),
    );
    expect(res.status).toBe(200);
    const json = (await res.json()) as any;
    expectSchema(json.account, "CredentialAccount");
    expect(json.account.username).toBe("webmaster");
    expect(json.account.role.name).toBe("Owner");
    expect(json.note).toMatch(/webmaster/);
    expect((await api("/api/v1/accounts/lookup?acct=webmaster")).status).toBe(200);
  });

  it("validates like registration (422), and the role", async () => {
    const bad = await fetchWithEnv(SETUP, "/api/v1/pronghorn/setup/accounts", jsonBody("POST", body(uniqueName("r"), { role: "king" }), SETUP.SETUP_TOKEN));
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as any).details.role[0].error).toBe("ERR_INCLUSION");
    const short = await fetchWithEnv(SETUP, "/api/v1/pronghorn/setup/accounts", jsonBody("POST", body(uniqueName("r"), { password: "x" }), SETUP.SETUP_TOKEN));
    expect(short.status).toBe(422);
  });
});

describe("web sign-up (/auth/sign_up)", () => {
  function cookieOf(res: Response): string {
    const setCookie = res.headers.get("set-cookie") ?? "";
    return setCookie.split(";")[0];
  }
  function csrfOf(html: string): string {
    return html.match(/name="authenticity_token" value="([^"]+)"/)![1];
  }
  async function openForm() {
    const res = await api("/auth/sign_up");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    return { cookie: cookieOf(res), csrf: csrfOf(html), html };
  }
  function submit(cookie: string, fields: Record<string, string>) {
    return api("/auth/sign_up", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams(fields),
    });
  }

  it("shows the form and creates an account that can then be looked up", async () => {
    const form = await openForm();
    expect(form.html).toContain('name="username"');
    expect(form.html).toContain('name="agreement"');
    const username = uniqueName("webby");
    const res = await submit(form.cookie, {
      authenticity_token: form.csrf,
      username,
      email: `${username}@example.com`,
      password: "web password 123",
      password_confirmation: "web password 123",
      agreement: "1",
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`@${username}@${DOMAIN}`);
    expect((await api(`/api/v1/accounts/lookup?acct=${username}`)).status).toBe(200);
  });

  it("counts form posts against the same per-address sign-up limit as the API", async () => {
    const form = await openForm();
    const post = (fields: Record<string, string>) =>
      api("/auth/sign_up", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie, "cf-connecting-ip": "192.0.2.55" },
        body: new URLSearchParams({ authenticity_token: form.csrf, ...fields }),
      });
    for (let i = 0; i < SIGN_UPS_PER_ADDRESS; i++) expect((await post({ username: "" })).status).toBe(422);
    const username = uniqueName("webthrottled");
    const res = await post({ username, email: `${username}@example.com`, password: "web password 123", password_confirmation: "web password 123", agreement: "1" });
    expect(res.status).toBe(429);
    expect(await res.text()).toContain("Too many sign-ups from your network");
    expect((await api(`/api/v1/accounts/lookup?acct=${username}`)).status).toBe(404);
  });

  it("refuses a post without the CSRF cookie", async () => {
    const form = await openForm();
    const username = uniqueName("forged");
    const res = await submit("", {
      authenticity_token: form.csrf,
      username,
      email: `${username}@example.com`,
      password: "web password 123",
      password_confirmation: "web password 123",
      agreement: "1",
    });
    expect(res.status).toBe(403);
    expect((await api(`/api/v1/accounts/lookup?acct=${username}`)).status).toBe(404);
  });

  it("re-renders the form with the problems, keeping what was typed", async () => {
    const form = await openForm();
    const res = await submit(form.cookie, {
      authenticity_token: form.csrf,
      username: "has spaces",
      email: "kept@example.com",
      password: "web password 123",
      password_confirmation: "something else",
    });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("must contain only letters, numbers and underscores");
    expect(html).toContain("doesn&#39;t match Password");
    expect(html).toContain("must be accepted");
    expect(html).toContain('value="kept@example.com"');
    expect(html).not.toContain("web password 123");
  });

  it("says registrations are closed in closed mode", async () => {
    const res = await fetchWithEnv({ REGISTRATION_MODE: "closed" }, "/auth/sign_up");
    expect(res.status).toBe(403);
  });

  it("asks for a reason and reports a pending account in approval mode", async () => {
    const approval = { REGISTRATION_MODE: "approval" };
    const page = await fetchWithEnv(approval, "/auth/sign_up");
    const html = await page.text();
    expect(html).toContain('name="reason"');
    const username = uniqueName("patient");
    const res = await fetchWithEnv(approval, "/auth/sign_up", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieOf(page) },
      body: new URLSearchParams({
        authenticity_token: csrfOf(html),
        username,
        email: `${username}@example.com`,
        password: "web password 123",
        password_confirmation: "web password 123",
        agreement: "on",
        reason: "I run with the herd",
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("awaiting approval");
  });
});
