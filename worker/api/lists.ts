import type { Router } from "../router";
import type { Ctx } from "../context";
import { unwrap } from "../../lib/result";
import { userObject } from "../http/auth";
import { json } from "../http/respond";
import { readPage } from "../http/pagination";
import { accountsJson, routeId } from "../http/account-pages";
import { serializeList } from "../../core/serializers/list";
import { serializeAccount } from "../../core/serializers/account";
import { parseOrFail } from "../../schemas/accounts";
import { createListSchema, listAccountsSchema, updateListSchema } from "../../schemas/graph";

/**
 * Lists: CRUD, members (accounts the caller follows), and which of the caller's lists hold an
 * account. The list timeline itself is in timelines.ts.
 */
export function registerLists(router: Router): void {
  router.get("/api/v1/lists", index);
  router.post("/api/v1/lists", create);
  router.get("/api/v1/lists/:id", show);
  router.put("/api/v1/lists/:id", update);
  router.delete("/api/v1/lists/:id", destroy);
  router.get("/api/v1/lists/:id/accounts", members);
  router.post("/api/v1/lists/:id/accounts", addMembers);
  router.delete("/api/v1/lists/:id/accounts", removeMembers);
  router.get("/api/v1/accounts/:id/lists", listsWithAccount);
}

async function index(c: Ctx): Promise<Response> {
  const { token, stub } = await userObject(c, "read:lists");
  return json(unwrap(await stub.lists(token)).map(serializeList));
}

async function create(c: Ctx): Promise<Response> {
  const { token, stub } = await userObject(c, "write:lists");
  const input = parseOrFail(createListSchema, await c.params());
  return json(serializeList(unwrap(await stub.createList(token, input))));
}

async function show(c: Ctx): Promise<Response> {
  const id = routeId(c);
  const { token, stub } = await userObject(c, "read:lists");
  return json(serializeList(unwrap(await stub.getList(token, id))));
}

async function update(c: Ctx): Promise<Response> {
  const id = routeId(c);
  const { token, stub } = await userObject(c, "write:lists");
  const input = parseOrFail(updateListSchema, await c.params());
  return json(serializeList(unwrap(await stub.updateList(token, id, input))));
}

async function destroy(c: Ctx): Promise<Response> {
  const id = routeId(c);
  const { token, stub } = await userObject(c, "write:lists");
  return json(unwrap(await stub.deleteList(token, id)));
}

/** `limit=0` returns every member without paging, as Mastodon does. */
async function members(c: Ctx): Promise<Response> {
  const id = routeId(c);
  const { token, stub } = await userObject(c, "read:lists");
  const params = await c.params();
  const page = params.limit === "0" || params.limit === 0 ? null : readPage(params, 40, 80);
  const entries = unwrap(await stub.listMembers(token, id, page));
  return page ? accountsJson(c, entries) : json(entries.map((e) => serializeAccount(e.account, c)));
}

async function addMembers(c: Ctx): Promise<Response> {
  const id = routeId(c);
  const { token, stub } = await userObject(c, "write:lists");
  const { account_ids } = parseOrFail(listAccountsSchema, await c.params());
  return json(unwrap(await stub.addListMembers(token, id, account_ids)));
}

async function removeMembers(c: Ctx): Promise<Response> {
  const id = routeId(c);
  const { token, stub } = await userObject(c, "write:lists");
  const { account_ids } = parseOrFail(listAccountsSchema, await c.params());
  return json(unwrap(await stub.removeListMembers(token, id, account_ids)));
}

async function listsWithAccount(c: Ctx): Promise<Response> {
  const id = routeId(c);
  const { token, stub } = await userObject(c, "read:lists");
  return json(unwrap(await stub.listsWithAccount(token, id)).map(serializeList));
}
