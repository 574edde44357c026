import type { StatusRecord } from "../schemas/records";
import type { Origin } from "../core/serializers/account";
import { statusUrl } from "../core/serializers/status";
import { escapeHtml, pageResponse, renderPage } from "./layout";
import { PUBLIC_STYLE } from "./public-shell";
import { renderStatusArticle } from "./status";

/**
 * The embeddable view of a public or unlisted status (`/@user/:id/embed`), what the oEmbed
 * `html` frames: the post alone, no site header, no script. Unlike every other page it may be
 * framed by any site (that is its purpose); it still runs nothing and loads only images.
 */
export const EMBED_CSP = "default-src 'none'; img-src 'self' https: data:; media-src 'self' https:; style-src 'unsafe-inline'";

export function renderEmbedPage(s: StatusRecord, o: Origin): string {
  const body = renderStatusArticle(s, o);
  const head = `${PUBLIC_STYLE}\n<link rel="canonical" href="${escapeHtml(statusUrl(o, s))}">\n<base target="_blank">`;
  return renderPage({ title: `${s.account.display_name || s.account.username}`, lang: s.language ?? "en", head, body });
}

export function embedPageResponse(htmlText: string): Response {
  const response = pageResponse(htmlText);
  response.headers.set("content-security-policy", EMBED_CSP);
  response.headers.delete("x-frame-options");
  return response;
}

/** Mastodon's oEmbed `html`: an iframe of the embed page. */
export function embedIframe(o: Origin, s: StatusRecord, width: number, height: number | null): string {
  const src = escapeHtml(`${statusUrl(o, s)}/embed`);
  const h = height !== null ? ` height="${height}"` : "";
  return `<iframe src="${src}" class="mastodon-embed" style="max-width: 100%; border: 0" width="${width}"${h} allowfullscreen="allowfullscreen"></iframe>`;
}
