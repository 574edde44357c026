import type { AccountRecord, StatusRecord } from "../schemas/records";
import { actorUri, profileUrl, serializeAccount, type Origin } from "../core/serializers/account";
import { tagUrl } from "../core/serializers/status";
import { escapeHtml } from "./layout";
import { handle, renderStatusArticle } from "./status";
import { plainText, remoteInteractionForm, renderPublicPage, socialMeta } from "./public-shell";

/**
 * The public profile page (`/@user`): header and avatar, bio, fields, counts, pinned posts and
 * recent public posts (paged with `?max_id=`), a "follow from your server" form, and the tags
 * link previews and feed readers look for. Everything is escaped except `note_html` and field
 * `value_html` (rendered by us) and status content.
 */
export interface ProfilePageInput {
  siteTitle: string;
  account: AccountRecord;
  statuses: StatusRecord[];
  pinned: StatusRecord[];
  featuredTags: string[];
  /** The cursor of the next (older) page, when there may be one. */
  olderMaxId: string | null;
  /** Whether this is a later page (a link back to the newest posts). */
  paged: boolean;
  /** The media view (`/@user/media`): posts with attachments only. */
  onlyMedia?: boolean;
}

/**
 * Field links are ours (rendered with `rel="nofollow noopener noreferrer"`): they carry `me` too,
 * the half of `rel="me"` verification a profile page owes. A field shows as verified only when its
 * `verified_at` is set.
 */
function fieldsMarkup(a: AccountRecord): string {
  if (!a.fields.length) return "";
  const rows = a.fields.map((f) => {
    const value = f.value_html.replace(/rel="nofollow noopener noreferrer"/g, 'rel="me nofollow noopener noreferrer"');
    const verified = f.verified_at ? ` <span class="verified" title="Verified ${escapeHtml(f.verified_at.slice(0, 10))}">✓ verified</span>` : "";
    return `<dt>${escapeHtml(f.name)}</dt><dd>${value}${verified}</dd>`;
  });
  return `<dl class="fields">${rows.join("")}</dl>`;
}

export function renderProfilePage(p: ProfilePageInput, o: Origin): string {
  const a = p.account;
  const name = a.display_name || a.username;
  const entity = serializeAccount(a, o);
  const url = profileUrl(o, a.username);
  const listUrl = p.onlyMedia ? `${url}/media` : url;
  const rss = `${url}.rss`;
  const head = [
    `<link rel="alternate" type="application/activity+json" href="${escapeHtml(actorUri(o, a.username))}">`,
    `<link rel="alternate" type="application/rss+xml" title="${escapeHtml(`${name}'s posts`)}" href="${escapeHtml(rss)}">`,
    `<link rel="canonical" href="${escapeHtml(url)}">`,
    ...(a.indexable ? [] : ['<meta name="robots" content="noindex, noarchive">']),
    socialMeta({
      siteName: p.siteTitle,
      title: `${name} (${handle(a, o)})`,
      description: plainText(a.note_html) || `${a.statuses_count} posts, ${a.followers_count} followers`,
      url,
      type: "profile",
      image: entity.avatar_static,
    }),
  ].join("\n");
  const tags = p.featuredTags.length
    ? `<p class="meta">${p.featuredTags.map((t) => `<a href="${escapeHtml(tagUrl(o, t))}">#${escapeHtml(t)}</a>`).join(" ")}</p>`
    : "";
  const pinned =
    p.pinned.length && !p.paged
      ? `<h2>Pinned</h2>\n<section class="statuses" aria-label="Pinned posts">${p.pinned.map((s) => renderStatusArticle(s, o)).join("\n")}</section>`
      : "";
  const posts = p.statuses.length ? p.statuses.map((s) => renderStatusArticle(s, o)).join("\n") : '<p class="meta">No posts here.</p>';
  const pager = [
    p.paged ? `<a href="${escapeHtml(listUrl)}">Newest posts</a>` : "<span></span>",
    p.olderMaxId ? `<a href="${escapeHtml(`${listUrl}?max_id=${p.olderMaxId}`)}" rel="next">Older posts</a>` : "",
  ].join("");
  const body = `<header class="profile">
<img class="header-image" src="${escapeHtml(entity.header_static)}" alt="" width="600" height="200">
<div class="profile-top">${`<img class="avatar" src="${escapeHtml(entity.avatar_static)}" alt="${escapeHtml(`${name}'s avatar`)}" width="96" height="96">`}</div>
<h1>${escapeHtml(name)}${a.bot ? ' <span class="meta">(automated)</span>' : ""}</h1>
<p class="acct">${escapeHtml(handle(a, o))}${a.locked ? " · approves followers" : ""}</p>
<div class="note">${a.note_html}</div>
${fieldsMarkup(a)}
<p class="meta"><strong>${a.statuses_count}</strong> posts · <strong>${a.following_count}</strong> following · <strong>${a.followers_count}</strong> followers · joined ${escapeHtml(a.created_at.slice(0, 10))}</p>
${tags}
${remoteInteractionForm(actorUri(o, a.username), "Follow from your server", `Or search for ${handle(a, o)} in your app.`)}
<p class="meta"><a href="${escapeHtml(rss)}">RSS feed</a></p>
</header>
${pinned}
<h2>${p.onlyMedia ? "Media" : "Posts"}</h2>
<p class="meta">${p.onlyMedia ? `<a href="${escapeHtml(url)}">Posts</a> · <strong>Media</strong>` : `<strong>Posts</strong> · <a href="${escapeHtml(`${url}/media`)}">Media</a>`}</p>
<section class="statuses" aria-label="Posts">
${posts}
</section>
<nav class="pager" aria-label="Pages">${pager}</nav>`;
  return renderPublicPage({ siteTitle: p.siteTitle, title: `${name} (${handle(a, o)})`, lang: a.language ?? "en", head, body });
}
