import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectSchema } from "./openapi";
import { api, BASE, bearer } from "./helpers";
import { OOB, Browser, formFields, queryOf, pkcePair, App, registerApp, authorizePath, signIn, authorize, codeFrom, tokenRequest, exchange, newUser } from "./oauth-helpers";

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
