import { createOAuthAPIClient, createRestAPIClient, type mastodon } from "masto";
import type { LocalServer } from "./server";

/**
 * Shared by the federation end-to-end tests: people signed up through the real API, and
 * bounded waits (federation is asynchronous on both sides: durable jobs, delivery queues and
 * inbox processing run by alarms).
 */

const SCOPES = "read write follow push";
/** Every step waits at most this long for federation to do its part. */
export const STEP_WAIT_MS = 10_000;

export interface Person {
  client: mastodon.rest.Client;
  id: string;
  username: string;
  token: string;
  /** Actor URI on its own server. */
  uri: string;
}

export async function signUp(server: LocalServer, username: string): Promise<Person> {
  const anonymous = createRestAPIClient({ url: server.origin });
  const app = await anonymous.v1.apps.create({ clientName: "federation e2e", redirectUris: "urn:ietf:wg:oauth:2.0:oob", scopes: SCOPES });
  const oauth = createOAuthAPIClient({ url: server.origin });
  const appToken = await oauth.token.create({ grantType: "client_credentials", clientId: app.clientId!, clientSecret: app.clientSecret!, scope: SCOPES, redirectUri: "urn:ietf:wg:oauth:2.0:oob" });
  const registrar = createRestAPIClient({ url: server.origin, accessToken: appToken.accessToken });
  const token = await registrar.v1.accounts.create({ username, email: `${username}@example.com`, password: "correct horse battery", agreement: true, locale: "en" });
  const client = createRestAPIClient({ url: server.origin, accessToken: token.accessToken });
  const me = await client.v1.accounts.verifyCredentials();
  return { client, id: me.id, username, token: token.accessToken, uri: `${server.origin}/users/${username}` };
}

/** Retries `check` (short sleeps) until it returns without throwing, for at most STEP_WAIT_MS. */
export async function eventually<T>(check: () => Promise<T> | T, what = "condition"): Promise<T> {
  const deadline = Date.now() + STEP_WAIT_MS;
  let last: unknown;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const message = last instanceof Error ? last.message : String(last);
      throw new Error(`timed out after ${STEP_WAIT_MS} ms waiting for ${what}: ${message}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Fails with `message` unless `condition` holds (for use inside `eventually`). */
export function ensure(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** The actor URI of an Account entity (Mastodon sends `uri`; masto's type leaves it out). */
export function uriOf(account: { url?: string | null }): string | undefined {
  return (account as { uri?: string }).uri;
}

/** A remote account as `viewer`'s server knows it, found by actor URL (search with resolve). */
export async function resolveAccount(viewer: Person, actorUri: string): Promise<mastodon.v1.Account> {
  const found = await viewer.client.v2.search.list({ q: actorUri, resolve: true, type: "accounts" });
  const account = found.accounts.find((a) => uriOf(a) === actorUri);
  if (!account) throw new Error(`search did not resolve ${actorUri}: ${JSON.stringify(found.accounts.map(uriOf))}`);
  return account;
}

/** The raw JSON of an authenticated GET (for checks masto would hide). */
export async function getJson(server: LocalServer, person: Person, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.origin}${path}`, { headers: { authorization: `Bearer ${person.token}` } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
