import type { Router } from "../router";
import type { Ctx } from "../context";
import type { Params } from "../http/body";
import { notFound } from "../../lib/result";
import { json } from "../http/respond";
import { requirePermission } from "../http/staff";
import { DIGIT_ID } from "../http/admin-params";
import { directoryStub, publicTimelineStub } from "../../core/stubs";
import { serializeTag, tagId } from "../../core/serializers/tag";
import { serializeStatus } from "../../core/serializers/status";
import { publicView } from "../../objects/account/viewer";
import type { TrendKind, TrendReview } from "../../schemas/admin-blocks";

/**
 * Mastodon's admin trends: what trends now (tags, statuses; links never, since statuses carry
 * no preview cards here) with each item's review state, and approve/reject. Moderators, admins
 * and owners (`manage_taxonomies`). An unreviewed item trends (Mastodon with "trendable by
 * default"); a rejected one is left out of the public trends (worker/api/trends.ts), which read
 * the decisions through an isolate cache.
 */
export function registerAdminTrends(router: Router): void {
  router.get("/api/v1/admin/trends/links", listLinks);
  router.get("/api/v1/admin/trends/statuses", listStatuses);
  router.get("/api/v1/admin/trends/tags", listTags);
  for (const kind of ["links", "statuses", "tags"] as const) {
    for (const state of ["approved", "rejected"] as const) {
      router.post(`/api/v1/admin/trends/${kind}/:id/${state === "approved" ? "approve" : "reject"}`, (c) => review(c, kind, state));
    }
  }
  // Mastodon 4.x also accepts approving or rejecting a link's whole publisher; no links trend here.
  router.post("/api/v1/admin/trends/links/publishers/:id/approve", unknownPublisher);
  router.post("/api/v1/admin/trends/links/publishers/:id/reject", unknownPublisher);
}

const read = (c: Ctx) => requirePermission(c, "admin:read", "manage_taxonomies");
const write = (c: Ctx) => requirePermission(c, "admin:write", "manage_taxonomies");

/** How many trending items a list or a review looks through. */
const REVIEW_WINDOW = 200;

function limitOf(p: Params, fallback: number, max: number): { limit: number; offset: number } {
  const n = (v: unknown, d: number) => (typeof v === "string" && /^\d{1,6}$/.test(v) ? Number(v) : d);
  return { limit: Math.min(Math.max(n(p.limit, fallback), 1), max), offset: n(p.offset, 0) };
}

// ----- review decisions, cached per isolate -----

const CACHE_TTL_MS = 30_000;
const cached = new Map<TrendKind, { reviews: Record<string, TrendReview>; expires: number }>();

export async function trendDecisions(env: Env, kind: TrendKind): Promise<Record<string, TrendReview>> {
  const hit = cached.get(kind);
  if (hit && hit.expires > Date.now()) return hit.reviews;
  const reviews = await directoryStub(env).trendReviews(kind);
  cached.set(kind, { reviews, expires: Date.now() + CACHE_TTL_MS });
  return reviews;
}

/** Drops this isolate's copy of the decisions (after a review here; tests). */
export function forgetTrendDecisions(): void {
  cached.clear();
}

function reviewFields(state: TrendReview | undefined) {
  return { requires_review: state === undefined, trendable: state !== "rejected", usable: true };
}

// ----- lists -----

async function listLinks(c: Ctx): Promise<Response> {
  await read(c);
  return json([]);
}

async function listTags(c: Ctx): Promise<Response> {
  await read(c);
  const { limit, offset } = limitOf(await c.params(), 10, 40);
  const [tags, reviews] = await Promise.all([publicTimelineStub(c.env).trendingTags(limit, offset), trendDecisions(c.env, "tags")]);
  return json(tags.map((t) => ({ ...serializeTag(t.name, c, null, t.usage), ...reviewFields(reviews[t.name]) })));
}

async function listStatuses(c: Ctx): Promise<Response> {
  await read(c);
  const { limit, offset } = limitOf(await c.params(), 20, 40);
  const [statuses, reviews] = await Promise.all([publicTimelineStub(c.env).trendingStatuses(limit, offset), trendDecisions(c.env, "statuses")]);
  return json(publicView(statuses).map((s) => ({ ...serializeStatus(s, c), requires_review: reviews[s.id] === undefined })));
}

// ----- decisions -----

async function review(c: Ctx, kind: TrendKind, state: TrendReview): Promise<Response> {
  await write(c);
  const id = c.route.id;
  if (!DIGIT_ID.test(id) || kind === "links") throw notFound();
  const timeline = publicTimelineStub(c.env);
  if (kind === "tags") {
    const tag = (await timeline.trendingTags(REVIEW_WINDOW, 0)).find((t) => tagId(t.name) === id);
    if (!tag) throw notFound();
    await directoryStub(c.env).reviewTrend(kind, tag.name, state);
    forgetTrendDecisions();
    return json({ ...serializeTag(tag.name, c, null, tag.usage), ...reviewFields(state) });
  }
  const status = publicView(await timeline.trendingStatuses(REVIEW_WINDOW, 0)).find((s) => s.id === id);
  if (!status) throw notFound();
  await directoryStub(c.env).reviewTrend(kind, status.id, state);
  forgetTrendDecisions();
  return json({ ...serializeStatus(status, c), requires_review: false });
}

async function unknownPublisher(c: Ctx): Promise<Response> {
  await write(c);
  throw notFound();
}
