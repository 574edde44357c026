import type { Router } from "../router";
import type { Ctx } from "../context";
import { notFound, unwrap } from "../../lib/result";
import { bearerToken, requireCaller, userObject } from "../http/auth";
import { json, jsonText } from "../http/respond";
import { originOf } from "../../core/serializers/rendered";
import { cursorLink, linkHeaders, readPage } from "../http/pagination";
import type { Page } from "../../schemas/paging";
import { accountStub, publicTimelineStub, tagTimelineStub } from "../../core/stubs";
import { tokenOwner } from "../../lib/tokens";
import { compareIds } from "../../lib/ids";
import { parseOrFail } from "../../schemas/accounts";
import { normalizeTag, publicTimelineSchema, tagTimelineSchema } from "../../schemas/timelines";
import type { PageCursor, StatusRecord, ViewedStatuses } from "../../schemas/records";
import { publicView, type ViewContext } from "../../objects/account/viewer";
import { serializeViewedStatuses } from "../../core/serializers/filter";
import { serializeStatus } from "../../core/serializers/status";

/**
 * Timelines: home and lists come from the caller's own object in one RPC; public and hashtag
 * timelines are candidates from the instance timeline objects, then one `view` RPC to the
 * caller's object (anonymous readers get public and unlisted statuses, no flags).
 */
export function registerTimelines(router: Router): void {
  router.get("/api/v1/timelines/home", home);
  router.get("/api/v1/timelines/list/:list_id", list);
  router.get("/api/v1/timelines/public", publicTimeline);
  router.get("/api/v1/timelines/tag/:hashtag", tagTimeline);
}

async function home(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "read:statuses");
  const page = unwrap(await stub.homeTimeline(token, readPage(await c.params()), originOf(c)));
  return jsonText(page.body, { headers: linkHeaders(cursorLink(c.url, page.cursor)) });
}

async function list(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "read:lists");
  if (!/^\d{1,20}$/.test(c.route.list_id)) throw notFound();
  const page = unwrap(await stub.listTimeline(token, c.route.list_id, readPage(await c.params()), originOf(c)));
  return jsonText(page.body, { headers: linkHeaders(cursorLink(c.url, page.cursor)) });
}

async function publicTimeline(c: Ctx): Promise<Response> {
  const params = await c.params();
  const q = parseOrFail(publicTimelineSchema, params);
  const page = readPage(params);
  const candidates = await publicTimelineStub(c.env).page({ ...page, local: q.local, remote: q.remote, onlyMedia: q.only_media });
  return viewedResponse(c, candidates, "public");
}

/** Mastodon allows up to four extra tags per mode (TagFeed). */
const TAGS_PER_MODE = 4;
const MAX_TAG_LENGTH = 100;

async function tagTimeline(c: Ctx): Promise<Response> {
  const params = await c.params();
  const q = parseOrFail(tagTimelineSchema, params);
  const page = readPage(params);
  const tag = normalizeTag(c.route.hashtag.replace(/^#/, ""));
  if (!tag || tag.length > MAX_TAG_LENGTH) return viewedResponse(c, [], "public");
  const sources = [...new Set([tag, ...(q.any ?? []).slice(0, TAGS_PER_MODE)])];
  const query = { ...page, local: q.local, remote: q.remote, onlyMedia: q.only_media, all: q.all?.slice(0, TAGS_PER_MODE), none: q.none?.slice(0, TAGS_PER_MODE) };
  const pages = await Promise.all(sources.map((name) => tagTimelineStub(c.env, name).page(query)));
  return viewedResponse(c, mergePages(pages, page), "public");
}

/** Union of several newest-first pages: the `limit` entries nearest the window, newest first. */
function mergePages(pages: StatusRecord[][], page: Page): StatusRecord[] {
  if (pages.length === 1) return pages[0];
  const byId = new Map(pages.flat().map((s) => [s.id, s]));
  const ascending = [...byId.values()].sort((a, b) => compareIds(a.id, b.id));
  const picked = page.minId ? ascending.slice(0, page.limit) : ascending.slice(-page.limit);
  return picked.reverse();
}

function candidatesCursor(candidates: StatusRecord[]): PageCursor | null {
  return candidates.length ? { newest: candidates[0].id, oldest: candidates[candidates.length - 1].id } : null;
}

/**
 * Filters candidates for the caller and answers them. With a user token: one `view` RPC to the
 * caller's object (which checks the token). Without a token, or with an app token (checked):
 * public and unlisted statuses only. `Link` spans the candidates, so hidden ones do not stop paging.
 */
export async function viewedResponse(c: Ctx, candidates: StatusRecord[], context: ViewContext): Promise<Response> {
  const headers = linkHeaders(cursorLink(c.url, candidatesCursor(candidates)));
  const viewed = await viewForCaller(c, candidates, context);
  const body = viewed ? serializeViewedStatuses(viewed, c) : publicView(candidates, context).map((s) => serializeStatus(s, c));
  return json(body, { headers });
}

async function viewForCaller(c: Ctx, candidates: StatusRecord[], context: ViewContext): Promise<ViewedStatuses | null> {
  const token = bearerToken(c);
  if (!token) return null;
  const owner = tokenOwner(token);
  if (owner?.kind === "user") return unwrap(await accountStub(c.env, owner.accountId).view(token, candidates, context));
  await requireCaller(c, "read:statuses");
  return null;
}
