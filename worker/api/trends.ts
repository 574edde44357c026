import type { Router } from "../router";
import type { Ctx } from "../context";
import { unauthorized, unwrap } from "../../lib/result";
import { bearerToken, requireCaller, type TokenAuth } from "../http/auth";
import { json } from "../http/respond";
import { linkHeaders } from "../http/pagination";
import { accountStub, publicTimelineStub } from "../../core/stubs";
import { tokenOwner } from "../../lib/tokens";
import { parseOrFail } from "../../schemas/accounts";
import { trendsSchema } from "../../schemas/search";
import { publicView } from "../../objects/account/viewer";

import { serializeTag, tagHistory } from "../../core/serializers/tag";
import { serializePreviewCard } from "../../core/serializers/preview-card";
import { serializeStatus } from "../../core/serializers/status";
import { serializeViewedStatuses } from "../../core/serializers/filter";

import type { TagRelation } from "../../schemas/records";
import { trendDecisions } from "./admin-trends";
import { withoutRefusedDomains } from "../federation/domain-visibility";

/**
 * Trends computed from recent activity seen by this instance (the public timeline's catalog,
 * objects/timeline/catalog.ts): hashtags used by the most accounts in the last 7 days, and
 * recent public statuses with the most favourites and boosts (their authors' objects report
 * live counts), and the links (preview cards) shared by the most accounts in the last 7 days.
 * Open to anyone; a signed-in caller gets `following` on tags and its own view of statuses.
 */
export function registerTrends(router: Router): void {
  router.get("/api/v1/trends", trendingTags);
  router.get("/api/v1/trends/tags", trendingTags);
  router.get("/api/v1/trends/statuses", trendingStatuses);
  router.get("/api/v1/trends/links", trendingLinks);
}

const tagsParams = trendsSchema(10, 20);
const statusesParams = trendsSchema(20, 40);
const linksParams = trendsSchema(10, 20);

async function trendingTags(c: Ctx): Promise<Response> {
  const page = parseOrFail(tagsParams, await c.params());
  const caller = await trendsCaller(c);
  const [trending, reviews] = await Promise.all([publicTimelineStub(c.env).trendingTags(page.limit, page.offset), trendDecisions(c.env, "tags")]);
  const tags = trending.filter((t) => reviews[t.name] !== "rejected");
  let relations: TagRelation[] | null = null;
  if (caller) relations = unwrap(await accountStub(c.env, caller.accountId).tagRelations(caller.token, tags.map((t) => t.name)));
  const body = tags.map((t, i) => serializeTag(t.name, c, relations?.[i] ?? null, t.usage));
  return json(body, { headers: linkHeaders(offsetLink(c, trending.length, page)) });
}

async function trendingStatuses(c: Ctx): Promise<Response> {
  const page = parseOrFail(statusesParams, await c.params());
  const caller = await trendsCaller(c);
  const [trending, reviews] = await Promise.all([publicTimelineStub(c.env).trendingStatuses(page.limit, page.offset), trendDecisions(c.env, "statuses")]);
  const candidates = await withoutRefusedDomains(c.env, trending.filter((s) => reviews[s.id] !== "rejected"));
  const body = caller
    ? serializeViewedStatuses(unwrap(await accountStub(c.env, caller.accountId).view(caller.token, candidates, "public", null)), c)
    : publicView(candidates).map((s) => serializeStatus(s, c));
  return json(body, { headers: linkHeaders(offsetLink(c, trending.length, page)) });
}

async function trendingLinks(c: Ctx): Promise<Response> {
  const page = parseOrFail(linksParams, await c.params());
  // Nothing to ask the caller's object, but a bad token is still a 401.
  if (bearerToken(c)) await requireCaller(c, null);
  const links = await publicTimelineStub(c.env).trendingLinks(page.limit, page.offset);
  const body = links.map((l) => ({ ...serializePreviewCard(l.card, c), history: tagHistory(l.usage) }));
  return json(body, { headers: linkHeaders(offsetLink(c, body.length, page)) });
}

/** A user token's caller; an app token is checked and reads as anonymous; a bad token is a 401. */
async function trendsCaller(c: Ctx): Promise<TokenAuth | null> {
  const token = bearerToken(c);
  if (!token) return null;
  const owner = tokenOwner(token);
  if (!owner) throw unauthorized();
  if (owner.kind === "app") {
    await requireCaller(c, null);
    return null;
  }
  return { token, accountId: owner.accountId };
}

/** Mastodon pages trends by offset: `next` when the page was full, `prev` after the first. */
function offsetLink(c: Ctx, count: number, page: { limit: number; offset: number }): string | undefined {
  const link = (offset: number, rel: string) => {
    const u = new URL(c.url);
    u.searchParams.set("offset", String(offset));
    return `<${u}>; rel="${rel}"`;
  };
  const parts = [];
  if (count >= page.limit) parts.push(link(page.offset + page.limit, "next"));
  if (page.offset > 0) parts.push(link(Math.max(page.offset - page.limit, 0), "prev"));
  return parts.length ? parts.join(", ") : undefined;
}
