import type { Router } from "../router";
import type { Ctx } from "../context";
import { notFound, unwrap } from "../../lib/result";
import { userToken } from "../http/auth";
import { json } from "../http/respond";
import { linkHeader, readPage } from "../http/pagination";
import { accountStub } from "../../core/stubs";
import { parseOrFail } from "../../schemas/accounts";
import { interactionPolicySchema } from "../../schemas/statuses";
import { locateStatusOwners, STATUS_ID } from "../../objects/status-index/locate";
import { findLocalUsername } from "../directory-cache";
import { statusUri } from "../../core/serializers/status";
import { quoteAuthorizationDocument } from "../../core/activitypub/note";
import { activityJson } from "../activitypub/negotiate";
import { fetchStatuses, renderStatus, renderViewed, viewFor, visibleStatus } from "./statuses";

/**
 * Quote posts (Mastodon 4.5): the quotes of a status, revoking one, and who may quote a status.
 * Quoting itself is `quoted_status_id` on posting and editing (statuses.ts, status-drafts.ts).
 */
export function registerQuotes(router: Router): void {
  router.get("/api/v1/statuses/:id/quotes", quotesOf);
  router.post("/api/v1/statuses/:id/quotes/:quoting_status_id/revoke", revoke);
  router.put("/api/v1/statuses/:id/interaction_policy", interactionPolicy);
  router.get("/users/:username/statuses/:id/quotes/:quoting_status_id", authorization);
}

function routeId(c: Ctx, name: "id" | "quoting_status_id"): string {
  const id = c.route[name];
  if (!id || !STATUS_ID.test(id)) throw notFound();
  return id;
}

/** Accepted quotes, newest first (the quoted author also sees pending ones); paged by quote. */
async function quotesOf(c: Ctx): Promise<Response> {
  const auth = await userToken(c);
  const id = routeId(c, "id");
  const page = readPage(await c.params(), 20, 40);
  const owner = (await locateStatusOwners(c.env, [id])).get(id);
  // Quotes are kept by a local author's object; a remote status's quotes are its server's to list.
  const found = owner && !owner.actorUri ? await accountStub(c.env, owner.accountId).statusQuotes(id, auth.accountId, page) : null;
  if (!found?.ok) throw notFound();
  const quoting = await fetchStatuses(c, found.value.items.map((i) => i.id), auth.accountId);
  const viewed = await viewFor(c, auth, [found.value.status, ...quoting], "single");
  if (!viewed.statuses.some((s) => s.id === id)) throw notFound();
  const link = linkHeader(c.url, found.value.items, (i) => i.cursor);
  return json(
    renderViewed(c, auth, viewed, viewed.statuses.filter((s) => s.id !== id)),
    link ? { headers: { link } } : {},
  );
}

/** Only the quoted status's author may revoke; the answer is the quoting status, now `revoked`. */
async function revoke(c: Ctx): Promise<Response> {
  const auth = await userToken(c);
  const id = routeId(c, "id");
  const quotingId = routeId(c, "quoting_status_id");
  unwrap(await accountStub(c.env, auth.accountId).quotes(auth.token, { op: "revoke", statusId: id, quotingId }));
  const { status, viewed } = await visibleStatus(c, auth, quotingId);
  return json(renderStatus(c, status, viewed));
}

async function interactionPolicy(c: Ctx): Promise<Response> {
  const auth = await userToken(c);
  const id = routeId(c, "id");
  const { quote_approval_policy: policy } = parseOrFail(interactionPolicySchema, await c.params());
  const out = unwrap(await accountStub(c.env, auth.accountId).quotes(auth.token, { op: "policy", statusId: id, policy }));
  if (!("status" in out)) throw notFound();
  return json(renderStatus(c, out.status, out));
}

/** The QuoteAuthorization of a standing quote of a local status (FEP-044f); 404 once revoked. */
async function authorization(c: Ctx): Promise<Response> {
  const id = routeId(c, "id");
  const quotingId = routeId(c, "quoting_status_id");
  const owner = await findLocalUsername(c.env, c.route.username ?? "");
  if (!owner || !owner.approved) throw notFound();
  const found = await accountStub(c.env, owner.id).quoteAuthorization(id, quotingId);
  if (!found) throw notFound();
  const quotingUri = found.quotingUri ?? (await fetchStatuses(c, [quotingId], found.quoterId)).map((s) => statusUri(c, s))[0];
  if (!quotingUri) throw notFound();
  return activityJson(quoteAuthorizationDocument(c, found.status, quotingId, quotingUri));
}
