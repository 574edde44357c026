import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectSchema } from "./openapi";
import { api, BASE, bearer, registerUser, uniqueName, type TestUser } from "./helpers";
import { ALL_SCOPES } from "../../lib/scopes";
import type { AccountObject } from "../../objects/account/account-object";

// ----- a small browser: cookie jar, manual redirects, forms read from the HTML -----

const OOB = "urn:ietf:wg:oauth:2.0:oob";

class Browser {
  readonly cookies = new Map<string, string>();
  /** Each browser comes from its own address, so the per-address limiter never mixes tests. */
  constructor(readonly ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}-${uniqueName("ip")}`) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    headers.set("cf-connecting-ip", this.ip);
    const url = path.startsWith("http") ? path : `${BASE}${path}`;
    const res = await SELF.fetch(url, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
    return res;
  }

  get(path: string) {
    return this.fetch(path);
  }

  post(path: string, fields: Record<string, string>) {
    return this.fetch(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

function unescapeHtml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** The hidden inputs of the form whose action is `action`. */
function formFields(html: string, action: string): Record<string, string> {
  const start = html.indexOf(`action="${action}"`);
  if (start < 0) throw new Error(`no form posting to ${action} in:\n${html}`);
  const form = html.slice(start, html.indexOf("</form>", start));
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[unescapeHtml(m[1])] = unescapeHtml(m[2]);
  }
  return fields;
}

/** Query parameters of a Location, read without URL(): custom schemes are not URLs to parse. */
function queryOf(location: string): URLSearchParams {
  const q = location.indexOf("?");
  return new URLSearchParams(q < 0 ? "" : location.slice(q + 1));
}

async function pkcePair(method: "S256" | "plain" = "S256") {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const verifier = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  if (method === "plain") return { verifier, challenge: verifier };
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const challenge = btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return { verifier, challenge };
}

interface App {
  id: string;
  client_id: string;
  client_secret: string;
  name: string;
  redirect_uris: string[];
}

async function registerApp(redirectUris: string | string[], scopes = "read write follow push", name = "Test client"): Promise<App> {
  const res = await api("/api/v1/apps", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: name, redirect_uris: redirectUris, scopes }),
  });
  expect(res.status).toBe(200);
  return res.json<App>();
}

function authorizePath(app: App, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ client_id: app.client_id, redirect_uri: app.redirect_uris[0], response_type: "code", ...extra });
  return `/oauth/authorize?${q}`;
}

/** Signs in through the sign-in page the authorize URL shows; returns the consent page. */
async function signIn(browser: Browser, path: string, user: TestUser, login = user.username): Promise<Response> {
  const page = await browser.get(path);
  expect(page.status).toBe(200);
  const fields = formFields(await page.text(), "/auth/sign_in");
  const signedIn = await browser.post("/auth/sign_in", { ...fields, login, password: user.password });
  expect(signedIn.status).toBe(302);
  const consent = await browser.get(signedIn.headers.get("location")!);
  expect(consent.status).toBe(200);
  return consent;
}

/** Walks authorize → sign in → consent → approve; returns the final redirect's Location. */
async function authorize(app: App, user: TestUser, extra: Record<string, string> = {}, browser = new Browser()): Promise<string> {
  const consent = await signIn(browser, authorizePath(app, extra), user);
  const fields = formFields(await consent.text(), "/oauth/authorize");
  const approved = await browser.post("/oauth/authorize", { ...fields, decision: "approve" });
  expect(approved.status).toBe(302);
  return approved.headers.get("location")!;
}

async function codeFrom(location: string): Promise<string> {
  if (location.startsWith("/oauth/authorize/native")) {
    const page = await SELF.fetch(`${BASE}${location}`);
    const m = (await page.text()).match(/<p class="code" id="code">([^<]+)<\/p>/);
    return m![1];
  }
  return queryOf(location).get("code")!;
}

function tokenRequest(fields: Record<string, string>, headers: Record<string, string> = {}) {
  return api("/oauth/token", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(fields) });
}

function exchange(app: App, code: string, extra: Record<string, string> = {}) {
  return tokenRequest({
    grant_type: "authorization_code",
    client_id: app.client_id,
    client_secret: app.client_secret,
    redirect_uri: app.redirect_uris[0],
    code,
    ...extra,
  });
}

async function newUser(options: { approved?: boolean } = {}) {
  return registerUser(uniqueName("oauth"), options);
}

// ----- tests -----

describe("authorization-code flow through the sign-in and consent pages", () => {
  const uris = [
    "com.tapbots.Ivory.10217:/request_token",
    "icecubesapp://",
    "mammoth://addNewInstance",
    "oauth2redirect://com.keylesspalace.tusky/",
    OOB,
    "https://app.example/callback",
  ];

  it.each(uris)("signs in with PKCE S256 and redirect URI %s", async (uri) => {
    const app = await registerApp(uri);
    const user = await newUser();
    const { verifier, challenge } = await pkcePair("S256");
    const location = await authorize(app, user, {
      scope: "read write",
      state: "xyz-123",
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    if (uri === OOB) {
      expect(location).toMatch(/^\/oauth\/authorize\/native\?code=/);
    } else {
      expect(location.startsWith(`${uri}?`)).toBe(true);
      expect(queryOf(location).get("state")).toBe("xyz-123");
    }
    const code = await codeFrom(location);
    expect(code).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);

    const res = await exchange(app, code, { code_verifier: verifier });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const token = await res.json<any>();
    expectSchema(token, "Token");
    expect(token.token_type).toBe("Bearer");
    expect(token.scope).toBe("read write");
    expect(typeof token.created_at).toBe("number");

    const me = await api("/oauth/userinfo", { headers: bearer(token.access_token) });
    expect(me.status).toBe(200);
    expect((await me.json<any>()).preferred_username).toBe(user.username);
    const verified = await api("/api/v1/apps/verify_credentials", { headers: bearer(token.access_token) });
    expect((await verified.json<any>()).id).toBe(app.id);
  });

  it("shows the code on a page for the out-of-band redirect URI", async () => {
    const app = await registerApp(OOB);
    const location = await authorize(app, await newUser());
    const page = await SELF.fetch(`${BASE}${location}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).toContain("Authorization code");
    expect(html).toContain(queryOf(location).get("code")!);
  });

  it("exchanges a plain PKCE challenge", async () => {
    const app = await registerApp("icecubesapp://");
    const { verifier, challenge } = await pkcePair("plain");
    const code = await codeFrom(await authorize(app, await newUser(), { code_challenge: challenge, code_challenge_method: "plain" }));
    const res = await exchange(app, code, { code_verifier: verifier });
    expect(res.status).toBe(200);
  });

  it("treats a challenge without a method as plain (RFC 7636)", async () => {
    const app = await registerApp("icecubesapp://");
    const { verifier, challenge } = await pkcePair("plain");
    const code = await codeFrom(await authorize(app, await newUser(), { code_challenge: challenge }));
    expect((await exchange(app, code, { code_verifier: verifier })).status).toBe(200);
  });

  it("works without PKCE for a confidential client", async () => {
    const app = await registerApp("icecubesapp://");
    const code = await codeFrom(await authorize(app, await newUser()));
    const res = await exchange(app, code);
    expect(res.status).toBe(200);
    // No scope asked: Mastodon's default, read.
    expect((await res.json<any>()).scope).toBe("read");
  });

  it("passes state through unchanged, and appends to a redirect URI that has a query", async () => {
    const app = await registerApp("https://app.example/cb?instance=pronghorn.test");
    const state = `a b&c=d/é?#"<>`;
    const location = await authorize(app, await newUser(), { state });
    expect(location.startsWith("https://app.example/cb?instance=pronghorn.test&code=")).toBe(true);
    expect(queryOf(location).get("state")).toBe(state);
    expect(queryOf(location).get("instance")).toBe("pronghorn.test");
  });

  it("uses the only registered redirect URI when the request leaves it out", async () => {
    const app = await registerApp("mammoth://addNewInstance");
    const browser = new Browser();
    const user = await newUser();
    const path = `/oauth/authorize?${new URLSearchParams({ client_id: app.client_id, response_type: "code" })}`;
    const consent = await signIn(browser, path, user);
    const approved = await browser.post("/oauth/authorize", { ...formFields(await consent.text(), "/oauth/authorize"), decision: "approve" });
    const location = approved.headers.get("location")!;
    expect(location.startsWith("mammoth://addNewInstance?code=")).toBe(true);
    const res = await tokenRequest({ grant_type: "authorization_code", client_id: app.client_id, client_secret: app.client_secret, code: queryOf(location).get("code")! });
    expect(res.status).toBe(200);
  });

  it("picks the requested one of several registered redirect URIs", async () => {
    const app = await registerApp(["icecubesapp://", "urn:ietf:wg:oauth:2.0:oob"]);
    const location = await authorize(app, await newUser(), { redirect_uri: "icecubesapp://" });
    expect(location.startsWith("icecubesapp://?code=")).toBe(true);
  });

  it("redirects with access_denied and the state when the user denies", async () => {
    const app = await registerApp("oauth2redirect://com.keylesspalace.tusky/");
    const browser = new Browser();
    const consent = await signIn(browser, authorizePath(app, { state: "s1" }), await newUser());
    const denied = await browser.post("/oauth/authorize", { ...formFields(await consent.text(), "/oauth/authorize"), decision: "deny" });
    expect(denied.status).toBe(302);
    const location = denied.headers.get("location")!;
    expect(location.startsWith("oauth2redirect://com.keylesspalace.tusky/?error=access_denied")).toBe(true);
    expect(queryOf(location).get("state")).toBe("s1");
    expect(queryOf(location).get("code")).toBeNull();
  });

  it("lists the requested scopes on the consent page and escapes the app's name", async () => {
    const app = await registerApp("icecubesapp://", "read write push", `<script>alert("x")</script>`);
    const browser = new Browser();
    const user = await newUser();
    const consent = await signIn(browser, authorizePath(app, { scope: "read push", state: `"><script>` }), user);
    const html = await consent.text();
    expect(html).toContain("Read all your account&#39;s data");
    expect(html).toContain("Receive your push notifications");
    expect(html).not.toContain("Modify all your account");
    expect(html).toContain(`@${user.username}@pronghorn.test`);
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  it("skips the sign-in form for a browser that is signed in, unless force_login is set", async () => {
    const app = await registerApp("icecubesapp://");
    const browser = new Browser();
    await signIn(browser, authorizePath(app), await newUser());
    const again = await browser.get(authorizePath(app));
    expect(await again.text()).toContain('action="/oauth/authorize"');
    const forced = await browser.get(authorizePath(app, { force_login: "true" }));
    const html = await forced.text();
    expect(html).toContain('action="/auth/sign_in"');
    // The resumed request must not carry force_login, or signing in would loop.
    expect(formFields(html, "/auth/sign_in").force_login).toBeUndefined();
  });

  it("lets another user sign in with force_login and replaces the session", async () => {
    const app = await registerApp("icecubesapp://");
    const browser = new Browser();
    const first = await newUser();
    const second = await newUser();
    await signIn(browser, authorizePath(app), first);
    const consent = await signIn(browser, authorizePath(app, { force_login: "1" }), second);
    expect(await consent.text()).toContain(`@${second.username}@`);
  });

  it("sets <html lang> from the lang parameter and keeps it through sign-in", async () => {
    const app = await registerApp("icecubesapp://");
    const browser = new Browser();
    const page = await browser.get(authorizePath(app, { lang: "de" }));
    expect(await page.text()).toContain('<html lang="de">');
    const consent = await signIn(browser, authorizePath(app, { lang: "de" }), await newUser());
    expect(await consent.text()).toContain('<html lang="de">');
    const junk = await new Browser().get(authorizePath(app, { lang: '"><x' }));
    expect(await junk.text()).toContain('<html lang="en">');
  });

  it("accepts the email address as login", async () => {
    const app = await registerApp("icecubesapp://");
    const user = await newUser();
    const consent = await signIn(new Browser(), authorizePath(app), user, user.email.toUpperCase());
    expect(await consent.text()).toContain(`@${user.username}@`);
  });

  it("sends pages with a CSP that has no form-action, and a secure session cookie", async () => {
    const app = await registerApp("oauth2redirect://com.keylesspalace.tusky/");
    const browser = new Browser();
    const page = await browser.get(authorizePath(app));
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toBe("default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
    expect(csp).not.toContain("form-action");
    expect(page.headers.get("cache-control")).toBe("no-store");
    const csrfCookie = page.headers.getSetCookie().find((c) => c.startsWith("pronghorn_csrf="))!;
    expect(csrfCookie).toMatch(/HttpOnly/);
    const fields = formFields(await page.text(), "/auth/sign_in");
    const user = await newUser();
    const signedIn = await browser.post("/auth/sign_in", { ...fields, login: user.username, password: user.password });
    const session = signedIn.headers.getSetCookie().find((c) => c.startsWith("pronghorn_session="))!;
    for (const attr of ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"]) expect(session).toContain(attr);
  });

  it("signs out, after which the authorize page asks to sign in again", async () => {
    const app = await registerApp("icecubesapp://");
    const browser = new Browser();
    const consent = await signIn(browser, authorizePath(app), await newUser());
    const fields = formFields(await consent.text(), "/auth/sign_out");
    const out = await browser.post("/auth/sign_out", fields);
    expect(out.status).toBe(302);
    expect(out.headers.get("location")).toMatch(/^\/oauth\/authorize\?/);
    expect(browser.cookies.has("pronghorn_session")).toBe(false);
    const again = await browser.get(out.headers.get("location")!);
    expect(await again.text()).toContain('action="/auth/sign_in"');
  });

  it("does not sign out on a forged form, nor redirect off-site", async () => {
    const app = await registerApp("icecubesapp://");
    const browser = new Browser();
    await signIn(browser, authorizePath(app), await newUser());
    const forged = await browser.post("/auth/sign_out", { authenticity_token: "forged" });
    expect(forged.status).toBe(403);
    const consent = await browser.get(authorizePath(app));
    const fields = formFields(await consent.text(), "/auth/sign_out");
    const out = await browser.post("/auth/sign_out", { ...fields, return_to: "//evil.example/" });
    expect(out.headers.get("location")).toBe("/auth/sign_in");
  });
});

describe("GET /oauth/authorize errors", () => {
  it("shows a 400 page for an unknown client, and never redirects", async () => {
    const res = await new Browser().get(`/oauth/authorize?client_id=${"x".repeat(43)}&redirect_uri=icecubesapp://&response_type=code`);
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("invalid_client");
    const missing = await new Browser().get("/oauth/authorize?response_type=code");
    expect(missing.status).toBe(400);
  });

  it("shows a 400 page for a redirect URI that was not registered", async () => {
    const app = await registerApp("icecubesapp://");
    const res = await new Browser().get(authorizePath(app, { redirect_uri: "https://evil.example/steal" }));
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("redirect URI");
  });

  it("redirects invalid_scope for a scope beyond the app's, with the state", async () => {
    const app = await registerApp("icecubesapp://", "read");
    const res = await new Browser().get(authorizePath(app, { scope: "read write", state: "st" }));
    expect(res.status).toBe(302);
    const q = queryOf(res.headers.get("location")!);
    expect(q.get("error")).toBe("invalid_scope");
    expect(q.get("state")).toBe("st");
    const unknown = await new Browser().get(authorizePath(app, { scope: "teleport" }));
    expect(queryOf(unknown.headers.get("location")!).get("error")).toBe("invalid_scope");
  });

  it("accepts a granular scope covered by the app's top-level scope", async () => {
    const app = await registerApp("icecubesapp://", "read write");
    const code = await codeFrom(await authorize(app, await newUser(), { scope: "read:statuses write:media" }));
    const token = await (await exchange(app, code)).json<any>();
    expect(token.scope).toBe("read:statuses write:media");
  });

  it("redirects unsupported_response_type and invalid_request (bad PKCE method)", async () => {
    const app = await registerApp("icecubesapp://");
    const implicit = await new Browser().get(authorizePath(app, { response_type: "token" }));
    expect(queryOf(implicit.headers.get("location")!).get("error")).toBe("unsupported_response_type");
    const { challenge } = await pkcePair();
    const md5 = await new Browser().get(authorizePath(app, { code_challenge: challenge, code_challenge_method: "MD5" }));
    expect(queryOf(md5.headers.get("location")!).get("error")).toBe("invalid_request");
    const short = await new Browser().get(authorizePath(app, { code_challenge: "abc", code_challenge_method: "plain" }));
    expect(queryOf(short.headers.get("location")!).get("error")).toBe("invalid_request");
  });

  it("shows errors on a page instead of redirecting for the out-of-band URI", async () => {
    const app = await registerApp(OOB, "read");
    const res = await new Browser().get(authorizePath(app, { scope: "admin:write" }));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("invalid_scope");
  });

  it("re-validates the request when the consent form is posted", async () => {
    const app = await registerApp("icecubesapp://", "read");
    const browser = new Browser();
    const consent = await signIn(browser, authorizePath(app), await newUser());
    const fields = formFields(await consent.text(), "/oauth/authorize");
    const widened = await browser.post("/oauth/authorize", { ...fields, scope: "read write", decision: "approve" });
    expect(queryOf(widened.headers.get("location")!).get("error")).toBe("invalid_scope");
    const redirected = await browser.post("/oauth/authorize", { ...fields, redirect_uri: "https://evil.example/", decision: "approve" });
    expect(redirected.status).toBe(400);
    expect(redirected.headers.get("location")).toBeNull();
  });
});

describe("CSRF protection", () => {
  it("rejects a sign-in form without the CSRF cookie or with a wrong token", async () => {
    const app = await registerApp("icecubesapp://");
    const user = await newUser();
    const browser = new Browser();
    const fields = formFields(await (await browser.get(authorizePath(app))).text(), "/auth/sign_in");

    const wrong = await browser.post("/auth/sign_in", { ...fields, authenticity_token: "x".repeat(43), login: user.username, password: user.password });
    expect(wrong.status).toBe(403);
    expect(wrong.headers.getSetCookie().some((c) => c.startsWith("pronghorn_session="))).toBe(false);

    const noCookie = new Browser();
    const res = await noCookie.post("/auth/sign_in", { ...fields, login: user.username, password: user.password });
    expect(res.status).toBe(403);
  });

  it("rejects a consent form whose token is not the session's", async () => {
    const app = await registerApp("icecubesapp://");
    const browser = new Browser();
    const consent = await signIn(browser, authorizePath(app), await newUser());
    const fields = formFields(await consent.text(), "/oauth/authorize");
    const forged = await browser.post("/oauth/authorize", { ...fields, authenticity_token: "forged", decision: "approve" });
    expect(forged.status).toBe(403);
    expect(forged.headers.get("location")).toBeNull();
    const missing = await browser.post("/oauth/authorize", { ...fields, authenticity_token: "", decision: "approve" });
    expect(missing.status).toBe(403);
  });

  it("asks to sign in when the consent form is posted without a session", async () => {
    const app = await registerApp("icecubesapp://");
    const res = await new Browser().post("/oauth/authorize", {
      client_id: app.client_id,
      redirect_uri: "icecubesapp://",
      response_type: "code",
      authenticity_token: "whatever",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain('action="/auth/sign_in"');
  });
});

describe("sign-in failures", () => {
  async function attempt(browser: Browser, app: App, login: string, password: string) {
    const fields = formFields(await (await browser.get(authorizePath(app))).text(), "/auth/sign_in");
    return browser.post("/auth/sign_in", { ...fields, login, password });
  }

  it("re-shows the form with an error for a wrong password or an unknown user", async () => {
    const app = await registerApp("icecubesapp://");
    const user = await newUser();
    const browser = new Browser();
    const wrong = await attempt(browser, app, user.username, "not the password");
    expect(wrong.status).toBe(401);
    const html = await wrong.text();
    expect(html).toContain("Invalid email or password");
    expect(html).toContain(`value="${user.username}"`);
    const unknown = await attempt(browser, app, "nobody_here", "whatever");
    expect(unknown.status).toBe(401);
    expect(await unknown.text()).toContain("Invalid email or password");
    const empty = await attempt(browser, app, user.username, "");
    expect(empty.status).toBe(422);
  });

  it("locks an account after repeated failures, even for the right password", async () => {
    const app = await registerApp("icecubesapp://");
    const user = await newUser();
    for (let i = 0; i < 5; i++) expect((await attempt(new Browser(), app, user.username, `wrong-${i}`)).status).toBe(401);
    const locked = await attempt(new Browser(), app, user.username, user.password);
    expect(locked.status).toBe(429);
    expect(await locked.text()).toContain("Too many failed sign-in attempts");
  });

  it("limits failures per client address across accounts", async () => {
    const app = await registerApp("icecubesapp://");
    const user = await newUser();
    const browser = new Browser();
    for (let i = 0; i < 10; i++) expect((await attempt(browser, app, `ghost_${i}`, "x")).status).toBe(401);
    const limited = await attempt(browser, app, user.username, user.password);
    expect(limited.status).toBe(429);
    // Another address is not affected.
    const elsewhere = await attempt(new Browser(), app, user.username, user.password);
    expect(elsewhere.status).toBe(302);
  });

  it("refuses an account awaiting approval", async () => {
    const app = await registerApp("icecubesapp://");
    const user = await newUser({ approved: false });
    const res = await attempt(new Browser(), app, user.username, user.password);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("awaiting approval");
  });
});

describe("POST /oauth/token", () => {
  async function freshCode(scopes = "read write follow push", uri = "icecubesapp://") {
    const app = await registerApp(uri, scopes);
    const user = await newUser();
    const { verifier, challenge } = await pkcePair();
    const code = await codeFrom(await authorize(app, user, { code_challenge: challenge, code_challenge_method: "S256" }));
    return { app, user, code, verifier };
  }

  it("refuses a reused code", async () => {
    const { app, code, verifier } = await freshCode();
    expect((await exchange(app, code, { code_verifier: verifier })).status).toBe(200);
    const again = await exchange(app, code, { code_verifier: verifier });
    expect(again.status).toBe(400);
    expect(await again.json<any>()).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/already used/) });
  });

  it("refuses an expired code", async () => {
    const { app, user, code, verifier } = await freshCode();
    await runInDurableObject(env.ACCOUNT.get(env.ACCOUNT.idFromName(user.id)), async (_o: AccountObject, state) => {
      state.storage.sql.exec("UPDATE auth_codes SET expires_at = ?", Date.now() - 1);
    });
    const res = await exchange(app, code, { code_verifier: verifier });
    expect(res.status).toBe(400);
    expect(await res.json<any>()).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/expired/) });
  });

  it("refuses a bad or missing PKCE verifier", async () => {
    const { app, code, verifier } = await freshCode();
    const bad = await exchange(app, code, { code_verifier: verifier.replace(/.$/, (c) => (c === "A" ? "B" : "A")) });
    expect(bad.status).toBe(400);
    expect(await bad.json<any>()).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/verifier/) });
    const missing = await exchange(app, code);
    expect((await missing.json<any>()).error).toBe("invalid_grant");
    // The failed attempts did not use the code up.
    expect((await exchange(app, code, { code_verifier: verifier })).status).toBe(200);
  });

  it("refuses a redirect URI other than the authorization request's", async () => {
    const app = await registerApp(["icecubesapp://", OOB]);
    const code = await codeFrom(await authorize(app, await newUser(), { redirect_uri: "icecubesapp://" }));
    const res = await exchange(app, code, { redirect_uri: OOB });
    expect(res.status).toBe(400);
    expect(await res.json<any>()).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/redirect URI/) });
  });

  it("refuses a code issued to another client, and garbage codes", async () => {
    const { code, verifier } = await freshCode();
    const other = await registerApp("icecubesapp://");
    const res = await exchange(other, code, { code_verifier: verifier });
    expect(res.status).toBe(400);
    expect((await res.json<any>()).error).toBe("invalid_grant");
    for (const garbage of ["nonsense", `123.${"a".repeat(43)}`]) {
      const g = await exchange(other, garbage);
      expect(g.status).toBe(400);
      expect((await g.json<any>()).error).toBe("invalid_grant");
    }
  });

  it("answers 401 invalid_client for an unknown client, a wrong secret or none", async () => {
    const { app, code, verifier } = await freshCode();
    const cases: Record<string, string>[] = [
      { client_id: "x".repeat(43), client_secret: app.client_secret },
      { client_id: app.client_id, client_secret: "wrong-secret" },
      { client_id: app.client_id },
      { client_id: "short", client_secret: "s" },
      {},
    ];
    for (const creds of cases) {
      const res = await tokenRequest({ grant_type: "authorization_code", redirect_uri: "icecubesapp://", code, code_verifier: verifier, ...creds });
      expect(res.status).toBe(401);
      const body = await res.json<any>();
      expect(body.error).toBe("invalid_client");
      expect(body.error_description).toMatch(/Client authentication failed/);
    }
    // None of that spent the code.
    expect((await exchange(app, code, { code_verifier: verifier })).status).toBe(200);
  });

  it("takes client credentials from HTTP Basic", async () => {
    const { app, code, verifier } = await freshCode();
    const basic = btoa(`${app.client_id}:${app.client_secret}`);
    const res = await tokenRequest(
      { grant_type: "authorization_code", redirect_uri: "icecubesapp://", code, code_verifier: verifier },
      { authorization: `Basic ${basic}` },
    );
    expect(res.status).toBe(200);
    const badBasic = await tokenRequest({ grant_type: "client_credentials" }, { authorization: `Basic ${btoa(`${app.client_id}:nope`)}` });
    expect(badBasic.status).toBe(401);
    const malformed = await tokenRequest({ grant_type: "client_credentials" }, { authorization: "Basic %%%" });
    expect(malformed.status).toBe(401);
  });

  it("reads form, multipart, query-string and content-type-less requests", async () => {
    const encodings: ((f: Record<string, string>) => Promise<Response>)[] = [
      (f) => api("/oauth/token", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(f).toString() }),
      (f) => {
        const form = new FormData();
        for (const [k, v] of Object.entries(f)) form.set(k, v);
        return api("/oauth/token", { method: "POST", body: form });
      },
      (f) => api(`/oauth/token?${new URLSearchParams(f)}`, { method: "POST" }),
      (f) => api("/oauth/token", { method: "POST", body: new TextEncoder().encode(new URLSearchParams(f).toString()) }),
    ];
    for (const send of encodings) {
      const { app, code, verifier } = await freshCode();
      const res = await send({
        grant_type: "authorization_code",
        client_id: app.client_id,
        client_secret: app.client_secret,
        redirect_uri: "icecubesapp://",
        code,
        code_verifier: verifier,
      });
      expect(res.status).toBe(200);
      expectSchema(await res.json(), "Token");
    }
  });

  it("answers OAuth-shaped errors for malformed or incomplete requests", async () => {
    const malformed = await api("/oauth/token", { method: "POST", headers: { "content-type": "application/json" }, body: "{grant_type" });
    expect(malformed.status).toBe(400);
    expect((await malformed.json<any>()).error).toBe("invalid_request");

    const noGrant = await tokenRequest({ client_id: "x" });
    expect(noGrant.status).toBe(400);
    expect((await noGrant.json<any>()).error).toBe("invalid_request");

    const password = await tokenRequest({ grant_type: "password", username: "a", password: "b" });
    expect(password.status).toBe(400);
    expect(await password.json<any>()).toMatchObject({ error: "unsupported_grant_type", error_description: expect.any(String) });

    const app = await registerApp("icecubesapp://");
    const noCode = await tokenRequest({ grant_type: "authorization_code", client_id: app.client_id, client_secret: app.client_secret });
    expect(noCode.status).toBe(400);
    expect((await noCode.json<any>()).error).toBe("invalid_request");
  });

  it("issues client_credentials tokens within the app's scopes", async () => {
    const app = await registerApp("icecubesapp://", "read write");
    const res = await tokenRequest({ grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret });
    expect(res.status).toBe(200);
    const token = await res.json<any>();
    expectSchema(token, "Token");
    expect(token.scope).toBe("read");
    const both = await tokenRequest({ grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret, scope: "read write" });
    expect((await both.json<any>()).scope).toBe("read write");

    const beyond = await tokenRequest({ grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret, scope: "read push" });
    expect(beyond.status).toBe(400);
    expect((await beyond.json<any>()).error).toBe("invalid_scope");

    const verify = await api("/api/v1/apps/verify_credentials", { headers: bearer(token.access_token) });
    expect(verify.status).toBe(200);
    // An app token is not a user.
    const userinfo = await api("/oauth/userinfo", { headers: bearer(token.access_token) });
    expect(userinfo.status).toBe(422);
  });
});

describe("POST /oauth/revoke", () => {
  async function userToken(app: App) {
    const code = await codeFrom(await authorize(app, await newUser()));
    return (await (await exchange(app, code)).json<any>()).access_token as string;
  }

  function revoke(fields: Record<string, string>, headers: Record<string, string> = {}) {
    return api("/oauth/revoke", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(fields).toString() });
  }

  it("revokes a user token of the client", async () => {
    const app = await registerApp("icecubesapp://");
    const token = await userToken(app);
    expect((await api("/oauth/userinfo", { headers: bearer(token) })).status).toBe(200);
    const res = await revoke({ token, client_id: app.client_id, client_secret: app.client_secret });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(await res.json()).toEqual({});
    expect((await api("/oauth/userinfo", { headers: bearer(token) })).status).toBe(401);
  });

  it("revokes an app token, with credentials in HTTP Basic", async () => {
    const app = await registerApp("icecubesapp://");
    const issued = await tokenRequest({ grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret });
    const token = (await issued.json<any>()).access_token;
    const res = await revoke({ token }, { authorization: `Basic ${btoa(`${app.client_id}:${app.client_secret}`)}` });
    expect(res.status).toBe(200);
    expect((await api("/api/v1/apps/verify_credentials", { headers: bearer(token) })).status).toBe(401);
  });

  it("answers 200 for unknown tokens and leaves other clients' tokens alone", async () => {
    const app = await registerApp("icecubesapp://");
    const other = await registerApp("icecubesapp://");
    const token = await userToken(app);
    expect((await revoke({ token: "unknown", client_id: other.client_id, client_secret: other.client_secret })).status).toBe(200);
    const foreign = await revoke({ token, client_id: other.client_id, client_secret: other.client_secret });
    expect(foreign.status).toBe(200);
    expect((await api("/oauth/userinfo", { headers: bearer(token) })).status).toBe(200);
  });

  it("answers 401 invalid_client for bad client credentials and 400 without a token", async () => {
    const app = await registerApp("icecubesapp://");
    const bad = await revoke({ token: "t", client_id: app.client_id, client_secret: "nope" });
    expect(bad.status).toBe(401);
    expect((await bad.json<any>()).error).toBe("invalid_client");
    const none = await revoke({ client_id: app.client_id, client_secret: app.client_secret });
    expect(none.status).toBe(400);
    expect((await none.json<any>()).error).toBe("invalid_request");
  });
});

describe("GET /oauth/userinfo", () => {
  it("returns OIDC claims for a token with profile or read", async () => {
    const user = await newUser();
    for (const scopes of [["profile"], ["read"], ["read:accounts"]]) {
      const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(user.id));
      const issued = await stub.issueToken({ clientId: "userinfo-test-client", name: "t", website: null }, scopes);
      if (!issued.ok) throw new Error("issueToken");
      const res = await api("/oauth/userinfo", { headers: bearer(issued.value.access_token) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        iss: `${BASE}/`,
        sub: `${BASE}/users/${user.username}`,
        name: "",
        preferred_username: user.username,
        profile: `${BASE}/@${user.username}`,
        picture: expect.stringMatching(/^https:\/\/pronghorn\.test\//),
      });
    }
  });

  it("answers 403 when the token lacks the scope and 401 without a token", async () => {
    const user = await newUser();
    const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(user.id));
    const issued = await stub.issueToken({ clientId: "userinfo-test-client", name: "t", website: null }, ["write"]);
    if (!issued.ok) throw new Error("issueToken");
    const res = await api("/oauth/userinfo", { headers: bearer(issued.value.access_token) });
    expect(res.status).toBe(403);
    expect((await res.json<any>()).error).toMatch(/outside the authorized scopes/);
    expect((await api("/oauth/userinfo")).status).toBe(401);
  });
});

describe("GET /.well-known/oauth-authorization-server", () => {
  it("advertises the endpoints, scopes, grants and PKCE methods", async () => {
    const res = await api("/.well-known/oauth-authorization-server");
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const body = await res.json<any>();
    expectSchema(body, "DiscoverOauthServerConfigurationResponse");
    expect(body).toMatchObject({
      issuer: `${BASE}/`,
      authorization_endpoint: `${BASE}/oauth/authorize`,
      token_endpoint: `${BASE}/oauth/token`,
      revocation_endpoint: `${BASE}/oauth/revoke`,
      userinfo_endpoint: `${BASE}/oauth/userinfo`,
      app_registration_endpoint: `${BASE}/api/v1/apps`,
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code", "client_credentials"],
      code_challenge_methods_supported: ["S256", "plain"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    });
    expect(body.scopes_supported).toEqual(ALL_SCOPES);
  });
});
