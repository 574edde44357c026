import type { PreviewCardRecord } from "../../schemas/records";
import { fetchPolicy, safeFetch } from "../../lib/federation/safe-fetch";
import { readPageMeta, type PageMeta } from "../../lib/link-cards/page-meta";
import { iframeHtml, sanitizeEmbedHtml } from "../../lib/link-cards/embed-html";
import { jsonTooDeep } from "../../lib/json-depth";

/**
 * Builds a link's preview card as Mastodon's FetchLinkCardService does: the page (HTML only,
 * through the safe fetch: no private addresses outside test mode, 1 MiB, 5 s), then its
 * discovered oEmbed document when it has one (photo, video, or a rich embed reducible to one
 * iframe), else OpenGraph / Twitter meta and the `<title>`. Null when the page gives nothing
 * to show (no title and no embed) or cannot be fetched.
 */
export const PAGE_LIMITS = { maxBytes: 1024 * 1024, timeoutMs: 5_000 };
const OEMBED_LIMITS = { maxBytes: 256 * 1024, timeoutMs: 5_000 };
const MAX_TITLE = 2000;
const MAX_DESCRIPTION = 2000;

export type CardDraft = Omit<PreviewCardRecord, "authors"> & { creator: string | null };

export async function buildCard(url: string, env: Env): Promise<CardDraft | null> {
  const policy = fetchPolicy(env);
  const page = await safeFetch(url, { headers: { accept: "text/html,application/xhtml+xml" } }, { ...policy, ...PAGE_LIMITS });
  const type = (page.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (page.status !== 200 || (type !== "text/html" && type !== "application/xhtml+xml")) return null;
  const meta = await readPageMeta(page.body, page.url, page.headers.get("content-type"));
  const base = openGraphCard(url, meta, page.url);
  const embed = meta.oembedUrl ? await fetchOEmbed(meta.oembedUrl, env) : null;
  const card = embed ? await withOEmbed(base, embed, meta.oembedUrl!) : base;
  if (!card || (!card.title && !card.html)) return null;
  return card;
}

function pick(meta: PageMeta, ...keys: string[]): string | null {
  for (const k of keys) {
    const v = meta.meta.get(k);
    if (v) return v;
  }
  return null;
}

function absolute(href: string | null, base: string): string | null {
  if (!href) return null;
  try {
    const u = new URL(href, base);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}

function int(value: unknown): number {
  const n = typeof value === "number" ? value : parseInt(String(value ?? ""), 10);
  return Number.isFinite(n) && n > 0 && n < 100_000 ? Math.floor(n) : 0;
}

function isoDate(value: string | null): string | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

function openGraphCard(url: string, meta: PageMeta, pageUrl: string): CardDraft {
  const player = absolute(pick(meta, "twitter:player"), pageUrl);
  const playerHtml = player ? iframeHtml(player, { width: pick(meta, "twitter:player:width"), height: pick(meta, "twitter:player:height") }) : "";
  const author = pick(meta, "author", "article:author");
  const language = (pick(meta, "og:locale") ?? meta.lang ?? "").split(/[-_]/)[0].toLowerCase();
  return {
    url,
    title: (pick(meta, "og:title", "twitter:title") ?? meta.title).slice(0, MAX_TITLE),
    description: (pick(meta, "og:description", "twitter:description", "description") ?? "").slice(0, MAX_DESCRIPTION),
    type: playerHtml ? "video" : "link",
    author_name: author && !/^https?:/i.test(author) ? author : "",
    author_url: absolute(pick(meta, "article:author"), pageUrl) ?? "",
    provider_name: pick(meta, "og:site_name") ?? "",
    provider_url: "",
    html: playerHtml,
    width: playerHtml ? int(pick(meta, "twitter:player:width")) : int(pick(meta, "og:image:width")),
    height: playerHtml ? int(pick(meta, "twitter:player:height")) : int(pick(meta, "og:image:height")),
    image: absolute(pick(meta, "og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"), pageUrl),
    embed_url: "",
    blurhash: null,
    language: /^[a-z]{2,3}$/.test(language) ? language : null,
    published_at: isoDate(pick(meta, "article:published_time", "og:published_time")),
    creator: pick(meta, "fediverse:creator"),
  };
}

async function fetchOEmbed(url: string, env: Env): Promise<Record<string, unknown> | null> {
  try {
    const res = await safeFetch(url, { headers: { accept: "application/json" } }, { ...fetchPolicy(env), ...OEMBED_LIMITS });
    if (res.status !== 200 || jsonTooDeep(res.body)) return null;
    const doc = JSON.parse(new TextDecoder().decode(res.body));
    return doc && typeof doc === "object" && !Array.isArray(doc) ? doc : null;
  } catch {
    return null;
  }
}

const text = (v: unknown) => (typeof v === "string" ? v : "");

/** The oEmbed document's fields over the page's; the page's own card when the embed is unusable (as Mastodon falls back to OpenGraph). */
async function withOEmbed(base: CardDraft, embed: Record<string, unknown>, endpoint: string): Promise<CardDraft> {
  const card: CardDraft = {
    ...base,
    title: text(embed.title).slice(0, MAX_TITLE) || base.title,
    author_name: text(embed.author_name) || base.author_name,
    author_url: absolute(text(embed.author_url), endpoint) ?? base.author_url,
    provider_name: text(embed.provider_name) || base.provider_name,
    provider_url: absolute(text(embed.provider_url), endpoint) ?? "",
  };
  const thumbnail = absolute(text(embed.thumbnail_url), endpoint);
  switch (embed.type) {
    case "photo": {
      const photo = absolute(text(embed.url), endpoint);
      if (!photo) return base;
      return { ...card, type: "photo", html: "", embed_url: photo, image: photo, width: int(embed.width), height: int(embed.height) };
    }
    case "video":
    case "rich": {
      const html = await sanitizeEmbedHtml(text(embed.html));
      if (!html) return base;
      return { ...card, type: embed.type, html, image: thumbnail ?? base.image, width: int(embed.width), height: int(embed.height) };
    }
    case "link":
      return { ...card, type: "link", image: thumbnail ?? base.image };
    default:
      return base;
  }
}
