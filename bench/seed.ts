import { request } from "./load.ts";

/** Seeding through the public Mastodon API, exactly as a client would. */
export async function appToken(origin: string): Promise<string> {
  const app = await postForm(origin, "/api/v1/apps", {
    client_name: "pronghorn-bench",
    redirect_uris: "urn:ietf:wg:oauth:2.0:oob",
    scopes: "read write follow push",
  });
  const token = await postForm(origin, "/oauth/token", {
    grant_type: "client_credentials",
    client_id: app.client_id,
    client_secret: app.client_secret,
    scope: "read write follow push",
  });
  return token.access_token;
}

export async function registerUser(origin: string, appBearer: string, username: string): Promise<{ id: string; token: string }> {
  const reg = await postForm(
    origin,
    "/api/v1/accounts",
    { username, email: `${username}@bench.test`, password: "bench-password-1", agreement: "true", locale: "en" },
    appBearer,
  );
  const me = await getJson(origin, "/api/v1/accounts/verify_credentials", reg.access_token);
  return { id: me.id, token: reg.access_token };
}

export async function postForm(origin: string, path: string, fields: Record<string, string | string[]>, bearer?: string): Promise<any> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
  const res = await request(origin, path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: body.toString(),
  });
  if (res.status >= 300) throw new Error(`POST ${path} → ${res.status} ${res.body}`);
  return JSON.parse(res.body);
}

export async function getJson(origin: string, path: string, bearer?: string): Promise<any> {
  const res = await request(origin, path, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  if (res.status >= 300) throw new Error(`GET ${path} → ${res.status} ${res.body}`);
  return JSON.parse(res.body);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}
