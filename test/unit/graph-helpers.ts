import { env, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import { api, bearer, jsonBody, registerUser, uniqueName, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";

/** Small helpers for the social-graph tests (graph*, lists, tags). */

export async function user(prefix = "g", scopes?: string[]): Promise<TestUser> {
  return registerUser(uniqueName(prefix), scopes ? { scopes } : {});
}

export function get(path: string, token?: string): Promise<Response> {
  return api(path, token ? { headers: bearer(token) } : {});
}

export function post(path: string, token: string, body: unknown = {}): Promise<Response> {
  return api(path, jsonBody("POST", body, token));
}

export function send(method: string, path: string, token: string, body: unknown = {}): Promise<Response> {
  return api(path, jsonBody(method, body, token));
}

/** Expects a 200 Relationship and returns it. */
export async function relationship(res: Response): Promise<any> {
  expect(res.status, await res.clone().text()).toBe(200);
  const body = await res.json();
  expectSchema(body, "Relationship");
  return body;
}

export async function follow(from: TestUser, to: TestUser, body: unknown = {}): Promise<any> {
  return relationship(await post(`/api/v1/accounts/${to.id}/follow`, from.token, body));
}

export async function lock(u: TestUser): Promise<void> {
  const res = await send("PATCH", "/api/v1/accounts/update_credentials", u.token, { locked: true });
  expect(res.status).toBe(200);
}

export async function account(id: string, token?: string): Promise<any> {
  const res = await get(`/api/v1/accounts/${id}`, token);
  expect(res.status).toBe(200);
  return res.json();
}

export async function relationshipsOf(viewer: TestUser, ...ids: string[]): Promise<any[]> {
  const qs = ids.map((id) => `id[]=${id}`).join("&");
  const res = await get(`/api/v1/accounts/relationships?${qs}`, viewer.token);
  expect(res.status).toBe(200);
  const body = (await res.json()) as any[];
  for (const r of body) expectSchema(r, "Relationship");
  return body;
}

/** Runs SQL in a user's object (for asserting stored state the API does not show directly). */
export async function rows<T = any>(userId: string, query: string, ...params: unknown[]): Promise<T[]> {
  const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(userId));
  return runInDurableObject(stub, async (_instance, state) => state.storage.sql.exec(query, ...(params as any[])).toArray() as T[]);
}

/** Polls until `check` passes (durable jobs run on alarms, shortly after the request). */
export async function eventually(check: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Parses a `Link` header into { next, prev } URLs. */
export function links(res: Response): { next?: string; prev?: string } {
  const header = res.headers.get("link") ?? "";
  const out: { next?: string; prev?: string } = {};
  for (const part of header.split(",")) {
    const m = part.match(/<([^>]+)>;\s*rel="(next|prev)"/);
    if (m) out[m[2] as "next" | "prev"] = m[1];
  }
  return out;
}

/** The path and query of an absolute URL from a Link header. */
export function pathOf(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}
