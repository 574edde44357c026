import { createRestAPIClient, type mastodon } from "masto";
import type { LocalServer } from "./server";

/**
 * Staff accounts for the moderation end-to-end tests: created through the operator set-up
 * endpoint (as `npm run create-account` does), then signed in as an app does, through the
 * sign-in and consent pages, for a token with the admin scopes.
 */
export interface Staff {
  client: mastodon.rest.Client;
  id: string;
  username: string;
  email: string;
  password: string;
  token: string;
}

const SCOPES = "read write push admin:read admin:write";
const OOB = "urn:ietf:wg:oauth:2.0:oob";

export async function createStaff(server: LocalServer, username: string, role: "moderator" | "admin" | "owner" = "admin"): Promise<Staff> {
  const email = `${username}@example.com`;
  const password = `${username} password 1`;
  const created = await fetch(`${server.origin}/api/v1/pronghorn/setup/accounts`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${server.setupToken}` },
    body: JSON.stringify({ username, email, password, role }),
  });
  if (created.status !== 200) throw new Error(`set-up account: ${created.status} ${await created.text()}`);
  const token = await signInForToken(server, email, password);
  const client = createRestAPIClient({ url: server.origin, accessToken: token });
  const me = await client.v1.accounts.verifyCredentials();
  return { client, id: me.id, username, email, password, token };
}

/** The hidden inputs of the form that posts to `action`. */
function hiddenFields(html: string, action: string): Record<string, string> {
  const start = html.indexOf(`action="${action}"`);
  if (start < 0) throw new Error(`no form posting to ${action}`);
  const form = html.slice(start, html.indexOf("</form>", start));
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[m[1]] = m[2].replace(/&amp;/g, "&");
  return fields;
}

/** authorize → sign-in form → consent → out-of-band code → token. */
async function signInForToken(server: LocalServer, login: string, password: string): Promise<string> {
  const cookies = new Map<string, string>();
  const go = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (cookies.size) headers.set("cookie", [...cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(path.startsWith("http") ? path : `${server.origin}${path}`, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(";")[0];
      cookies.set(pair.slice(0, pair.indexOf("=")).trim(), pair.slice(pair.indexOf("=") + 1).trim());
    }
    return res;
  };
  const form = (path: string, fields: Record<string, string>) =>
    go(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() });

  const app = (await (
    await fetch(`${server.origin}/api/v1/apps`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_name: "moderation e2e", redirect_uris: OOB, scopes: SCOPES }),
    })
  ).json()) as { client_id: string; client_secret: string };
  const authorize = `/oauth/authorize?${new URLSearchParams({ client_id: app.client_id, redirect_uri: OOB, response_type: "code", scope: SCOPES })}`;
  const signInPage = await go(authorize);
  const signedIn = await form("/auth/sign_in", { ...hiddenFields(await signInPage.text(), "/auth/sign_in"), login, password });
  if (signedIn.status !== 302) throw new Error(`sign-in: ${signedIn.status}`);
  const consent = await go(signedIn.headers.get("location")!);
  const approved = await form("/oauth/authorize", { ...hiddenFields(await consent.text(), "/oauth/authorize"), decision: "approve" });
  const codePage = await go(approved.headers.get("location")!);
  const code = (await codePage.text()).match(/<p class="code" id="code">([^<]+)<\/p>/)?.[1];
  if (!code) throw new Error("no authorization code");
  const token = await fetch(`${server.origin}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ grant_type: "authorization_code", client_id: app.client_id, client_secret: app.client_secret, redirect_uri: OOB, code }),
  });
  if (token.status !== 200) throw new Error(`token: ${token.status} ${await token.text()}`);
  return ((await token.json()) as { access_token: string }).access_token;
}
