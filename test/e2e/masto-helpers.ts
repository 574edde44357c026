import { createOAuthAPIClient, createRestAPIClient, type mastodon } from "masto";

/** What the end-to-end tests' masto clients ask for. */
export const SCOPES = "read write follow push";

/**
 * Retries `check` until it passes or `waitMs` have passed (then its last error is thrown): fan-out
 * and other background work finish after the API's answer.
 */
export async function eventually<T>(check: () => Promise<T>, waitMs: number): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Registers `username` as a client does: an app, its client-credentials token, then
 * `POST /api/v1/accounts`. Answers the new user's token and a client that uses it.
 */
export async function signUpWithMasto(origin: string, username: string, clientName: string): Promise<{ client: mastodon.rest.Client; token: string }> {
  const anonymous = createRestAPIClient({ url: origin });
  const app = await anonymous.v1.apps.create({ clientName, redirectUris: "urn:ietf:wg:oauth:2.0:oob", scopes: SCOPES });
  const oauth = createOAuthAPIClient({ url: origin });
  const appToken = await oauth.token.create({ grantType: "client_credentials", clientId: app.clientId!, clientSecret: app.clientSecret!, scope: SCOPES });
  const registrar = createRestAPIClient({ url: origin, accessToken: appToken.accessToken });
  const token = await registrar.v1.accounts.create({ username, email: `${username}@example.com`, password: "correct horse battery", agreement: true, locale: "en" });
  return { client: createRestAPIClient({ url: origin, accessToken: token.accessToken }), token: token.accessToken };
}
