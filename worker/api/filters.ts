import type { Router } from "../router";
import type { Ctx } from "../context";
import { notFound, unwrap } from "../../lib/result";
import { userObject } from "../http/auth";
import { json } from "../http/respond";
import { parseOrFail } from "../../schemas/accounts";
import { filterSchema, filterStatusSchema, keywordSchema, v1FilterSchema } from "../../schemas/timelines";
import { READ_FILTER_OPS, type FilterChanges, type FilterOp, type FilterOpResults } from "../../objects/account/filters";
import { serializeFilter, serializeFilterKeyword, serializeFilterStatus, serializeV1Filter } from "../../core/serializers/filter";

/**
 * Filters v2 (`/api/v2/filters`, keywords and statuses sub-resources) and the v1 view of them
 * (`/api/v1/filters`, one keyword per filter). All served by the caller's own object.
 */
export function registerFilters(router: Router): void {
  router.get("/api/v2/filters", async (c) => json((await call(c, { op: "list" })).map((f) => serializeFilter(f))));
  router.post("/api/v2/filters", async (c) => json(serializeFilter(await call(c, { op: "create", input: await filterChanges(c) }))));
  router.get("/api/v2/filters/:id", async (c) => json(serializeFilter(await call(c, { op: "get", id: routeId(c, "id") }))));
  router.put("/api/v2/filters/:id", async (c) => json(serializeFilter(await call(c, { op: "update", id: routeId(c, "id"), input: await filterChanges(c) }))));
  router.delete("/api/v2/filters/:id", async (c) => json(await call(c, { op: "delete", id: routeId(c, "id") })));

  router.get("/api/v2/filters/:filter_id/keywords", async (c) =>
    json((await call(c, { op: "keywords", filterId: routeId(c, "filter_id") })).map(serializeFilterKeyword)),
  );
  router.post("/api/v2/filters/:filter_id/keywords", async (c) => {
    const input = parseOrFail(keywordSchema, await c.params());
    const added = await call(c, { op: "addKeyword", filterId: routeId(c, "filter_id"), input: { keyword: input.keyword ?? "", whole_word: input.whole_word } });
    return json(serializeFilterKeyword(added));
  });
  router.get("/api/v2/filters/keywords/:id", async (c) => json(serializeFilterKeyword(await call(c, { op: "getKeyword", id: routeId(c, "id") }))));
  router.put("/api/v2/filters/keywords/:id", async (c) => {
    const input = parseOrFail(keywordSchema, await c.params());
    return json(serializeFilterKeyword(await call(c, { op: "updateKeyword", id: routeId(c, "id"), input })));
  });
  router.delete("/api/v2/filters/keywords/:id", async (c) => json(await call(c, { op: "deleteKeyword", id: routeId(c, "id") })));

  router.get("/api/v2/filters/:filter_id/statuses", async (c) =>
    json((await call(c, { op: "statuses", filterId: routeId(c, "filter_id") })).map(serializeFilterStatus)),
  );
  router.post("/api/v2/filters/:filter_id/statuses", async (c) => {
    const { status_id } = parseOrFail(filterStatusSchema, await c.params());
    return json(serializeFilterStatus(await call(c, { op: "addStatus", filterId: routeId(c, "filter_id"), statusId: status_id })));
  });
  router.get("/api/v2/filters/statuses/:id", async (c) => json(serializeFilterStatus(await call(c, { op: "getStatus", id: routeId(c, "id") }))));
  router.delete("/api/v2/filters/statuses/:id", async (c) => json(await call(c, { op: "deleteStatus", id: routeId(c, "id") })));

  router.get("/api/v1/filters", async (c) => json((await call(c, { op: "v1list" })).map(serializeV1Filter)));
  router.post("/api/v1/filters", async (c) => json(serializeV1Filter(await call(c, { op: "v1create", input: parseOrFail(v1FilterSchema, await c.params()) }))));
  router.get("/api/v1/filters/:id", async (c) => json(serializeV1Filter(await call(c, { op: "v1get", id: routeId(c, "id") }))));
  router.put("/api/v1/filters/:id", async (c) =>
    json(serializeV1Filter(await call(c, { op: "v1update", id: routeId(c, "id"), input: parseOrFail(v1FilterSchema, await c.params()) }))),
  );
  router.delete("/api/v1/filters/:id", async (c) => json(await call(c, { op: "v1delete", id: routeId(c, "id") })));
}

/** One RPC to the caller's object; the result type follows the operation. */
async function call<K extends FilterOp["op"]>(c: Ctx, op: Extract<FilterOp, { op: K }>): Promise<FilterOpResults[K]> {
  const { stub, token } = await userObject(c, READ_FILTER_OPS.has(op.op) ? "read:filters" : "write:filters");
  return unwrap(await stub.filters(token, op)) as FilterOpResults[K];
}

function routeId(c: Ctx, name: string): string {
  const id = c.route[name];
  if (!/^\d{1,20}$/.test(id)) throw notFound();
  return id;
}

async function filterChanges(c: Ctx): Promise<FilterChanges> {
  const input = parseOrFail(filterSchema, await c.params());
  return {
    title: input.title,
    context: input.context,
    filter_action: input.filter_action,
    expires_in: input.expires_in,
    keywords: input.keywords_attributes?.map((k) => ({ id: k.id, keyword: k.keyword, whole_word: k.whole_word, destroy: k._destroy === true })),
  };
}
