import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRestAPIClient } from "masto";
import generator from "megalodon";
import { startServer, type LocalServer } from "./server";

/**
 * Signs in as a Mastodon app does, through the real HTML pages of a running `npm start` server:
 * register an app, open the authorize URL, post the sign-in form, post the consent form, take the
 * code from the redirect (or from the out-of-band page), exchange it with PKCE S256, then use the
 * token with the masto and megalodon client libraries.
 */

/** A browser as far as sign-in needs one: cookies kept per name, redirects left to the caller. */
class Browser {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly origin: string) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(path.startsWith("http") ? path : `${this.origin}${path}`, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
    return res;
  }

  postForm(path: string, fields: Record<string, string>): Promise<Response> {
    return this.fetch(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  }

  has(cookie: string): boolean {
    return this.cookies.has(cookie);
  }
}

function unescapeHtml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** The hidden inputs of the form that posts to `action`. */
function formFields(html: string, action: string): Record<string, string> {
  const start = html.indexOf(`action="${action}"`);
  if (start < 0) throw new Error(`no form posting to ${action} in:\n${html.slice(0, 2000)}`);
  const form = html.slice(start, html.indexOf("</form>", start));
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[unescapeHtml(m[1])] = unescapeHtml(m[2]);
  return fields;
}

/** Query of a Location without URL(): `com.tapbots.Ivory.10217:/request_token?...` is not for a URL parser. */
function queryOf(location: string): URLSearchParams {
  const q = location.indexOf("?");
  return new URLSearchParams(q < 0 ? "" : location.slice(q + 1));
}

function pkce() {
  const verifier = randomBytes(48).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

interface RegisteredApp {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

describe("signing in from Mastodon apps, end to end", () => {
  let server: LocalServer;
  const user = {
    username: `e2e_${Date.now().toString(36)}`,
    email: `e2e_${Date.now().toString(36)}@example.com`,
    password: "a long enough password",
  };

  beforeAll(async () => {
    server = await startServer();
    // Registration through the Mastodon API, with an app token, as an app's sign-up screen does.
    const app = await registerApp("Sign-up", "urn:ietf:wg:oauth:2.0:oob", "json");
    const appToken = await postToken({
      grant_type: "client_credentials",
      client_id: app.client_id,
      client_secret: app.client_secret,
      scope: "read write follow push",
    });
    const res = await fetch(`${server.origin}/api/v1/accounts`, {
      method: "POST",
      headers: { authorization: `Bearer ${appToken.access_token}`, "content-type": "application/json" },
      body: JSON.stringify({ ...user, agreement: true, locale: "en" }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function registerApp(name: string, redirectUris: string, encoding: "json" | "form"): Promise<RegisteredApp> {
    const fields = { client_name: name, redirect_uris: redirectUris, scopes: "read write follow push" };
    const res = await fetch(`${server.origin}/api/v1/apps`, {
      method: "POST",
      headers: { "content-type": encoding === "json" ? "application/json" : "application/x-www-form-urlencoded" },
      body: encoding === "json" ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
    });
    expect(res.status).toBe(200);
    const app = await res.json();
    expect(app.redirect_uris).toEqual([redirectUris]);
    expect(typeof app.id).toBe("string");
    expect(app.website).toBeNull();
    return app;
  }

  async function postToken(fields: Record<string, string>, asQueryString = false) {
    const res = asQueryString
      ? await fetch(`${server.origin}/oauth/token?${new URLSearchParams(fields)}`, { method: "POST" })
      : await fetch(`${server.origin}/oauth/token`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(fields),
        });
    expect(res.status, await res.clone().text()).toBe(200);
    const token = await res.json();
    expect(token.token_type).toBe("Bearer");
    expect(typeof token.created_at).toBe("number");
    return token as { access_token: string; scope: string };
  }

  /** authorize → sign-in form → consent form → the app's redirect; returns the code. */
  async function signInThroughPages(app: RegisteredApp, redirectUri: string, challenge: string, state: string): Promise<string> {
    const browser = new Browser(server.origin);
    const authorizeUrl = `/oauth/authorize?${new URLSearchParams({
      client_id: app.client_id,
      redirect_uri: redirectUri,
      response_type: "code",
      scope: "read write follow push",
      state,
      code_challenge: challenge,
      code_challenge_method: "S256",
    })}`;
    const signInPage = await browser.fetch(authorizeUrl);
    expect(signInPage.status).toBe(200);
    expect(signInPage.headers.get("content-security-policy")).not.toContain("form-action");
    const signInFields = formFields(await signInPage.text(), "/auth/sign_in");

    const signedIn = await browser.postForm("/auth/sign_in", { ...signInFields, login: user.username, password: user.password });
    expect(signedIn.status).toBe(302);
    expect(browser.has("pronghorn_session")).toBe(true);

    const consentPage = await browser.fetch(signedIn.headers.get("location")!);
    expect(consentPage.status).toBe(200);
    const consentHtml = await consentPage.text();
    expect(consentHtml).toContain("Authorize");
    const approved = await browser.postForm("/oauth/authorize", { ...formFields(consentHtml, "/oauth/authorize"), decision: "approve" });
    expect(approved.status).toBe(302);
    const location = approved.headers.get("location")!;

    if (redirectUri === "urn:ietf:wg:oauth:2.0:oob") {
      const page = await browser.fetch(location);
      expect(page.status).toBe(200);
      const code = (await page.text()).match(/<p class="code" id="code">([^<]+)<\/p>/)?.[1];
      expect(code).toBeTruthy();
      return unescapeHtml(code!);
    }
    expect(location.startsWith(`${redirectUri}?`)).toBe(true);
    expect(queryOf(location).get("state")).toBe(state);
    return queryOf(location).get("code")!;
  }

  const clients: { name: string; redirectUri: string; encoding: "json" | "form"; queryStringToken?: boolean }[] = [
    { name: "Ivory", redirectUri: "com.tapbots.Ivory.10217:/request_token", encoding: "json" },
    { name: "Ice Cubes", redirectUri: "icecubesapp://", encoding: "json" },
    { name: "Mammoth", redirectUri: "mammoth://addNewInstance", encoding: "json", queryStringToken: true },
    { name: "Tusky", redirectUri: "oauth2redirect://com.keylesspalace.tusky/", encoding: "form" },
    { name: "Out of band", redirectUri: "urn:ietf:wg:oauth:2.0:oob", encoding: "form" },
  ];

  it.each(clients)("$name: signs in through the pages, then masto and megalodon use the token", async (client) => {
    const app = await registerApp(client.name, client.redirectUri, client.encoding);
    const { verifier, challenge } = pkce();
    const state = `state-${client.name}-${Date.now()}`;
    const code = await signInThroughPages(app, client.redirectUri, challenge, state);

    const token = await postToken(
      {
        grant_type: "authorization_code",
        client_id: app.client_id,
        client_secret: app.client_secret,
        redirect_uri: client.redirectUri,
        code,
        code_verifier: verifier,
      },
      client.queryStringToken,
    );
    expect(token.scope).toBe("read write follow push");

    const masto = createRestAPIClient({ url: server.origin, accessToken: token.access_token });
    const me = await masto.v1.accounts.verifyCredentials();
    expect(me.username).toBe(user.username);
    expect(me.source).toBeDefined();
    const appInfo = await masto.v1.apps.verifyCredentials();
    expect(appInfo.name).toBe(client.name);
    const instance = await masto.v2.instance.fetch();
    expect(instance.version).toMatch(/^4\.\d+\.\d+/);
    const instanceV1 = await masto.v1.instance.fetch();
    expect(instanceV1.uri).toBeTruthy();

    const megalodon = generator("mastodon", server.origin, token.access_token);
    const account = await megalodon.verifyAccountCredentials();
    expect(account.data.username).toBe(user.username);
    const megalodonInstance = await megalodon.getInstance();
    expect(megalodonInstance.data.uri).toBeTruthy();

    // A code is good once.
    const again = await fetch(`${server.origin}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "authorization_code", client_id: app.client_id, client_secret: app.client_secret, redirect_uri: client.redirectUri, code, code_verifier: verifier }),
    });
    expect(again.status).toBe(400);
    expect((await again.json()).error).toBe("invalid_grant");
  });

  it("megalodon's own OAuth helpers register, exchange and revoke", async () => {
    const anonymous = generator("mastodon", server.origin);
    const appData = await anonymous.registerApp("Megalodon", {
      scopes: ["read", "write"],
      redirect_uris: "oauth2redirect://com.keylesspalace.tusky/",
    });
    expect(appData.url).toContain("/oauth/authorize?");
    const app: RegisteredApp = {
      client_id: appData.client_id,
      client_secret: appData.client_secret,
      redirect_uris: ["oauth2redirect://com.keylesspalace.tusky/"],
    };
    // megalodon does not send PKCE; a confidential client may go without.
    const browser = new Browser(server.origin);
    const signInPage = await browser.fetch(appData.url!);
    const signedIn = await browser.postForm("/auth/sign_in", {
      ...formFields(await signInPage.text(), "/auth/sign_in"),
      login: user.email,
      password: user.password,
    });
    const consent = await browser.fetch(signedIn.headers.get("location")!);
    const approved = await browser.postForm("/oauth/authorize", { ...formFields(await consent.text(), "/oauth/authorize"), decision: "approve" });
    const code = queryOf(approved.headers.get("location")!).get("code")!;

    const tokenData = await anonymous.fetchAccessToken(app.client_id, app.client_secret, code, app.redirect_uris[0]);
    const client = generator("mastodon", server.origin, tokenData.access_token);
    expect((await client.verifyAccountCredentials()).data.username).toBe(user.username);

    await anonymous.revokeToken(app.client_id, app.client_secret, tokenData.access_token);
    await expect(client.verifyAccountCredentials()).rejects.toThrow();
  });
});
