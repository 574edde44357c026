import type { Origin } from "../core/serializers/account";
import type { StatusRecord } from "../schemas/records";
import { escapeHtml } from "./layout";
import { renderPublicPage, socialMeta } from "./public-shell";
import { renderStatusArticle } from "./status";

/**
 * The public timelines (`/public`, `/public/local`) and hashtag pages (`/tags/:tag`) as a
 * signed-out reader sees them: public statuses only, newest first, paged with `?max_id=`.
 */
export type TimelineKind = { kind: "local" } | { kind: "federated" } | { kind: "tag"; tag: string };

export interface TimelinePageInput {
  siteTitle: string;
  timeline: TimelineKind;
  statuses: StatusRecord[];
  /** The cursor of the next (older) page, when there may be one. */
  olderMaxId: string | null;
  paged: boolean;
}

function pathOf(t: TimelineKind): string {
  if (t.kind === "local") return "/public/local";
  if (t.kind === "federated") return "/public";
  return `/tags/${encodeURIComponent(t.tag)}`;
}

function titleOf(t: TimelineKind, siteTitle: string): string {
  if (t.kind === "local") return `Local timeline of ${siteTitle}`;
  if (t.kind === "federated") return "Federated timeline";
  return `#${t.tag}`;
}

export function renderTimelinePage(p: TimelinePageInput, o: Origin): string {
  const path = pathOf(p.timeline);
  const title = titleOf(p.timeline, p.siteTitle);
  const intro =
    p.timeline.kind === "local"
      ? "Public posts by people on this server."
      : p.timeline.kind === "federated"
        ? "Public posts from this server and from the servers its people follow."
        : `Public posts tagged #${p.timeline.tag} known to this server.`;
  const tabs = `<p class="meta"><a href="/public/local"${p.timeline.kind === "local" ? ' aria-current="page"' : ""}>This server</a> · <a href="/public"${p.timeline.kind === "federated" ? ' aria-current="page"' : ""}>Other servers too</a></p>`;
  const posts = p.statuses.length ? p.statuses.map((s) => renderStatusArticle(s, o)).join("\n") : '<p class="meta">No posts here.</p>';
  const pager = [
    p.paged ? `<a href="${escapeHtml(path)}">Newest posts</a>` : "<span></span>",
    p.olderMaxId ? `<a href="${escapeHtml(`${path}?max_id=${p.olderMaxId}`)}" rel="next">Older posts</a>` : "",
  ].join("");
  const head = [
    ...(p.timeline.kind === "tag"
      ? [`<link rel="alternate" type="application/rss+xml" title="${escapeHtml(title)}" href="${escapeHtml(`${o.origin}${path}.rss`)}">`]
      : []),
    socialMeta({ siteName: p.siteTitle, title, description: intro, url: `${o.origin}${path}` }),
  ].join("\n");
  const body = `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(intro)}</p>
${p.timeline.kind === "tag" ? `<p class="meta"><a href="${escapeHtml(`${path}.rss`)}">RSS feed</a></p>` : tabs}
<section class="statuses" aria-label="Posts">
${posts}
</section>
<nav class="pager" aria-label="Pages">${pager}</nav>`;
  return renderPublicPage({ siteTitle: p.siteTitle, title: `${title} – ${p.siteTitle}`, head, body });
}
