import type { Router } from "../router";
import type { Ctx } from "../context";
import { unwrap } from "../../lib/result";
import { userObject } from "../http/auth";
import { json } from "../http/respond";
import { readPage } from "../http/pagination";
import { accountsJson, routeId } from "../http/account-pages";
import { serializeRelationship } from "../../core/serializers/relationship";
import { parseOrFail } from "../../schemas/accounts";
import { followSchema } from "../../schemas/graph";

/**
 * Following: follow (with reblogs/notify/languages; a locked account gets a request),
 * unfollow, remove_from_followers, and a locked account's follow requests. Each call is one
 * RPC to the caller's object, which talks to the other account's object itself.
 */
export function registerFollows(router: Router): void {
  router.post("/api/v1/accounts/:id/follow", follow);
  router.post("/api/v1/accounts/:id/unfollow", unfollow);
  router.post("/api/v1/accounts/:id/remove_from_followers", removeFromFollowers);
  router.get("/api/v1/follow_requests", followRequests);
  router.post("/api/v1/follow_requests/:id/authorize", authorize);
  router.post("/api/v1/follow_requests/:id/reject", reject);
}

async function follow(c: Ctx): Promise<Response> {
  const id = routeId(c);
  const { token, stub } = await userObject(c, "write:follows");
  const options = parseOrFail(followSchema, await c.params());
  return json(serializeRelationship(unwrap(await stub.follow(token, id, options))));
}

async function unfollow(c: Ctx): Promise<Response> {
  const id = routeId(c);
  const { token, stub } = await userObject(c, "write:follows");
  return json(serializeRelationship(unwrap(await stub.unfollow(token, id))));
}

async function removeFromFollowers(c: Ctx): Promise<Response> {
  const id = routeId(c);
  const { token, stub } = await userObject(c, "write:follows");
  return json(serializeRelationship(unwrap(await stub.removeFromFollowers(token, id))));
}

async function followRequests(c: Ctx): Promise<Response> {
  const { token, stub } = await userObject(c, "read:follows");
  const page = readPage(await c.params(), 40, 80);
  return accountsJson(c, unwrap(await stub.followRequests(token, page)));
}

async function authorize(c: Ctx): Promise<Response> {
  const id = routeId(c);
  const { token, stub } = await userObject(c, "write:follows");
  return json(serializeRelationship(unwrap(await stub.authorizeFollowRequest(token, id))));
}

async function reject(c: Ctx): Promise<Response> {
  const id = routeId(c);
  const { token, stub } = await userObject(c, "write:follows");
  return json(serializeRelationship(unwrap(await stub.rejectFollowRequest(token, id))));
}
