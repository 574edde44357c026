import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import type { AccountObject } from "../../objects/account/account-object";
import { api, bearer, jsonBody, must, registerUser, uniqueName, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";

/** Helpers of the statuses tests (statuses*.test.ts, polls.test.ts, scheduled.test.ts). */

export const accountObject = (id: string) => env.ACCOUNT.get(env.ACCOUNT.idFromName(id));

export function newUser(prefix: string, scopes?: string[]): Promise<TestUser> {
  return registerUser(uniqueName(prefix), scopes ? { scopes } : {});
}

/** POST /api/v1/statuses as JSON; returns the response. */
export function postRaw(token: string | null, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  const init = jsonBody("POST", body, token ?? undefined);
  return api("/api/v1/statuses", { ...init, headers: { ...(init.headers as Record<string, string>), ...headers } });
}

/** Posts and checks the answer is a valid Status. */
export async function post(user: TestUser, body: Record<string, unknown>): Promise<any> {
  const res = await postRaw(user.token, body);
  const json: any = await res.json();
  expect(res.status, JSON.stringify(json)).toBe(200);
  expectSchema(json, "Status");
  return json;
}

export async function getJson(path: string, token?: string): Promise<{ status: number; body: any; link: string | null }> {
  const res = await api(path, token ? { headers: bearer(token) } : {});
  return { status: res.status, body: await res.json(), link: res.headers.get("link") };
}

export async function send(method: string, path: string, token: string | null, body?: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const res = await api(path, body ? jsonBody(method, body, token ?? undefined) : { method, headers: token ? bearer(token) : {} });
  return { status: res.status, body: await res.json() };
}

/** A 4xx with a Mastodon error body whose message matches. */
export function expectError(res: { status: number; body: any }, status: number, message?: RegExp): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(typeof res.body.error).toBe("string");
  if (message) expect(res.body.error).toMatch(message);
}

/** `follower` follows `target` through the graph work's account-object method (accepted at once). */
export async function follow(follower: TestUser, target: TestUser): Promise<void> {
  must("follow", await accountObject(follower.id).follow(follower.token, target.id, {}));
}

/** Runs every queued job of an account's object now (jobs due later included), `rounds` times. */
export async function runJobs(accountId: string, rounds = 2): Promise<void> {
  const stub = accountObject(accountId);
  for (let i = 0; i < rounds; i++) {
    await runInDurableObject(stub, (o: AccountObject) => {
      o.sql.exec("UPDATE outbox SET next_at = 1");
      return o.storage.setAlarm(Date.now());
    });
    await runDurableObjectAlarm(stub);
  }
}

export async function inObject<R>(accountId: string, fn: (o: AccountObject) => R | Promise<R>): Promise<R> {
  return runInDurableObject(accountObject(accountId), fn);
}

/** Notifications stored in an account's object (the author-side effects of interactions). */
export function notificationsOf(accountId: string): Promise<{ type: string; from_account_id: string; status_id: string | null }[]> {
  return inObject(accountId, (o) =>
    o.sql.exec<{ type: string; from_account_id: string; status_id: string | null }>("SELECT type, from_account_id, status_id FROM notifications ORDER BY id").toArray(),
  );
}
