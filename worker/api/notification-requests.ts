import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError, unwrap } from "../../lib/result";
import { userObject } from "../http/auth";
import { json } from "../http/respond";
import { readPage } from "../http/pagination";
import { pagedJson } from "../http/account-pages";
import { boolish, stringList } from "../../schemas/coerce";
import { serializeNotificationRequest } from "../../core/serializers/notification-request";
import type { NotificationRequestOp, PolicyView, RequestsPage } from "../../objects/account/notification-requests";
import { POLICY_KEYS, type NotificationPolicy, type PolicyKey, type PolicyValue } from "../../objects/account/notification-policy";

/**
 * Notification filtering (Mastodon 4.3): the policy (v2, and the older v1 booleans) and the
 * requests that hold each sender's filtered notifications until they are accepted or
 * dismissed. Everything is the caller's own object, one RPC per call.
 */
export function registerNotificationRequests(router: Router): void {
  router.get("/api/v2/notifications/policy", async (c) => json(policyV2(await policyCall(c, { op: "policy" }))));
  // Rails' `resource … only: :update` routes both PATCH and PUT (masto sends PUT).
  for (const method of ["patch", "put"] as const) {
    router[method]("/api/v2/notifications/policy", async (c) => json(policyV2(await policyCall(c, { op: "setPolicy", changes: await v2Changes(c) }))));
  }
  router.get("/api/v1/notifications/policy", async (c) => json(policyV1(await policyCall(c, { op: "policy" }))));
  router.put("/api/v1/notifications/policy", async (c) => json(policyV1(await policyCall(c, { op: "setPolicy", changes: await v1Changes(c) }))));
  router.patch("/api/v1/notifications/policy", async (c) => json(policyV1(await policyCall(c, { op: "setPolicy", changes: await v1Changes(c) }))));

  router.get("/api/v1/notifications/requests", list);
  // Accepting moves notifications synchronously here, so a merge is never pending.
  router.get("/api/v1/notifications/requests/merged", async (c) => {
    await userObject(c, "read:notifications");
    return json({ merged: true });
  });
  router.post("/api/v1/notifications/requests/accept", (c) => decideBulk(c, "accept"));
  router.post("/api/v1/notifications/requests/dismiss", (c) => decideBulk(c, "dismiss"));
  router.get("/api/v1/notifications/requests/:id", show);
  router.post("/api/v1/notifications/requests/:id/accept", (c) => decideOne(c, "accept"));
  router.post("/api/v1/notifications/requests/:id/dismiss", (c) => decideOne(c, "dismiss"));
}

const VALUES = new Set<PolicyValue>(["accept", "filter", "drop"]);
const V1_KEYS: Record<string, PolicyKey> = {
  filter_not_following: "for_not_following",
  filter_not_followers: "for_not_followers",
  filter_new_accounts: "for_new_accounts",
  filter_private_mentions: "for_private_mentions",
};
const DIGITS = /^\d{1,20}$/;
/** Mastodon's page size for requests: 40 by default, 80 at most. */
const DEFAULT_LIMIT = 40;
const MAX_LIMIT = 80;

async function call(c: Ctx, op: NotificationRequestOp) {
  const scope = op.op === "policy" || op.op === "list" || op.op === "get" ? "read:notifications" : "write:notifications";
  const { stub, token } = await userObject(c, scope);
  return unwrap(await stub.notificationRequests(token, op));
}

async function policyCall(c: Ctx, op: NotificationRequestOp): Promise<PolicyView> {
  return (await call(c, op)) as PolicyView;
}

function policyV2(view: PolicyView) {
  return { ...view.policy, summary: view.summary };
}

function policyV1(view: PolicyView) {
  const v1 = Object.fromEntries(Object.entries(V1_KEYS).map(([name, key]) => [name, view.policy[key] !== "accept"]));
  return { ...v1, summary: view.summary };
}

function invalid(key: string, description: string): ApiError {
  return new ApiError(422, `Validation failed: ${key} ${description}`, { details: { [key]: [{ error: "ERR_INCLUSION", description: "is not included in the list" }] } });
}

async function v2Changes(c: Ctx): Promise<Partial<NotificationPolicy>> {
  const params = await c.params();
  const changes: Partial<NotificationPolicy> = {};
  for (const key of POLICY_KEYS) {
    const value = params[key];
    if (value === undefined || value === null || value === "") continue;
    if (typeof value !== "string" || !VALUES.has(value as PolicyValue)) throw invalid(key, "must be accept, filter or drop");
    changes[key] = value as PolicyValue;
  }
  return changes;
}

/** The v1 booleans: true filters that category, false accepts it. */
async function v1Changes(c: Ctx): Promise<Partial<NotificationPolicy>> {
  const params = await c.params();
  const changes: Partial<NotificationPolicy> = {};
  for (const [name, key] of Object.entries(V1_KEYS)) {
    if (params[name] === undefined || params[name] === null) continue;
    const parsed = boolish.safeParse(params[name]);
    if (!parsed.success) throw invalid(name, "must be true or false");
    changes[key] = parsed.data ? "filter" : "accept";
  }
  return changes;
}

async function list(c: Ctx): Promise<Response> {
  const page = (await call(c, { op: "list", window: readPage(await c.params(), DEFAULT_LIMIT, MAX_LIMIT) })) as RequestsPage;
  return pagedJson(c, page.requests, (r) => r.id, (r) => serializeNotificationRequest(r, c, page.flags));
}

/** A malformed id still goes through the token check first; "0" is never a request. */
function requestId(c: Ctx): string {
  return DIGITS.test(c.route.id ?? "") ? c.route.id : "0";
}

async function show(c: Ctx): Promise<Response> {
  const id = requestId(c);
  const page = (await call(c, { op: "get", id })) as RequestsPage;
  return json(serializeNotificationRequest(page.requests[0], c, page.flags));
}

async function decideOne(c: Ctx, op: "accept" | "dismiss"): Promise<Response> {
  const id = requestId(c);
  await call(c, { op, ids: [id], bulk: false });
  return json({});
}

/** `id[]=…`: unknown ids are skipped, as Mastodon's bulk actions do. */
async function decideBulk(c: Ctx, op: "accept" | "dismiss"): Promise<Response> {
  const parsed = stringList.safeParse((await c.params()).id ?? []);
  if (!parsed.success) throw new ApiError(422, "Validation failed: id must be a list of request ids");
  const ids = [...new Set(parsed.data.filter((id) => DIGITS.test(id)))].slice(0, MAX_LIMIT);
  await call(c, { op, ids, bulk: true });
  return json({});
}
