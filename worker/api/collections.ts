import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError, notFound, unwrap } from "../../lib/result";
import { optionalUser, requireUser, userObject } from "../http/auth";
import { json } from "../http/respond";
import { routeId } from "../http/account-pages";
import { accountStub, collectionIndexStub } from "../../core/stubs";
import { serializeCollection, serializeCollectionItem, serializeCollectionWithAccounts } from "../../core/serializers/collection";
import { parseOrFail } from "../../schemas/accounts";
import { collectionPageSchema, createCollectionSchema, updateCollectionSchema, type CollectionRecord, type OffsetPage } from "../../schemas/collections";
import type { CollectionOp } from "../../objects/account/collections";
import { remoteActorUriOf } from "../../objects/federation/account-owners";

/**
 * Featured collections (Mastodon 4.6): accounts a user recommends, kept by the curator's object.
 * A collection id finds its owner through the collection index (`collectionIndexStub`). Reads
 * are public (a token is optional); writes are the owner's, except `revoke`, which is the
 * featured account's. Collections are not federated.
 */
export function registerCollections(router: Router): void {
  router.post("/api/v1/collections", create);
  router.get("/api/v1/collections/:id", show);
  // Rails routes PUT to update as well; masto sends it.
  for (const method of ["patch", "put"] as const) {
    router[method]("/api/v1/collections/:id", (c) => ownerOp(c, "id", async () => ({ op: "update", id: c.route.id, input: parseOrFail(updateCollectionSchema, await c.params()) })));
  }
  router.delete("/api/v1/collections/:id", (c) => ownerOp(c, "id", async () => ({ op: "delete", id: c.route.id })));
  router.post("/api/v1/collections/:collection_id/items", (c) => ownerOp(c, "collection_id", addItemOp(c)));
  router.delete("/api/v1/collections/:collection_id/items/:id", (c) =>
    ownerOp(c, "collection_id", async () => ({ op: "removeItem", id: c.route.collection_id, itemId: c.route.id })),
  );
  router.post("/api/v1/collections/:collection_id/items/:id/revoke", revoke);
  router.get("/api/v1/accounts/:account_id/collections", accountCollections);
  router.get("/api/v1/accounts/:account_id/in_collections", inCollections);
}

async function create(c: Ctx): Promise<Response> {
  // Authenticated before the body is judged: a bad token is a 401 whatever it sends.
  const { viewer, token } = await requireUser(c, "write:collections");
  const input = parseOrFail(createCollectionSchema, await c.params());
  const result = unwrap(await accountStub(c.env, viewer.account.id).collections(token, { op: "create", input }));
  return json({ collection: serializeCollection((result as { collection: CollectionRecord }).collection, c) });
}

/** The account holding a collection, or a 404 for an id nobody holds. */
async function ownerOf(c: Ctx, id: string): Promise<string> {
  if (!/^\d{1,20}$/.test(id)) throw notFound();
  const owner = (await collectionIndexStub(c.env, id).locate([id]))[id];
  if (!owner) throw notFound();
  return owner;
}

async function show(c: Ctx): Promise<Response> {
  const caller = await optionalUser(c, "read:collections");
  const owner = await ownerOf(c, c.route.id);
  const found = unwrap(await accountStub(c.env, owner).collectionFor(c.route.id, caller?.viewer.account.id ?? null));
  const [shown] = await withoutBlocked(c, caller, [found]);
  return json(serializeCollectionWithAccounts(shown, c));
}

/** Items whose account the reader blocks are left out, as Mastodon's (`item_count` stays). */
async function withoutBlocked(c: Ctx, caller: { viewer: { account: { id: string } }; token: string } | null, found: CollectionRecord[]): Promise<CollectionRecord[]> {
  const ids = found.flatMap((x) => x.items.map((i) => i.account_id));
  if (!caller || ids.length === 0) return found;
  const blocked = new Set(unwrap(await accountStub(c.env, caller.viewer.account.id).blockingAmong(caller.token, ids)));
  return blocked.size ? found.map((x) => ({ ...x, items: x.items.filter((i) => !blocked.has(i.account_id)) })) : found;
}

/** A write to a collection: unknown → 404, someone else's → 403, then the owner's object does it. */
async function ownerOp(c: Ctx, key: string, makeOp: () => Promise<CollectionOp>): Promise<Response> {
  const { viewer, token } = await requireUser(c, "write:collections");
  const owner = await ownerOf(c, c.route[key]);
  if (owner !== viewer.account.id) throw new ApiError(403, "This action is not allowed");
  const result = unwrap(await accountStub(c.env, owner).collections(token, await makeOp()));
  if ("item" in result) return json({ collection_item: serializeCollectionItem(result.item) });
  if ("collection" in result) return json({ collection: serializeCollection(result.collection, c) });
  return json({});
}

function addItemOp(c: Ctx): () => Promise<CollectionOp> {
  return async () => {
    const accountId = (await c.params()).account_id;
    if (accountId === undefined || accountId === null || accountId === "") throw new ApiError(422, "`account_id` parameter is missing");
    if (typeof accountId !== "string") throw notFound();
    return { op: "addItem", id: c.route.collection_id, accountId };
  };
}

async function revoke(c: Ctx): Promise<Response> {
  const { viewer } = await requireUser(c, "write:collections");
  const owner = await ownerOf(c, c.route.collection_id);
  unwrap(await accountStub(c.env, owner).revokeCollectionItem(c.route.collection_id, c.route.id, viewer.account.id));
  return json({});
}

async function accountCollections(c: Ctx): Promise<Response> {
  const id = routeId(c, "account_id");
  const caller = await optionalUser(c, "read:collections");
  const page = parseOrFail(collectionPageSchema, await c.params());
  // A remote account's collections live on its server; none are fetched here.
  if (await remoteActorUriOf(c.env, id)) return pagedByOffset(c, [], page);
  const stub = accountStub(c.env, id);
  if (!(await stub.get())) throw notFound();
  return pagedByOffset(c, await withoutBlocked(c, caller, await stub.collectionsOf(caller?.viewer.account.id ?? null, page)), page);
}

/** Only one's own: Mastodon answers 403 for another known account, 404 for an unknown one. */
async function inCollections(c: Ctx): Promise<Response> {
  const id = routeId(c, "account_id");
  const { token, stub, accountId } = await userObject(c, "read:collections");
  if (id !== accountId) {
    unwrap(await stub.authorize(token, "read:collections"));
    const known = (await remoteActorUriOf(c.env, id)) !== null || (await accountStub(c.env, id).get()) !== null;
    throw known ? new ApiError(403, "This action is not allowed") : notFound();
  }
  const page = parseOrFail(collectionPageSchema, await c.params());
  return pagedByOffset(c, await withoutBlocked(c, { viewer: { account: { id: accountId } }, token }, unwrap(await stub.inCollections(token, page))), page);
}

/** `{"collections": [...]}` with Mastodon's offset `Link` (next while a page is full, prev after the first). */
function pagedByOffset(c: Ctx, found: CollectionRecord[], page: OffsetPage): Response {
  const at = (offset: number) => {
    const url = new URL(c.url.toString());
    url.search = "";
    url.searchParams.set("limit", String(page.limit));
    url.searchParams.set("offset", String(offset));
    return url.toString();
  };
  const links = [
    ...(found.length === page.limit ? [`<${at(page.offset + page.limit)}>; rel="next"`] : []),
    ...(page.offset > 0 ? [`<${at(Math.max(page.offset - page.limit, 0))}>; rel="prev"`] : []),
  ];
  return json({ collections: found.map((x) => serializeCollection(x, c)) }, links.length ? { headers: { link: links.join(", ") } } : {});
}
