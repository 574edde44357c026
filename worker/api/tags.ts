import type { Router } from "../router";
import type { Ctx } from "../context";
import { notFound, unwrap } from "../../lib/result";
import { bearerToken, requireCaller, userObject } from "../http/auth";
import { json } from "../http/respond";
import { readPage } from "../http/pagination";
import { pagedJson, routeId } from "../http/account-pages";
import { accountStub, publicTimelineStub } from "../../core/stubs";
import { remoteActorUriOf } from "../../objects/federation/account-owners";
import { serializeFeaturedTag, serializeTag } from "../../core/serializers/tag";
import { tagName } from "../../schemas/graph";
import { validationFailed } from "../../schemas/accounts";
import { tokenOwner } from "../../lib/tokens";
import type { TagRelation } from "../../schemas/records";

/**
 * Hashtags: show, follow/unfollow (followed_tags), and featured tags on the caller's profile
 * (featured_tags CRUD, suggestions, tags/:name/feature) and on anyone's.
 */
export function registerTags(router: Router): void {
  router.get("/api/v1/tags/:name", show);
  router.post("/api/v1/tags/:name/follow", (c) => tagAction(c, "write:follows", (s, t, name) => s.followTag(t, name)));
  router.post("/api/v1/tags/:name/unfollow", (c) => tagAction(c, "write:follows", (s, t, name) => s.unfollowTag(t, name)));
  router.post("/api/v1/tags/:name/feature", (c) => tagAction(c, "write:accounts", (s, t, name) => s.featureTagByName(t, name)));
  router.post("/api/v1/tags/:name/unfeature", (c) => tagAction(c, "write:accounts", (s, t, name) => s.unfeatureTagByName(t, name)));
  router.get("/api/v1/followed_tags", followedTags);
  router.get("/api/v1/featured_tags", featuredTags);
  router.post("/api/v1/featured_tags", featureTag);
  router.get("/api/v1/featured_tags/suggestions", suggestions);
  router.delete("/api/v1/featured_tags/:id", unfeatureTag);
  router.get("/api/v1/accounts/:id/featured_tags", accountFeaturedTags);
}

function routeTag(c: Ctx): string {
  const name = tagName(c.route.name);
  if (!name) throw notFound();
  return name;
}

/** Public; a signed-in user also learns whether they follow and feature the tag. */
async function show(c: Ctx): Promise<Response> {
  const name = routeTag(c);
  const token = bearerToken(c);
  let relation: TagRelation | null = null;
  if (token && tokenOwner(token)?.kind === "user") {
    const { stub } = await userObject(c, null);
    relation = unwrap(await stub.tagRelation(token, name));
  } else if (token) {
    await requireCaller(c, null);
  }
  // Uses per day come from the public timeline's hashtag registry (search work, objects/timeline/catalog.ts).
  const [stats] = await publicTimelineStub(c.env).tagStats([name]);
  return json(serializeTag(name, c, relation, stats.usage));
}

type AccountStub = ReturnType<typeof accountStub>;
type TagCall = (stub: AccountStub, token: string, name: string) => Promise<{ ok: true; value: TagRelation } | { ok: false; status: number; error: string }>;

async function tagAction(c: Ctx, scope: string, call: TagCall): Promise<Response> {
  const name = routeTag(c);
  const { token, stub } = await userObject(c, scope);
  return json(serializeTag(name, c, unwrap(await call(stub, token, name))));
}

async function followedTags(c: Ctx): Promise<Response> {
  const { token, stub } = await userObject(c, "read:follows");
  const entries = unwrap(await stub.followedTags(token, readPage(await c.params(), 100, 200)));
  return pagedJson(c, entries, (e) => e.cursor, (e) => serializeTag(e.name, c, e));
}

async function featuredTags(c: Ctx): Promise<Response> {
  const { token, stub } = await userObject(c, "read:accounts");
  return json(unwrap(await stub.featuredTags(token)).map((t) => serializeFeaturedTag(t, c)));
}

async function featureTag(c: Ctx): Promise<Response> {
  const { token, stub } = await userObject(c, "write:accounts");
  const name = tagName((await c.params()).name);
  if (!name) throw validationFailed({ name: [{ error: "ERR_INVALID", description: "is not a valid hashtag" }] });
  return json(serializeFeaturedTag(unwrap(await stub.featureTag(token, name)), c));
}

async function unfeatureTag(c: Ctx): Promise<Response> {
  const id = routeId(c);
  const { token, stub } = await userObject(c, "write:accounts");
  return json(unwrap(await stub.unfeatureTag(token, id)));
}

async function suggestions(c: Ctx): Promise<Response> {
  const { token, stub } = await userObject(c, "read:accounts");
  return json(unwrap(await stub.featuredTagSuggestions(token)).map((t) => serializeTag(t.name, c, t)));
}

async function accountFeaturedTags(c: Ctx): Promise<Response> {
  const id = routeId(c);
  // A remote account's featured tags are not collected here.
  if (await remoteActorUriOf(c.env, id)) return json([]);
  return json(unwrap(await accountStub(c.env, id).publicFeaturedTags()).map((t) => serializeFeaturedTag(t, c)));
}
