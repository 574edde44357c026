import type { AccountSnapshot, StatusRecord } from "../schemas/records";
import { type Origin, profileUrl } from "../core/serializers/account";
import { statusUri, statusUrl } from "../core/serializers/status";
import { escapeHtml, renderPage } from "./layout";

/**
 * The public HTML page of a status (`/@user/:id`) and the status markup the profile page
 * reuses. Everything is escaped except `content`, which is HTML we rendered (local) or
 * sanitized on arrival (remote).
 */
export const PUBLIC_PAGE_STYLE = `<style>
main{max-width:40rem}
article.status{border-top:1px solid #e4e4ee;padding:1rem 0}
article.status header a{color:inherit;text-decoration:none}
.acct,.meta,.boosted{color:#555;font-size:.9rem}
.content p{margin:.5rem 0}
.invisible{display:none}
.ellipsis::after{content:"…"}
details summary{cursor:pointer;font-weight:600}
ul.poll{padding-left:1.1rem}
</style>`;

export function handle(a: Pick<AccountSnapshot, "username" | "domain">, o: Origin): string {
  return `@${a.username}@${a.domain ?? o.domain}`;
}

function accountLink(a: AccountSnapshot, o: Origin): string {
  const href = a.url ?? profileUrl(o, a.username);
  return `<a href="${escapeHtml(href)}"><strong>${escapeHtml(a.display_name || a.username)}</strong> <span class="acct">${escapeHtml(handle(a, o))}</span></a>`;
}

function pollMarkup(poll: NonNullable<StatusRecord["poll"]>): string {
  const items = poll.options
    .map((opt) => `<li>${escapeHtml(opt.title)} <span class="meta">(${opt.votes_count} ${opt.votes_count === 1 ? "vote" : "votes"})</span></li>`)
    .join("");
  return `<ul class="poll">${items}</ul>`;
}

/** One status (a boost shows the boosted status under a "boosted" line). */
export function renderStatusArticle(s: StatusRecord, o: Origin): string {
  if (s.reblog) {
    const booster = escapeHtml(s.account.display_name || s.account.username);
    return `<p class="boosted">${booster} boosted</p>\n${renderStatusArticle(s.reblog, o)}`;
  }
  const body = `<div class="content" lang="${escapeHtml(s.language ?? "")}">${s.content}</div>${s.poll ? pollMarkup(s.poll) : ""}`;
  const main = s.spoiler_text ? `<details><summary>${escapeHtml(s.spoiler_text)}</summary>${body}</details>` : body;
  const when = `<time datetime="${escapeHtml(s.created_at)}">${escapeHtml(s.created_at.slice(0, 16).replace("T", " "))}</time>`;
  const counts = `${s.replies_count} replies · ${s.reblogs_count} boosts · ${s.favourites_count} favourites`;
  return `<article class="status">
<header>${accountLink(s.account, o)}</header>
${main}
<footer class="meta"><a href="${escapeHtml(statusUrl(o, s))}">${when}</a>${s.edited_at ? " · edited" : ""} · ${counts}</footer>
</article>`;
}

export function renderStatusPage(s: StatusRecord, o: Origin): string {
  const name = s.account.display_name || s.account.username;
  const head = [
    `<link rel="alternate" type="application/activity+json" href="${escapeHtml(statusUri(o, s))}">`,
    `<link rel="canonical" href="${escapeHtml(statusUrl(o, s))}">`,
    PUBLIC_PAGE_STYLE,
  ].join("\n");
  return renderPage({ title: `${name}: ${s.spoiler_text || "post"}`, lang: s.language ?? "en", head, body: renderStatusArticle(s, o) });
}
