import type { Router } from "../router";
import { aboutPageDomainBlocks } from "./admin-domain-blocks";
import type { Ctx } from "../context";
import { directoryStub, publicTimelineStub, tagTimelineStub } from "../../core/stubs";
import { instanceSettings } from "../../core/instance-settings";
import { ICON_PATH, serializeLanguages } from "../../core/serializers/instance";
import { publicView } from "../../objects/account/viewer";
import { normalizeTag } from "../../schemas/timelines";
import type { StatusRecord } from "../../schemas/records";
import { instanceData } from "../instance-summary";
import { redirect } from "../http/respond";
import { activityJson, varyOnAccept, wantsActivityJson } from "../activitypub/negotiate";
import { withContext } from "../../lib/federation/context";
import { statusUri } from "../../core/serializers/status";
import { errorPage } from "../../web/layout";
import { publicPageResponse } from "../../web/public-shell";
import { renderLanding } from "../../web/landing";
import { renderAbout, renderDocument } from "../../web/about";
import { renderTimelinePage, type TimelineKind } from "../../web/timeline";
import { feedResponse, renderFeed } from "../../web/feed";
import { renderManifest, renderRobots } from "../../web/site-files";

/**
 * The instance's public web face: the landing page, about and its documents, the public and
 * hashtag timelines (HTML and the hashtag RSS feed), the remote-interaction redirect and the
 * small site files. Profiles and statuses are served by `activitypub.ts` (same URLs as AS2).
 * Every read is what an anonymous API reader gets: public statuses only.
 */
export function registerPublicPages(router: Router): void {
  router.get("/", landing);
  router.get("/about", about);
  router.get("/privacy-policy", (c) => publicPageResponse(renderDocument(instanceSettings(c.env), "privacy")));
  router.get("/terms", (c) => publicPageResponse(renderDocument(instanceSettings(c.env), "terms")));
  router.get("/public", (c) => timelinePage(c, { kind: "federated" }));
  router.get("/public/local", (c) => timelinePage(c, { kind: "local" }));
  router.get("/tags/:tag", tagPage);
  router.get("/remote_interaction", remoteInteraction);
  router.get("/robots.txt", robots);
  router.get("/favicon.ico", (c) => redirect(`${c.origin}${ICON_PATH}`));
  router.get("/manifest.json", (c) =>
    new Response(renderManifest(instanceSettings(c.env), ICON_PATH), {
      headers: { "content-type": "application/manifest+json", "cache-control": "public, max-age=3600" },
    }),
  );
}

export const PUBLIC_PAGE_SIZE = 20;
const DIGITS = /^\d{1,20}$/;
const MAX_TAG_LENGTH = 100;

function maxIdParam(c: Ctx): string | undefined {
  const v = c.url.searchParams.get("max_id");
  return v !== null && DIGITS.test(v) ? v : undefined;
}

/** Public statuses (boosts of public statuses) only: what signed-out Mastodon shows on timelines. */
function publicOnly(candidates: StatusRecord[]): StatusRecord[] {
  return publicView(candidates).filter((s) => s.visibility === "public" && (!s.reblog || s.reblog.visibility === "public"));
}

async function landing(c: Ctx): Promise<Response> {
  const settings = instanceSettings(c.env);
  const [data, candidates] = await Promise.all([
    instanceData(c.env),
    publicTimelineStub(c.env).page({ limit: 5, local: true, remote: false }),
  ]);
  const html = renderLanding({ settings, stats: data.stats, preview: publicOnly(candidates) }, c);
  return publicPageResponse(html);
}

async function about(c: Ctx): Promise<Response> {
  const settings = instanceSettings(c.env);
  const moderated = await aboutPageDomainBlocks(c);
  const languageNames = serializeLanguages(settings.languages).map((l) => l.name);
  return publicPageResponse(renderAbout({ settings, languageNames, moderated }, c));
}

async function timelinePage(c: Ctx, timeline: TimelineKind): Promise<Response> {
  const maxId = maxIdParam(c);
  const query = { limit: PUBLIC_PAGE_SIZE, maxId, local: timeline.kind === "local", remote: false };
  const stub = timeline.kind === "tag" ? tagTimelineStub(c.env, timeline.tag) : publicTimelineStub(c.env);
  const candidates = await stub.page(query);
  const olderMaxId = candidates.length === PUBLIC_PAGE_SIZE ? candidates[candidates.length - 1].id : null;
  const siteTitle = instanceSettings(c.env).title;
  const html = renderTimelinePage({ siteTitle, timeline, statuses: publicOnly(candidates), olderMaxId, paged: maxId !== undefined }, c);
  return publicPageResponse(html);
}

async function tagPage(c: Ctx): Promise<Response> {
  let raw: string;
  try {
    raw = decodeURIComponent(c.route.tag ?? "");
  } catch {
    return errorPage(404, "Not found", "This hashtag does not exist.");
  }
  const rss = raw.endsWith(".rss");
  const tag = normalizeTag((rss ? raw.slice(0, -4) : raw).replace(/^#/, ""));
  if (!tag || tag.length > MAX_TAG_LENGTH) return errorPage(404, "Not found", "This hashtag does not exist.");
  if (!rss && wantsActivityJson(c.request)) return tagCollection(c, tag);
  if (!rss) return varyOnAccept(await timelinePage(c, { kind: "tag", tag }));
  const statuses = publicOnly(await tagTimelineStub(c.env, tag).page({ limit: PUBLIC_PAGE_SIZE }));
  const link = `${c.origin}/tags/${encodeURIComponent(tag)}`;
  const xml = renderFeed({ title: `#${tag}`, description: `Public posts tagged #${tag}`, link, self: `${link}.rss`, statuses }, c);
  return feedResponse(xml);
}

/** The hashtag as AS2 (as Mastodon): an ordered collection of this server's recent public statuses with it. */
async function tagCollection(c: Ctx, tag: string): Promise<Response> {
  const statuses = publicOnly(await tagTimelineStub(c.env, tag).page({ limit: PUBLIC_PAGE_SIZE, local: true, remote: false })).filter((s) => !s.reblog);
  return activityJson(
    withContext({
      id: `${c.origin}/tags/${encodeURIComponent(tag)}`,
      type: "OrderedCollection",
      totalItems: statuses.length,
      orderedItems: statuses.map((s) => statusUri(c, s)),
    }),
  );
}

/** A host the visitor typed (`mastodon.social`, `https://example.com/`, `@me@example.com`), or null. */
export function serverHost(input: string): string | null {
  let v = input.trim().toLowerCase();
  const at = v.lastIndexOf("@");
  if (at >= 0 && !v.startsWith("http")) v = v.slice(at + 1);
  v = v.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
  return /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)+(:\d{1,5})?$/.test(v) ? v : null;
}

/**
 * "Follow from your server": the visitor's server shows the account (or post) and lets them
 * follow or reply there. Only URIs on this instance are handed on.
 */
function remoteInteraction(c: Ctx): Response {
  const uri = c.url.searchParams.get("uri") ?? "";
  const host = serverHost(c.url.searchParams.get("server") ?? "");
  if (!uri.startsWith(`${c.origin}/`)) return errorPage(400, "Cannot continue", "Nothing to interact with was given.");
  if (!host) return errorPage(400, "Cannot continue", "That does not look like a server address, for example mastodon.social.");
  return redirect(`https://${host}/authorize_interaction?uri=${encodeURIComponent(uri)}`);
}

async function robots(c: Ctx): Promise<Response> {
  const names = await directoryStub(c.env).noindexUsernames();
  return new Response(renderRobots(names), { headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "public, max-age=300" } });
}
