import type { Ctx } from "../context";
import { notFound } from "../../lib/result";
import { json } from "./respond";
import { linkHeader } from "./pagination";
import { serializeAccount } from "../../core/serializers/account";
import type { AccountEntry } from "../../objects/account/graph-reads";

/** Helpers shared by the social-graph API families (follows, relationships, lists, tags). */

const DIGIT_ID = /^\d{1,20}$/;

/** A digit id from the route (`:id` by default); anything else is an unknown record. */
export function routeId(c: Ctx, key = "id"): string {
  const id = c.route[key] ?? "";
  if (!DIGIT_ID.test(id)) throw notFound();
  return id;
}

/** A JSON array with the `Link` header clients page by (cursor: each item's row id). */
export function pagedJson<T>(c: Ctx, items: T[], cursor: (item: T) => string, serialize: (item: T) => unknown): Response {
  const link = linkHeader(c.url, items, cursor);
  return json(items.map(serialize), link ? { headers: { link } } : {});
}

/** Account entries (followers, blocks, list members...) as Account entities, paged. */
export function accountsJson(c: Ctx, entries: AccountEntry[]): Response {
  return pagedJson(c, entries, (e) => e.cursor, (e) => serializeAccount(e.account, c));
}
