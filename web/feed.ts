import type { StatusRecord } from "../schemas/records";
import { serializeMediaAttachment } from "../core/serializers/media";
import type { Origin } from "../core/serializers/account";
import { statusUrl } from "../core/serializers/status";
import { escapeHtml } from "./layout";
import { plainText } from "./public-shell";

/**
 * RSS 2.0 feeds of a profile (`/@user.rss`) and a hashtag (`/tags/:tag.rss`), as Mastodon
 * publishes them: each item's description is the status HTML (escaped into the XML), media as
 * enclosures. Boosts are left out (they are someone else's post).
 */
export interface FeedInput {
  title: string;
  description: string;
  /** The HTML page the feed belongs to. */
  link: string;
  /** The feed's own URL. */
  self: string;
  image?: string | null;
  statuses: StatusRecord[];
}

export function renderFeed(f: FeedInput, o: Origin): string {
  const items = f.statuses.filter((s) => !s.reblog).map((s) => feedItem(s, o));
  const image = f.image ? `<image><url>${escapeHtml(f.image)}</url><title>${escapeHtml(f.title)}</title><link>${escapeHtml(f.link)}</link></image>` : "";
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>${escapeHtml(f.title)}</title>
<description>${escapeHtml(f.description)}</description>
<link>${escapeHtml(f.link)}</link>
<atom:link href="${escapeHtml(f.self)}" rel="self" type="application/rss+xml"/>
${image}
<generator>Pronghorn</generator>
${items.join("\n")}
</channel>
</rss>
`;
}

function feedItem(s: StatusRecord, o: Origin): string {
  const url = s.url ?? statusUrl(o, s);
  const html = s.spoiler_text ? `<p>${escapeHtml(s.spoiler_text)}</p>${s.content}` : s.content;
  const enclosures = (s.media_attachments ?? [])
    .map((m) => serializeMediaAttachment(m, o))
    .filter((m) => m.url)
    .map((m) => `<enclosure url="${escapeHtml(m.url!)}" type="${escapeHtml(enclosureType(m.type))}" length="0"/>`);
  const title = plainText(s.spoiler_text || s.content, 80);
  return `<item>
<guid isPermaLink="true">${escapeHtml(url)}</guid>
<link>${escapeHtml(url)}</link>
${title ? `<title>${escapeHtml(title)}</title>\n` : ""}<pubDate>${new Date(s.created_at).toUTCString()}</pubDate>
<description>${escapeHtml(html)}</description>
${enclosures.join("\n")}
</item>`;
}

function enclosureType(type: string): string {
  if (type === "video" || type === "gifv") return "video/mp4";
  if (type === "audio") return "audio/mpeg";
  return "image/jpeg";
}

export function feedResponse(xml: string): Response {
  return new Response(xml, {
    headers: { "content-type": "application/rss+xml; charset=utf-8", "cache-control": "public, max-age=300", "x-content-type-options": "nosniff" },
  });
}
