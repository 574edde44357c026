import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { api, BASE, registerUser, uniqueName, type TestUser } from "./helpers";

// ----- a small browser: cookie jar, manual redirects, forms read from the HTML -----

export const OOB = "urn:ietf:wg:oauth:2.0:oob";

export class Browser {
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

export function unescapeHtml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** The hidden inputs of the form whose action is `action`. */
export function formFields(html: string, action: string): Record<string, string> {
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
export function queryOf(location: string): URLSearchParams {
  const q = location.indexOf("?");
  return new URLSearchParams(q < 0 ? "" : location.slice(q + 1));
}

export async function pkcePair(method: "S256" | "plain" = "S256") {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const verifier = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  if (method === "plain") return { verifier, challenge: verifier };
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const challenge = btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return { verifier, challenge };
}

export interface App {
  id: string;
  client_id: string;
  client_secret: string;
  name: string;
  redirect_uris: string[];
}

export async function registerApp(redirectUris: string | string[], scopes = "read write follow push", name = "Test client"): Promise<App> {
  const res = await api("/api/v1/apps", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: name, redirect_uris: redirectUris, scopes }),
  });
  expect(res.status).toBe(200);
  return res.json<App>();
}

export function authorizePath(app: App, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ client_id: app.client_id, redirect_uri: app.redirect_uris[0], response_type: "code", ...extra });
  return `/oauth/authorize?${q}`;
}

/** Signs in through the sign-in page the authorize URL shows; returns the consent page. */
export async function signIn(browser: Browser, path: string, user: TestUser, login = user.username): Promise<Response> {
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
export async function authorize(app: App, user: TestUser, extra: Record<string, string> = {}, browser = new Browser()): Promise<string> {
  const consent = await signIn(browser, authorizePath(app, extra), user);
  const fields = formFields(await consent.text(), "/oauth/authorize");
  const approved = await browser.post("/oauth/authorize", { ...fields, decision: "approve" });
  expect(approved.status).toBe(302);
  return approved.headers.get("location")!;
}

export async function codeFrom(location: string): Promise<string> {
  if (location.startsWith("/oauth/authorize/native")) {
    const page = await SELF.fetch(`${BASE}${location}`);
    const m = (await page.text()).match(/<p class="code" id="code">([^<]+)<\/p>/);
    return m![1];
  }
  return queryOf(location).get("code")!;
}

export function tokenRequest(fields: Record<string, string>, headers: Record<string, string> = {}) {
  return api("/oauth/token", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(fields) });
}

export function exchange(app: App, code: string, extra: Record<string, string> = {}) {
  return tokenRequest({
    grant_type: "authorization_code",
    client_id: app.client_id,
    client_secret: app.client_secret,
    redirect_uri: app.redirect_uris[0],
    code,
    ...extra,
  });
}

export async function newUser(options: { approved?: boolean } = {}) {
  return registerUser(uniqueName("oauth"), options);
}

// ----- tests -----
