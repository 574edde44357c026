import { decodeEntities } from "./page-meta";

/**
 * Which link of a status gets a preview card, as Mastodon chooses it: the first `<a href>` of
 * the rendered content that is an http(s) address, not a mention or a hashtag (by their
 * microformat classes, `rel="tag"`, or a mentioned account's address), not on this server and
 * not a media file.
 */
const MEDIA_EXTENSIONS = /\.(?:jpe?g|png|gif|webp|avif|heic|heif|svg|bmp|tiff?|mp4|m4v|mov|webm|mkv|avi|mp3|m4a|ogg|oga|opus|wav|flac|aac)$/i;

/** Longer addresses get no card (they also name the link's cache object). */
const MAX_LINK_LENGTH = 2048;

export interface LinkChoice {
  /** Origin of this server: its own addresses never get cards. */
  localOrigin: string;
  /** Addresses of mentioned accounts. */
  mentionUrls: string[];
}

export async function firstCardLink(contentHtml: string, choice: LinkChoice): Promise<string | null> {
  // Most statuses have no link at all: no need to stream them through the parser.
  if (!/<a\s/i.test(contentHtml)) return null;
  const anchors: { href: string; rel: string; cls: string; text: string }[] = [];
  await new HTMLRewriter()
    .on("a[href]", {
      element(el) {
        anchors.push({ href: decodeEntities(el.getAttribute("href") ?? ""), rel: el.getAttribute("rel") ?? "", cls: el.getAttribute("class") ?? "", text: "" });
      },
      text(t) {
        const last = anchors[anchors.length - 1];
        if (last && last.text.length < 64) last.text += t.text;
      },
    })
    .transform(new Response(contentHtml))
    .arrayBuffer();
  const skip = new Set(choice.mentionUrls);
  for (const a of anchors) {
    if (/(^|\s)tag(\s|$)/.test(a.rel) || /(^|\s)(mention|hashtag|u-url|h-card)(\s|$)/.test(a.cls) || skip.has(a.href)) continue;
    // Servers whose markup lost its classes: a link reading "#tag" or "@user" is still one.
    if (/^\s*[#@]/.test(a.text)) continue;
    const url = normalizeLink(a.href);
    if (!url || new URL(url).origin === choice.localOrigin || MEDIA_EXTENSIONS.test(new URL(url).pathname)) continue;
    return url;
  }
  return null;
}

/** The canonical spelling of a link (lower-case host, no fragment, no default port); null if not http(s). */
export function normalizeLink(href: string): string | null {
  if (href.length > MAX_LINK_LENGTH) return null;
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
