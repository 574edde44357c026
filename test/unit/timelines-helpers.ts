import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import { api, bearer, jsonBody, registerUser, uniqueName, type TestUser } from "./helpers";
import type { AccountObject } from "../../objects/account/account-object";
import type { TimelineObject } from "../../objects/timeline/timeline-object";
import { toSnapshot, type AccountSnapshot, type StatusRecord } from "../../schemas/records";
import { snowflake } from "../../lib/ids";

/**
 * Helpers of the timelines/notifications tests. State is made through the real API (posting,
 * following) and durable jobs are run by driving the objects' alarms, as production does.
 */
export const accountStub = (id: string) => env.ACCOUNT.get(env.ACCOUNT.idFromName(id));
export const publicStub = () => env.TIMELINE.get(env.TIMELINE.idFromName("public"));
export const tagStub = (tag: string) => env.TIMELINE.get(env.TIMELINE.idFromName(`tag:${tag.toLowerCase()}`));

export async function users(...prefixes: string[]): Promise<TestUser[]> {
  return Promise.all(prefixes.map((p) => registerUser(uniqueName(p))));
}

export async function follow(follower: TestUser, target: TestUser, options: Record<string, unknown> = {}): Promise<void> {
  const res = await api(`/api/v1/accounts/${target.id}/follow`, jsonBody("POST", options, follower.token));
  expect(res.status, await res.clone().text()).toBe(200);
}

/** Posts through the API and returns the Status entity. */
export async function post(author: TestUser, body: Record<string, unknown>): Promise<any> {
  const res = await api("/api/v1/statuses", jsonBody("POST", body, author.token));
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

export async function call(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any; link: string | null }> {
  const init: RequestInit = body !== undefined ? jsonBody(method, body, token) : { method, headers: token ? bearer(token) : {} };
  const res = await api(path, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, link: res.headers.get("link") };
}

export const get = (path: string, token?: string) => call("GET", path, token);

/** The `max_id`/`min_id` of a Link header's `next`/`prev` link. */
export function linkParam(link: string | null, rel: "next" | "prev"): string | null {
  const m = link?.match(new RegExp(`<([^>]+)>; rel="${rel}"`));
  if (!m) return null;
  return new URL(m[1]).searchParams.get(rel === "next" ? "max_id" : "min_id");
}

function dueJobs(stub: DurableObjectStub<AccountObject> | DurableObjectStub<TimelineObject>): Promise<number> {
  return runInDurableObject(stub as DurableObjectStub<AccountObject>, (o: AccountObject | TimelineObject) =>
    o.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox WHERE next_at <= ?", Date.now()).one().n,
  );
}

/** Runs the due durable jobs of these accounts (and timeline objects) until none is left. */
export async function settle(accounts: TestUser[], timelines: string[] = []): Promise<void> {
  const stubs = [...accounts.map((u) => accountStub(u.id)), ...timelines.map((t) => (t === "public" ? publicStub() : tagStub(t)))];
  for (let round = 0; round < 20; round++) {
    let ran = 0;
    for (const stub of stubs) {
      if ((await dueJobs(stub)) > 0) {
        await runDurableObjectAlarm(stub as DurableObjectStub<AccountObject>);
        ran++;
      }
    }
    if (ran === 0) return;
  }
  throw new Error("jobs did not settle");
}

/** Posts and runs the fan-out. */
export async function publish(author: TestUser, body: Record<string, unknown>, audience: TestUser[] = []): Promise<any> {
  const status = await post(author, body);
  await settle([author, ...audience]);
  return status;
}

export async function homeIds(user: TestUser, query = ""): Promise<string[]> {
  const res = await get(`/api/v1/timelines/home${query}`, user.token);
  expect(res.status).toBe(200);
  return res.body.map((s: any) => s.id);
}

/** A StatusRecord as an author's object would write it (for seeding large timelines). */
export async function recordBy(author: TestUser, overrides: Partial<StatusRecord> = {}): Promise<StatusRecord> {
  return statusRecordOf(toSnapshot((await accountStub(author.id).get())!), overrides);
}

/** A StatusRecord by any account (local or remote snapshot). */
export function statusRecordOf(account: AccountSnapshot, overrides: Partial<StatusRecord> = {}): StatusRecord {
  const id = overrides.id ?? snowflake();
  return {
    id,
    uri: null,
    url: null,
    account,
    in_reply_to_id: null,
    in_reply_to_account_id: null,
    conversation_id: id,
    reblog: null,
    content: `<p>seeded ${id}</p>`,
    spoiler_text: "",
    visibility: "public",
    sensitive: false,
    language: "en",
    created_at: new Date().toISOString(),
    edited_at: null,
    replies_count: 0,
    reblogs_count: 0,
    favourites_count: 0,
    mentions: [],
    tags: [],
    poll: null,
    application: null,
    ...overrides,
  };
}
