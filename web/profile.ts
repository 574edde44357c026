import type { AccountRecord, StatusRecord } from "../schemas/records";
import { actorUri, profileUrl, type Origin } from "../core/serializers/account";
import { tagUrl } from "../core/serializers/status";
import { escapeHtml, renderPage } from "./layout";
import { handle, PUBLIC_PAGE_STYLE, renderStatusArticle } from "./status";

/**
 * The public profile page (`/@user`): the profile and recent public posts. Everything is
 * escaped except `note_html` and field `value_html` (rendered by us) and status content.
 */
export interface ProfilePageInput {
  account: AccountRecord;
  statuses: StatusRecord[];
  featuredTags: string[];
}

export function renderProfilePage({ account: a, statuses, featuredTags }: ProfilePageInput, o: Origin): string {
  const name = a.display_name || a.username;
  const head = [
    `<link rel="alternate" type="application/activity+json" href="${escapeHtml(actorUri(o, a.username))}">`,
    `<link rel="canonical" href="${escapeHtml(profileUrl(o, a.username))}">`,
    ...(a.indexable ? [] : ['<meta name="robots" content="noindex, noarchive">']),
    PUBLIC_PAGE_STYLE,
  ].join("\n");
  const fields = a.fields.length
    ? `<dl class="fields">${a.fields.map((f) => `<dt>${escapeHtml(f.name)}</dt><dd>${f.value_html}</dd>`).join("")}</dl>`
    : "";
  const tags = featuredTags.length
    ? `<p class="meta">${featuredTags.map((t) => `<a href="${escapeHtml(tagUrl(o, t))}">#${escapeHtml(t)}</a>`).join(" ")}</p>`
    : "";
  const posts = statuses.length ? statuses.map((s) => renderStatusArticle(s, o)).join("\n") : "<p class=\"meta\">No posts yet.</p>";
  const body = `<header class="profile">
<h1>${escapeHtml(name)}${a.bot ? ' <span class="meta">(automated)</span>' : ""}</h1>
<p class="acct">${escapeHtml(handle(a, o))}</p>
<div class="note">${a.note_html}</div>
${fields}
<p class="meta"><strong>${a.statuses_count}</strong> posts · <strong>${a.following_count}</strong> following · <strong>${a.followers_count}</strong> followers</p>
${tags}
</header>
<section class="statuses">
${posts}
</section>`;
  return renderPage({ title: `${name} (${handle(a, o)})`, lang: a.language ?? "en", head, body });
}
