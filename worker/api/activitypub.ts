import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError, notFound, unwrap } from "../../lib/result";
import { redirect } from "../http/respond";
import { accountStub, directoryStub, remoteActorStub, threadStub } from "../../core/stubs";
import { findLocalUsername } from "../directory-cache";
import { statusUri, statusUrl } from "../../core/serializers/status";
import type { StatusRecord } from "../../schemas/records";
import type { Page } from "../../schemas/paging";
import type { ActorData } from "../../objects/account/activitypub";
import { withContext } from "../../lib/federation/context";
import { hashtagTag, noteDocument, noteObject, accountUri } from "../../core/activitypub/note";
import { parentUris } from "../activitypub/parents";
import { announceActivity, createActivity, embedded } from "../../core/activitypub/activities";
import { localActorUris } from "../../core/activitypub/uris";
import { activityJson, activityJsonText, varyOnAccept, wantsActivityJson } from "../activitypub/negotiate";
import { originOf } from "../../core/serializers/rendered";
import { errorPage } from "../../web/layout";
import { publicPageResponse } from "../../web/public-shell";
import { feedResponse, renderFeed } from "../../web/feed";
import { instanceSettings } from "../../core/instance-settings";
import { profileUrl, serializeAccount } from "../../core/serializers/account";
import { publicView } from "../../objects/account/viewer";
import { CONTEXT_LIMITS } from "../../objects/account/statuses";
import { renderProfilePage } from "../../web/profile";
import { renderStatusPage } from "../../web/status";
import { verifySignedRequest } from "../federation/verify";

/**
 * ActivityPub documents of local accounts, and the HTML pages on the same URLs (content
 * negotiation, `Vary: Accept`). Everything here is readable without a signature: private and
 * direct statuses answer 404 (serving them to a signed, authorized fetcher is phase 3).
 */
export function registerActivityPub(router: Router): void {
  router.get("/users/:username", actor);
  // Also `/@:username.rss`, the profile's feed.
  router.get("/@:username", profile);
  router.get("/users/:username/outbox", outbox);
  router.get("/users/:username/followers", (c) => accounts(c, "followers"));
  router.get("/users/:username/following", (c) => accounts(c, "following"));
  router.get("/users/:username/collections/featured", featured);
  router.get("/users/:username/collections/tags", featuredTags);
  router.get("/users/:username/statuses/:id", (c) => status(c, "object"));
  router.get("/users/:username/statuses/:id/activity", (c) => status(c, "activity"));
  router.get("/@:username/:id", (c) => (c.route.id === "media" ? profile(c, true) : status(c, "page")));
}

const OUTBOX_PAGE_SIZE = 20;
const ACCOUNTS_PAGE_SIZE = 40;
/** Mastodon allows 5 pins; read a few more in case the limit changes. */
const FEATURED_LIMIT = 20;
const LOCAL_USERNAME = /^[a-z0-9_]{1,30}$/i;
const DIGITS = /^\d{1,20}$/;

// ----- lookups -----

/** The local account a route names (approved accounts only), with its actor inputs. */
async function localActor(c: Ctx): Promise<ActorData> {
  const username = c.route.username ?? "";
  const entry = LOCAL_USERNAME.test(username) ? await findLocalUsername(c.env, username) : null;
  if (!entry || !entry.approved) throw notFound();
  const data = await accountStub(c.env, entry.id).federationActor();
  if (!data || !data.account.approved) throw notFound();
  return data;
}

/** The account's statuses as anyone sees them (public and unlisted), newest first; or its pins. */
async function openStatuses(env: Env, accountId: string, page: Page, pinned = false, onlyMedia = false): Promise<StatusRecord[]> {
  const result = await accountStub(env, accountId).accountStatuses(null, {
    page,
    pinned,
    exclude_replies: false,
    exclude_reblogs: onlyMedia,
    only_media: onlyMedia,
    tagged: null,
  });
  return unwrap(result);
}

function noteOptions(parents: Map<string, string | null>, s: StatusRecord) {
  return parents.has(s.id) ? { inReplyToUri: parents.get(s.id)! } : {};
}

// ----- actor and profile page -----

async function actor(c: Ctx): Promise<Response> {
  if (!wantsActivityJson(c.request)) return varyOnAccept(redirect(localActorUris(c, (await localActor(c)).account.username).url));
  const username = c.route.username ?? "";
  const entry = LOCAL_USERNAME.test(username) ? await findLocalUsername(c.env, username) : null;
  const json = entry?.approved ? await accountStub(c.env, entry.id).federationActorJson(originOf(c)) : null;
  if (json) return activityJsonText(json);
  const gone = await deletedActor(c);
  if (gone) return gone;
  throw notFound();
}

/** A deleted account's actor: 410 Gone with a Tombstone, as Mastodon answers; null if none was deleted. */
async function deletedActor(c: Ctx): Promise<Response | null> {
  if (!(await isDeleted(c))) return null;
  return activityJson(withContext({ id: localActorUris(c, c.route.username).id, type: "Tombstone" }), { status: 410 });
}

async function isDeleted(c: Ctx): Promise<boolean> {
  const username = c.route.username ?? "";
  return LOCAL_USERNAME.test(username) && directoryStub(c.env).isDeletedUsername(username);
}

/** The profile page (`/@user`, or `/@user/media`: posts with media only), or its feed (`/@user.rss`). */
async function profile(c: Ctx, onlyMedia = false): Promise<Response> {
  const feed = !onlyMedia && (c.route.username ?? "").endsWith(".rss");
  if (feed) c.route = { ...c.route, username: c.route.username.slice(0, -4) };
  if (!feed && !onlyMedia && wantsActivityJson(c.request)) return actor(c);
  let data: ActorData;
  try {
    data = await localActor(c);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      if (await isDeleted(c)) return varyOnAccept(errorPage(410, "Gone", "This account was deleted."));
      return varyOnAccept(errorPage(404, "Not found", "This account does not exist."));
    }
    throw err;
  }
  if (feed) return profileFeed(c, data);
  const maxId = cursorPage(c, OUTBOX_PAGE_SIZE).maxId;
  const [statuses, pinned] = await Promise.all([
    openStatuses(c.env, data.account.id, { limit: OUTBOX_PAGE_SIZE, maxId }, false, onlyMedia),
    maxId || onlyMedia ? Promise.resolve([]) : openStatuses(c.env, data.account.id, { limit: FEATURED_LIMIT }, true),
  ]);
  const olderMaxId = statuses.length === OUTBOX_PAGE_SIZE ? statuses[statuses.length - 1].id : null;
  const siteTitle = instanceSettings(c.env).title;
  const html = renderProfilePage(
    { siteTitle, account: data.account, statuses, pinned, featuredTags: data.featuredTags, olderMaxId, paged: maxId !== undefined, onlyMedia },
    c,
  );
  return varyOnAccept(publicPageResponse(html));
}

async function profileFeed(c: Ctx, data: ActorData): Promise<Response> {
  const a = data.account;
  const statuses = await openStatuses(c.env, a.id, { limit: OUTBOX_PAGE_SIZE });
  const link = profileUrl(c, a.username);
  const title = `${a.display_name || a.username} (@${a.username}@${c.domain})`;
  const xml = renderFeed(
    {
      title,
      description: `Public posts from @${a.username}@${c.domain}`,
      link,
      self: `${link}.rss`,
      image: serializeAccount(a, c).avatar_static,
      // Unlisted posts stay off feeds, as they stay off timelines.
      statuses: statuses.filter((s) => s.visibility === "public"),
    },
    c,
  );
  return feedResponse(xml);
}

// ----- collections -----

function cursorPage(c: Ctx, limit: number): Page {
  const id = (name: string) => {
    const v = c.url.searchParams.get(name);
    return v !== null && DIGITS.test(v) ? v : undefined;
  };
  return { maxId: id("max_id"), minId: id("min_id"), limit };
}

function pageRequested(c: Ctx): boolean {
  return c.url.searchParams.has("page");
}

/** The URL of a page: `?page=true` plus the cursor, in Mastodon's parameter order. */
function pageUrl(base: string, cursor: { max_id?: string; min_id?: string } = {}): string {
  const params = new URLSearchParams();
  if (cursor.max_id) params.set("max_id", cursor.max_id);
  if (cursor.min_id) params.set("min_id", cursor.min_id);
  params.set("page", "true");
  return `${base}?${params}`;
}

async function outbox(c: Ctx): Promise<Response> {
  const data = await localActor(c);
  const id = localActorUris(c, data.account.username).outbox;
  if (!pageRequested(c)) {
    return activityJson(
      withContext({
        id,
        type: "OrderedCollection",
        totalItems: data.account.statuses_count,
        first: pageUrl(id),
        last: pageUrl(id, { min_id: "0" }),
      }),
    );
  }
  const page = cursorPage(c, OUTBOX_PAGE_SIZE);
  const statuses = await openStatuses(c.env, data.account.id, page);
  const parents = await parentUris(c.env, c, statuses);
  const items = statuses.map((s) =>
    embedded(s.reblog ? announceActivity(s, c) : createActivity(s, c, noteOptions(parents, s))),
  );
  const newest = statuses[0]?.id;
  const oldest = statuses[statuses.length - 1]?.id;
  return activityJson(
    withContext({
      id: pageUrl(id, { max_id: page.maxId, min_id: page.minId }),
      type: "OrderedCollectionPage",
      totalItems: data.account.statuses_count,
      partOf: id,
      ...(statuses.length === OUTBOX_PAGE_SIZE && oldest ? { next: pageUrl(id, { max_id: oldest }) } : {}),
      ...(newest ? { prev: pageUrl(id, { min_id: newest }) } : {}),
      orderedItems: items,
    }),
  );
}

async function accounts(c: Ctx, which: "followers" | "following"): Promise<Response> {
  const data = await localActor(c);
  const uris = localActorUris(c, data.account.username);
  const id = which === "followers" ? uris.followers : uris.following;
  const hidden = data.account.hide_collections;
  const total = which === "followers" ? data.account.followers_count : data.account.following_count;
  if (!pageRequested(c)) {
    return activityJson(withContext({ id, type: "OrderedCollection", totalItems: total, ...(hidden ? {} : { first: pageUrl(id) }) }));
  }
  // As Mastodon: the owner hides who they follow and who follows them; only the count is public.
  if (hidden) throw new ApiError(403, "This account hides its follows and followers");
  const page = cursorPage(c, ACCOUNTS_PAGE_SIZE);
  const items = unwrap(await accountStub(c.env, data.account.id).collection(which, null, page));
  const oldest = items[items.length - 1]?.cursor;
  return activityJson(
    withContext({
      id: pageUrl(id, { max_id: page.maxId, min_id: page.minId }),
      type: "OrderedCollectionPage",
      totalItems: total,
      partOf: id,
      ...(items.length === ACCOUNTS_PAGE_SIZE && oldest ? { next: pageUrl(id, { max_id: oldest }) } : {}),
      orderedItems: items.map((item) => accountUri(item.account, c)),
    }),
  );
}

async function featured(c: Ctx): Promise<Response> {
  const data = await localActor(c);
  const statuses = await openStatuses(c.env, data.account.id, { limit: FEATURED_LIMIT }, true);
  const parents = await parentUris(c.env, c, statuses);
  return activityJson(
    withContext({
      id: localActorUris(c, data.account.username).featured,
      type: "OrderedCollection",
      totalItems: statuses.length,
      orderedItems: statuses.map((s) => noteObject(s, c, noteOptions(parents, s))),
    }),
  );
}

async function featuredTags(c: Ctx): Promise<Response> {
  const data = await localActor(c);
  return activityJson(
    withContext({
      id: localActorUris(c, data.account.username).featuredTags,
      type: "Collection",
      totalItems: data.featuredTags.length,
      items: data.featuredTags.map((name) => hashtagTag(name, c)),
    }),
  );
}

// ----- statuses -----

/**
 * `/users/:name/statuses/:id` (object), `.../activity` (Create, or Announce for a boost) and
 * `/@:name/:id` (page). A boost has no page or Note of its own: those redirect to the original.
 */
async function status(c: Ctx, kind: "object" | "activity" | "page"): Promise<Response> {
  const as2 = wantsActivityJson(c.request);
  const found = await findOpenStatus(c);
  if (!found) {
    if (as2 || kind !== "page") throw notFound();
    return varyOnAccept(errorPage(404, "Not found", "This post does not exist or is not public."));
  }
  if (!as2) {
    if (kind === "page" && !found.reblog) return varyOnAccept(publicPageResponse(await statusPage(c, found)));
    return varyOnAccept(redirect(statusUrl(c, found.reblog ?? found)));
  }
  if (kind === "activity") {
    if (found.reblog) return activityJson(announceActivity(found, c));
    const parents = await parentUris(c.env, c, [found]);
    return activityJson(createActivity(found, c, noteOptions(parents, found)));
  }
  if (found.reblog) return varyOnAccept(redirect(statusUri(c, found.reblog)));
  const parents = await parentUris(c.env, c, [found]);
  return activityJson(noteDocument(found, c, noteOptions(parents, found)));
}

/** The status page with its thread as a signed-out reader sees it (public and unlisted statuses). */
async function statusPage(c: Ctx, found: StatusRecord): Promise<string> {
  const threaded = found.in_reply_to_id !== null || found.replies_count > 0;
  const thread = threaded
    ? await threadStub(c.env, found.conversation_id).context(found.id, CONTEXT_LIMITS.anonymous)
    : { ancestors: [], descendants: [] };
  const siteTitle = instanceSettings(c.env).title;
  return renderStatusPage({ siteTitle, status: found, ancestors: publicView(thread.ancestors), descendants: publicView(thread.descendants) }, c);
}

/** The status if it belongs to the named account and anyone may see it (public or unlisted). */
async function findOpenStatus(c: Ctx): Promise<StatusRecord | null> {
  const id = c.route.id ?? "";
  if (!DIGITS.test(id)) return null;
  let data: ActorData;
  try {
    data = await localActor(c);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
  const [found] = await accountStub(c.env, data.account.id).statusesFor([id], await signedFetcher(c));
  return found ?? null;
}

/**
 * Authorized fetch: a GET signed by a remote actor we know is read as that actor (its local
 * id), so followers-only and direct statuses reach the accounts allowed to see them. Unsigned,
 * or with a signature that does not verify, the reader is anonymous.
 */
async function signedFetcher(c: Ctx): Promise<string | null> {
  if (!c.request.headers.has("signature") && !c.request.headers.has("signature-input")) return null;
  const verified = await verifySignedRequest(c.env, c.origin, { method: c.request.method, url: c.request.url, headers: c.request.headers }, null);
  if (!verified.ok) {
    // A suspended domain's signed fetch is refused, not read as anonymous (Mastodon's 403).
    if (verified.status === 403) throw new ApiError(403, verified.error);
    return null;
  }
  const actor = await remoteActorStub(c.env, verified.value.owner).get();
  return actor?.id ?? null;
}
