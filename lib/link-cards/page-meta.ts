/**
 * What a web page says about itself for link previews, read with the Workers' streaming
 * HTMLRewriter (no DOM, bounded memory): OpenGraph (`property="og:*"`), Twitter cards and
 * plain `<meta name>` tags, the `<title>`, the page's language, and its oEmbed discovery link.
 */
export interface PageMeta {
  /** First value of each meta property or name, keys lower-cased. */
  meta: Map<string, string>;
  title: string;
  lang: string | null;
  /** `<link rel="alternate" type="application/json+oembed">`, resolved against the page. */
  oembedUrl: string | null;
}

const MAX_VALUE = 2000;

/** `contentType` carries the page's charset (HTMLRewriter decodes by it; UTF-8 otherwise). */
export async function readPageMeta(html: Uint8Array, pageUrl: string, contentType: string | null = null): Promise<PageMeta> {
  const meta = new Map<string, string>();
  let title = "";
  let inHead = true;
  let lang: string | null = null;
  let oembedUrl: string | null = null;
  const put = (key: string | null, value: string | null) => {
    if (!key || value === null) return;
    const k = key.trim().toLowerCase();
    if (!meta.has(k)) meta.set(k, decodeEntities(value.trim()).slice(0, MAX_VALUE));
  };
  await new HTMLRewriter()
    .on("html", {
      element(el) {
        lang = el.getAttribute("lang");
      },
    })
    .on("body", {
      element() {
        inHead = false;
      },
    })
    .on("meta", {
      element(el) {
        const content = el.getAttribute("content");
        for (const key of (el.getAttribute("property") ?? "").split(/\s+/)) put(key || null, content);
        put(el.getAttribute("name"), content);
      },
    })
    .on("title", {
      text(t) {
        if (inHead && title.length < MAX_VALUE) title += t.text;
      },
    })
    .on('link[rel~="alternate"][href]', {
      element(el) {
        if (oembedUrl || (el.getAttribute("type") ?? "").toLowerCase() !== "application/json+oembed") return;
        try {
          oembedUrl = new URL(decodeEntities(el.getAttribute("href")!), pageUrl).href;
        } catch {
          // not an address
        }
      },
    })
    .transform(new Response(html, { headers: { "content-type": contentType ?? "text/html; charset=utf-8" } }))
    .arrayBuffer();
  return { meta, title: decodeEntities(title.trim()), lang, oembedUrl };
}

/** HTMLRewriter hands text and attribute values over as written: decode the common entities. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39|nbsp);/gi, (m, e: string) => {
    const k = e.toLowerCase();
    if (k.startsWith("#x")) return safeChar(parseInt(k.slice(2), 16), m);
    if (k.startsWith("#")) return safeChar(parseInt(k.slice(1), 10), m);
    return ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " } as Record<string, string>)[k] ?? m;
  });
}

function safeChar(code: number, fallback: string): string {
  return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : fallback;
}
