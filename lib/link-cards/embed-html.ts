/**
 * The only markup a preview card may carry, as Mastodon's oEmbed sanitizer allows: a single
 * `<iframe>` with an https `src` and its size. We rebuild the tag from those attributes rather
 * than pass any of the provider's markup through; anything else gives "".
 */
export async function sanitizeEmbedHtml(html: string): Promise<string> {
  let frame: { src: string; width: string | null; height: string | null } | null = null;
  await new HTMLRewriter()
    .on("iframe[src]", {
      element(el) {
        if (frame) return;
        frame = { src: el.getAttribute("src")!, width: el.getAttribute("width"), height: el.getAttribute("height") };
      },
    })
    .transform(new Response(html))
    .arrayBuffer();
  if (!frame) return "";
  return iframeHtml((frame as { src: string }).src, frame);
}

/** `<iframe>` markup for a player address; "" unless it is https. */
export function iframeHtml(src: string, size: { width: string | number | null; height: string | number | null }): string {
  let url: URL;
  try {
    url = new URL(src.replace(/&amp;/g, "&"));
  } catch {
    return "";
  }
  if (url.protocol !== "https:") return "";
  const dim = (v: string | number | null) => (v !== null && /^\d{1,5}$/.test(String(v)) ? String(v) : null);
  const attrs = [`src="${escapeAttr(url.href)}"`];
  const w = dim(size.width);
  const h = dim(size.height);
  if (w) attrs.push(`width="${w}"`);
  if (h) attrs.push(`height="${h}"`);
  attrs.push('frameborder="0"', 'allowfullscreen="true"');
  return `<iframe ${attrs.join(" ")}></iframe>`;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
