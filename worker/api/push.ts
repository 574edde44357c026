import type { Router } from "../router";
import type { Ctx } from "../context";
import { unwrap } from "../../lib/result";
import { fetchPolicy } from "../../lib/federation/safe-fetch";
import { requireUser, userObject } from "../http/auth";
import { json } from "../http/respond";
import { parseNewPushSubscription, parsePushDataChange, type PushSubscriptionRecord } from "../../schemas/push";
import type { PushOp, PushOpResults } from "../../objects/account/push-subscriptions";
import { serializeWebPushSubscription } from "../../core/serializers/push";
import { instanceVapidKey } from "./apps";

/**
 * Web Push subscriptions (`/api/v1/push/subscription`), one per access token, served by the
 * caller's own object, which also checks the `push` scope. Bodies as JSON or Rails-style form
 * fields; keys in base64url or standard base64. `server_key` is the instance's VAPID key as
 * apps see it (`vapid_key`, `configuration.vapid.public_key`).
 */
export function registerPush(router: Router): void {
  router.post("/api/v1/push/subscription", async (c) => {
    const { stub, token } = await userObject(c, "push");
    const input = await scopeFirst(c, parseNewPushSubscription(await c.params(), fetchPolicy(c.env)));
    return render(c, await call(stub, token, { op: "create", input }));
  });
  router.get("/api/v1/push/subscription", async (c) => {
    const { stub, token } = await userObject(c, "push");
    return render(c, await call(stub, token, { op: "get" }));
  });
  router.put("/api/v1/push/subscription", async (c) => {
    const { stub, token } = await userObject(c, "push");
    const change = await scopeFirst(c, (async () => parsePushDataChange(await c.params()))());
    return render(c, await call(stub, token, { op: "update", change }));
  });
  router.delete("/api/v1/push/subscription", async (c) => {
    const { stub, token } = await userObject(c, "push");
    return json(await call(stub, token, { op: "delete" }));
  });
}

/**
 * The object checks the token and scope in the same call that does the work; when the body is
 * already refused here, a token without `push` still gets its 401/403 first, as in Mastodon.
 */
async function scopeFirst<T>(c: Ctx, parsing: Promise<T>): Promise<T> {
  try {
    return await parsing;
  } catch (err) {
    await requireUser(c, "push");
    throw err;
  }
}

type Stub = Awaited<ReturnType<typeof userObject>>["stub"];

async function call<K extends PushOp["op"]>(stub: Stub, token: string, op: Extract<PushOp, { op: K }>): Promise<PushOpResults[K]> {
  return unwrap(await stub.pushSubscription(token, op)) as PushOpResults[K];
}

async function render(c: Ctx, record: PushSubscriptionRecord): Promise<Response> {
  return json(serializeWebPushSubscription(record, await instanceVapidKey(c.env)));
}
