/**
 * The minimal shell every server-rendered page shares, and the escaping helper all of them use.
 * Pages are plain strings: no templating library, no client-side script.
 */

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for use in HTML element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

/**
 * No `form-action` directive on purpose: Chromium applies it to the redirect that follows a form
 * post, which would block the consent form's 302 to an app's custom scheme (`oauth2redirect://`).
 */
export const PAGE_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

const LANG_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;

/** A BCP 47-looking language tag from the request, or English. */
export function pageLang(lang: unknown): string {
  return typeof lang === "string" && LANG_TAG.test(lang) ? lang : "en";
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f4f8;color:#1f1f2e;margin:0}
main{max-width:26rem;margin:3rem auto;padding:1.5rem 1.75rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px #0002}
h1{font-size:1.35rem;margin:0 0 1rem}
label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input[type=text],input[type=password],input[type=email]{width:100%;box-sizing:border-box;padding:.55rem;font-size:1rem;border:1px solid #bbb;border-radius:6px}
button{padding:.6rem 1.1rem;font-size:1rem;border-radius:6px;border:0;background:#563acc;color:#fff;cursor:pointer;margin:1rem .5rem 0 0}
button.secondary{background:#e4e4ee;color:#1f1f2e}
.error{background:#fde8e8;color:#8a1010;padding:.6rem .8rem;border-radius:6px}
.code{font-family:ui-monospace,monospace;font-size:1rem;word-break:break-all;padding:.6rem;background:#f0f0f6;border-radius:6px;user-select:all}
ul.scopes{padding-left:1.1rem}
ul.scopes li{margin:.3rem 0}
small{color:#555}
`;

export interface PageOptions {
  title: string;
  lang?: string;
  /** Already-escaped HTML for the page body. */
  body: string;
  /** Already-escaped extra `<head>` markup (alternate links, page-specific style). */
  head?: string;
}

export function renderPage({ title, lang = "en", body, head = "" }: PageOptions): string {
  return `<!DOCTYPE html>
<html lang="${escapeHtml(pageLang(lang))}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>${head ? `\n${head}` : ""}
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** An HTML response with the headers every page carries (CSP, no framing, no caching). */
export function pageResponse(htmlText: string, status = 200, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("content-type", "text/html; charset=utf-8");
  h.set("content-security-policy", PAGE_CSP);
  h.set("x-frame-options", "DENY");
  h.set("x-content-type-options", "nosniff");
  h.set("referrer-policy", "no-referrer");
  h.set("cache-control", "no-store");
  return new Response(htmlText, { status, headers: h });
}

/** Hidden inputs carrying values through a form post; empty values are left out. */
export function hiddenInputs(fields: Record<string, string | null | undefined>): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v!)}">`)
    .join("\n");
}

/** A page that explains what went wrong, with the given status. */
export function errorPage(status: number, title: string, message: string, lang?: string, headers: HeadersInit = {}): Response {
  const body = `<h1>${escapeHtml(title)}</h1>\n<p class="error">${escapeHtml(message)}</p>`;
  return pageResponse(renderPage({ title, lang, body }), status, headers);
}
