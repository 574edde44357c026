/**
 * Remote HTML → Mastodon's allow-list (Sanitize::Config::MASTODON_STRICT), with the Workers
 * `HTMLRewriter` (a streaming HTML tokenizer). Allowed: p, br, a (http/https href only, forced
 * rel/target), span, strong/b, em/i, del/s, ul/ol/li, blockquote, code, pre; classes only from
 * a known set; headings become <p><strong>…</strong></p> as Mastodon renders them. Anything
 * else is unwrapped (its text kept) or, for elements whose content is code or raw text
 * (script, style, iframe, textarea...), removed with its content.
 */
const ALLOWED = new Set(["p", "br", "a", "span", "strong", "b", "em", "i", "del", "s", "ul", "ol", "li", "blockquote", "code", "pre"]);
const HEADINGS = new Set(["h1", "h2", "h3", "h4", "h5", "h6"]);
/** Removed with everything inside: executable, embedded, or raw-text content (which would come out as markup). */
const DROPPED = new Set([
  "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "template", "noscript", "noembed",
  "noframes", "textarea", "title", "xmp", "plaintext", "svg", "math", "head", "select", "option", "button", "form",
  "input", "canvas", "audio", "video", "picture", "source", "track", "img", "link", "meta", "base", "portal",
]);
/** Microformats and Mastodon's link-shortening classes; anything else is dropped. */
const KNOWN_CLASSES = new Set(["h-card", "mention", "hashtag", "u-url", "invisible", "ellipsis"]);
const LINK_REL = "nofollow noopener noreferrer";
const SAFE_HREF = /^https?:\/\//i;

export async function sanitizeHtml(html: string): Promise<string> {
  if (!html) return "";
  const rewriter = new HTMLRewriter()
    .on("*", { element: sanitizeElement })
    .onDocument({
      comments: (comment) => {
        comment.remove();
      },
      // Text is passed through raw; escaping stray angle brackets keeps it text in any context.
      text: (text) => {
        if (/[<>]/.test(text.text)) text.replace(text.text.replace(/</g, "&lt;").replace(/>/g, "&gt;"), { html: true });
      },
    });
  return (await rewriter.transform(htmlResponse(html)).text()).trim();
}

function sanitizeElement(el: Element): void {
  const tag = el.tagName.toLowerCase();
  if (DROPPED.has(tag)) {
    el.remove();
    return;
  }
  if (HEADINGS.has(tag)) {
    stripAttributes(el, []);
    el.tagName = "strong";
    el.before("<p>", { html: true });
    el.after("</p>", { html: true });
    return;
  }
  if (!ALLOWED.has(tag)) {
    el.removeAndKeepContent();
    return;
  }
  if (tag === "a") {
    sanitizeLink(el);
    return;
  }
  stripAttributes(el, tag === "span" ? ["class"] : []);
  if (tag === "span") keepKnownClasses(el);
}

function sanitizeLink(el: Element): void {
  const href = el.getAttribute("href")?.trim() ?? "";
  if (!SAFE_HREF.test(href)) {
    el.removeAndKeepContent();
    return;
  }
  stripAttributes(el, ["href", "class"]);
  keepKnownClasses(el);
  el.setAttribute("rel", LINK_REL);
  el.setAttribute("target", "_blank");
}

function stripAttributes(el: Element, keep: string[]): void {
  const names = [...el.attributes].map(([name]) => name);
  for (const name of names) if (!keep.includes(name.toLowerCase())) el.removeAttribute(name);
}

function keepKnownClasses(el: Element): void {
  const classes = (el.getAttribute("class") ?? "").split(/\s+/).filter((c) => KNOWN_CLASSES.has(c));
  if (classes.length) el.setAttribute("class", classes.join(" "));
  else el.removeAttribute("class");
}

/**
 * Remote HTML → plain text (content warnings, poll options and names arrive as HTML from some
 * servers): tags dropped, <br> and paragraph ends become newlines, entities decoded.
 */
export async function htmlToText(html: string): Promise<string> {
  if (!html) return "";
  const rewriter = new HTMLRewriter()
    .on("*", {
      element(el) {
        const tag = el.tagName.toLowerCase();
        if (DROPPED.has(tag)) {
          el.remove();
        } else if (tag === "br") {
          el.replace("\n");
        } else {
          if (tag === "p" || tag === "li" || tag === "blockquote" || HEADINGS.has(tag)) {
            el.onEndTag((end) => {
              end.after("\n\n");
            });
          }
          el.removeAndKeepContent();
        }
      },
    })
    .onDocument({
      comments: (comment) => {
        comment.remove();
      },
    });
  const text = await rewriter.transform(htmlResponse(html)).text();
  return decodeEntities(text).replace(/\n{3,}/g, "\n\n").trim();
}

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

function htmlResponse(html: string): Response {
  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
}
