import { escapeHtml, pageResponse, renderPage } from "./layout";

/**
 * The shell of the public pages (landing, about, timelines, profiles, statuses): a header with
 * the instance's name and the public sections, a footer with the documents. Wider than the
 * sign-in card, one column on a phone.
 *
 * Public pages show avatars and media that may live on other servers (remote accounts, an R2
 * media origin): images and media may come from any https origin. Scripts stay `'self'` only
 * (there are none) and nothing may frame us.
 */
export const PUBLIC_CSP =
  "default-src 'self'; img-src 'self' https: data:; media-src 'self' https:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

export const PUBLIC_STYLE = `<style>
main{max-width:42rem;margin:1rem auto;padding:1rem 1.25rem}
@media (max-width:30rem){main{margin:0;border-radius:0;padding:.75rem}}
a{color:#4a2fb8}
nav.site{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:baseline;border-bottom:1px solid #e4e4ee;padding-bottom:.6rem;margin-bottom:1rem}
nav.site .brand{font-weight:700;font-size:1.1rem;color:inherit;text-decoration:none;margin-right:auto}
footer.site{border-top:1px solid #e4e4ee;margin-top:1.5rem;padding-top:.6rem;font-size:.85rem;color:#555;display:flex;flex-wrap:wrap;gap:.4rem 1rem}
article.status{border-top:1px solid #e4e4ee;padding:1rem 0}
article.status header{display:flex;gap:.6rem;align-items:center}
article.status header a{color:inherit;text-decoration:none}
img.avatar{border-radius:8px;background:#e4e4ee;flex:none;object-fit:cover}
.acct,.meta,.boosted{color:#555;font-size:.9rem}
.content{overflow-wrap:anywhere}
.content p{margin:.5rem 0}
.invisible{display:none}
.ellipsis::after{content:"…"}
details summary{cursor:pointer;font-weight:600}
ul.poll{padding-left:1.1rem}
.media{display:grid;grid-template-columns:repeat(auto-fit,minmax(8rem,1fr));gap:.4rem;margin:.5rem 0}
.media img,.media video{width:100%;height:auto;max-height:22rem;object-fit:cover;border-radius:6px;background:#e4e4ee}
.header-image{width:100%;height:auto;aspect-ratio:3/1;object-fit:cover;border-radius:8px;background:#e4e4ee;display:block}
.profile-top{display:flex;gap:1rem;align-items:flex-end;margin-top:-2.5rem;padding:0 .5rem}
.profile-top img.avatar{border:3px solid #fff}
dl.fields{display:grid;grid-template-columns:minmax(6rem,auto) 1fr;gap:.3rem .8rem;overflow-wrap:anywhere}
dl.fields dt{font-weight:600}
dl.fields dd{margin:0}
.verified{color:#1a7f37}
.pager{display:flex;justify-content:space-between;margin-top:1rem}
.notice{background:#f0f0f6;padding:.6rem .8rem;border-radius:6px}
input[type=text]{width:100%;box-sizing:border-box;padding:.55rem;font-size:1rem;border:1px solid #bbb;border-radius:6px}
a.button{display:inline-block;padding:.6rem 1.1rem;border-radius:6px;background:#563acc;color:#fff;text-decoration:none;margin:.5rem .5rem 0 0}
a.button.secondary{background:#e4e4ee;color:#1f1f2e}
</style>`;

export interface PublicPage {
  /** The instance's name, shown in the header. */
  siteTitle: string;
  title: string;
  lang?: string;
  /** Already-escaped extra `<head>` markup. */
  head?: string;
  /** Already-escaped page content. */
  body: string;
}

export function renderPublicPage(p: PublicPage): string {
  const nav = `<nav class="site" aria-label="Site">
<a class="brand" href="/">${escapeHtml(p.siteTitle)}</a>
<a href="/public/local">Local</a>
<a href="/public">Federated</a>
<a href="/about">About</a>
</nav>`;
  const footer = `<footer class="site">
<a href="/about">About</a>
<a href="/privacy-policy">Privacy policy</a>
<a href="/terms">Terms of service</a>
<span>Powered by Pronghorn</span>
</footer>`;
  const head = [PUBLIC_STYLE, '<link rel="icon" href="/favicon.ico">', '<link rel="manifest" href="/manifest.json">', p.head ?? ""]
    .filter(Boolean)
    .join("\n");
  return renderPage({ title: p.title, lang: p.lang, head, body: `${nav}\n${p.body}\n${footer}` });
}

/** A public page's response: the page headers with the public CSP; caches may keep it briefly. */
export function publicPageResponse(htmlText: string, status = 200): Response {
  const response = pageResponse(htmlText, status);
  response.headers.set("content-security-policy", PUBLIC_CSP);
  return response;
}

/** OpenGraph and Twitter card tags (values escaped here). */
export function socialMeta(m: { siteName: string; title: string; description: string; url: string; image?: string | null; type?: string; card?: string }): string {
  const tags: [string, string, string][] = [
    ["property", "og:site_name", m.siteName],
    ["property", "og:type", m.type ?? "website"],
    ["property", "og:title", m.title],
    ["property", "og:description", m.description],
    ["property", "og:url", m.url],
    ...(m.image ? ([["property", "og:image", m.image]] as [string, string, string][]) : []),
    ["name", "twitter:card", m.card ?? "summary"],
    ["name", "twitter:title", m.title],
    ["name", "twitter:description", m.description],
    ...(m.image ? ([["name", "twitter:image", m.image]] as [string, string, string][]) : []),
    ["name", "description", m.description],
  ];
  return tags.map(([attr, key, value]) => `<meta ${attr}="${key}" content="${escapeHtml(value)}">`).join("\n");
}

/** Plain text of rendered HTML, shortened: for descriptions in meta tags and feeds' titles. */
export function plainText(html: string, max = 200): string {
  const text = html
    .replace(/<br\s*\/?>/gi, " ")
    .replace(/<\/p>/gi, " ")
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * "Follow (or reply) from your server": a plain GET form to `/remote_interaction`, which sends
 * the visitor to their own server's `authorize_interaction` page for `uri`.
 */
export function remoteInteractionForm(uri: string, summary: string, hint: string): string {
  return `<details class="interact">
<summary>${escapeHtml(summary)}</summary>
<form method="get" action="/remote_interaction">
<input type="hidden" name="uri" value="${escapeHtml(uri)}">
<label for="server">Your server's address</label>
<input type="text" id="server" name="server" placeholder="mastodon.social" autocapitalize="none" spellcheck="false" required>
<button type="submit">Continue on your server</button>
</form>
<p class="meta">${escapeHtml(hint)}</p>
</details>`;
}
