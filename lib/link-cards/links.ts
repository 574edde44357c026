import { decodeEntities } from "./page-meta";

/**
 * Which link of a status gets a preview card, as Mastodon chooses it: the first `<a href>` of
 * the rendered content that is an http(s) address, not a mention or a hashtag (by their
 * microformat classes, `rel="tag"`, or a mentioned account's address), not on this server and
 * not a media file.
 */
const MEDIA_EXTENSIONS = /\.(?:jpe?g|png|gif|webp|avif|heic|heif|svg|bmp|tiff?|mp4|m4v|mov|webm|mkv|avi|mp3|m4a|ogg|oga|opus|wav|flac|aac)$/i;

export interface LinkChoice {
  /** Origin of this server: its own addresses never get cards. */
  localOrigin: string;
  /** Addresses of mentioned accounts. */
  mentionUrls: string[];
}

export async function firstCardLink(contentHtml: string, choice: LinkChoice): Promise<string | null> {
  const found: string[] = [];
  const skip = new Set(choice.mentionUrls);
  await new HTMLRewriter()
    .on("a[href]", {
      element(el) {
        if (found.length) return;
        const rel = el.getAttribute("rel") ?? "";
        const cls = el.getAttribute("class") ?? "";
        if (/(^|\s)tag(\s|$)/.test(rel) || /(^|\s)(mention|hashtag|u-url|h-card)(\s|$)/.test(cls)) return;
        const href = decodeEntities(el.getAttribute("href") ?? "");
        if (skip.has(href)) return;
        const url = normalizeLink(href);
        if (!url || new URL(url).origin === choice.localOrigin || MEDIA_EXTENSIONS.test(new URL(url).pathname)) return;
        found.push(url);
      },
    })
    .transform(new Response(contentHtml))
    .arrayBuffer();
  return found[0] ?? null;
}

/** The canonical spelling of a link (lower-case host, no fragment, no default port); null if not http(s). */
export function normalizeLink(href: string): string | null {
  let url: URL;
  try {
    url = new URL(href.trim());
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  if (url.username || url.password || !url.hostname) return null;
  url.hash = "";
  return url.href;
}
