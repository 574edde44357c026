import type { AccountSnapshot, StatusRecord } from "../schemas/records";
import { type Origin, profileUrl, serializeAccount } from "../core/serializers/account";
import { serializeMediaAttachment } from "../core/serializers/media";
import { statusUri, statusUrl } from "../core/serializers/status";
import { escapeHtml } from "./layout";
import { plainText, remoteInteractionForm, renderPublicPage, socialMeta } from "./public-shell";

/**
 * The public HTML page of a status (`/@user/:id`) and the status markup every public page
 * reuses. Everything is escaped except `content`, which is HTML we rendered (local) or
 * sanitized on arrival (remote).
 */

export function handle(a: Pick<AccountSnapshot, "username" | "domain">, o: Origin): string {
  return `@${a.username}@${a.domain ?? o.domain}`;
}

/** The account's avatar as an image of the given size (alt text: the name is next to it). */
export function avatarImage(a: AccountSnapshot, o: Origin, size: number): string {
  const src = serializeAccount(a, o).avatar_static;
  return `<img class="avatar" src="${escapeHtml(src)}" alt="" width="${size}" height="${size}" loading="lazy">`;
}

function accountLink(a: AccountSnapshot, o: Origin): string {
  const href = a.url ?? profileUrl(o, a.username);
  return `<a href="${escapeHtml(href)}">${avatarImage(a, o, 40)}</a><a href="${escapeHtml(href)}"><strong>${escapeHtml(a.display_name || a.username)}</strong> <span class="acct">${escapeHtml(handle(a, o))}</span></a>`;
}

function pollMarkup(poll: NonNullable<StatusRecord["poll"]>): string {
  const items = poll.options
    .map((opt) => `<li>${escapeHtml(opt.title)} <span class="meta">(${opt.votes_count} ${opt.votes_count === 1 ? "vote" : "votes"})</span></li>`)
    .join("");
  const closed = poll.expires_at !== null && poll.expires_at <= new Date().toISOString();
  const state = closed ? "closed" : poll.expires_at ? `closes ${escapeHtml(poll.expires_at.slice(0, 16).replace("T", " "))}` : "open";
  return `<ul class="poll">${items}</ul><p class="meta">${poll.votes_count} votes · ${state}</p>`;
}

function mediaMarkup(s: StatusRecord, o: Origin): string {
  const items = (s.media_attachments ?? []).map((record) => {
    const m = serializeMediaAttachment(record, o);
    const alt = escapeHtml(m.description ?? "");
    if (!m.url) return "";
    if (m.type === "video" || m.type === "gifv") {
      const loop = m.type === "gifv" ? " loop muted autoplay playsinline" : " controls";
      return `<video src="${escapeHtml(m.url)}"${loop} aria-label="${alt}" preload="none"${m.preview_url ? ` poster="${escapeHtml(m.preview_url)}"` : ""}></video>`;
    }
    if (m.type === "audio") return `<audio src="${escapeHtml(m.url)}" controls preload="none" aria-label="${alt}"></audio>`;
    const preview = m.preview_url ?? m.url;
    return `<a href="${escapeHtml(m.url)}"><img src="${escapeHtml(preview)}" alt="${alt}" loading="lazy"></a>`;
  });
  return items.length ? `<div class="media">${items.join("")}</div>` : "";
}

/** One status (a boost shows the boosted status under a "boosted" line). */
/** The link's preview card as text (title, site, description): no remote image or embed on our pages. */
function cardMarkup(s: StatusRecord): string {
  const c = s.card;
  if (!c || (s.media_attachments ?? []).length) return "";
  const site = c.provider_name || new URL(c.url).host;
  const description = c.description ? `<br><span class="meta">${escapeHtml(c.description.length > 200 ? `${c.description.slice(0, 199)}…` : c.description)}</span>` : "";
  return `<p class="card"><a href="${escapeHtml(c.url)}" rel="nofollow noopener noreferrer"><strong>${escapeHtml(c.title || c.url)}</strong></a> <span class="meta">${escapeHtml(site)}</span>${description}</p>`;
}

export function renderStatusArticle(s: StatusRecord, o: Origin): string {
  if (s.reblog) {
    const booster = escapeHtml(s.account.display_name || s.account.username);
    return `<p class="boosted">${booster} boosted</p>\n${renderStatusArticle(s.reblog, o)}`;
  }
  const body = `<div class="content" lang="${escapeHtml(s.language ?? "")}">${s.content}</div>${mediaMarkup(s, o)}${s.poll ? pollMarkup(s.poll) : ""}${cardMarkup(s)}`;
  const main = s.spoiler_text || s.sensitive ? `<details><summary>${escapeHtml(s.spoiler_text || "Sensitive content")}</summary>${body}</details>` : body;
  const when = `<time datetime="${escapeHtml(s.created_at)}">${escapeHtml(s.created_at.slice(0, 16).replace("T", " "))}</time>`;
  const counts = `${s.replies_count} replies · ${s.reblogs_count} boosts · ${s.favourites_count} favourites`;
  const href = s.url ?? statusUrl(o, s);
  return `<article class="status">
<header>${accountLink(s.account, o)}</header>
${main}
<footer class="meta"><a href="${escapeHtml(href)}">${when}</a>${s.edited_at ? " · edited" : ""} · ${counts}</footer>
</article>`;
}

export interface StatusPageInput {
  siteTitle: string;
  status: StatusRecord;
  /** Public and unlisted statuses before and after it in the thread (as a signed-out reader sees them). */
  ancestors: StatusRecord[];
  descendants: StatusRecord[];
}

export function renderStatusPage({ siteTitle, status: s, ancestors, descendants }: StatusPageInput, o: Origin): string {
  const name = s.account.display_name || s.account.username;
  const url = statusUrl(o, s);
  const firstImage = (s.media_attachments ?? []).map((m) => serializeMediaAttachment(m, o)).find((m) => m.type === "image");
  const description = s.spoiler_text ? `Content warning: ${s.spoiler_text}` : plainText(s.content) || "(no text)";
  const head = [
    `<link rel="alternate" type="application/activity+json" href="${escapeHtml(statusUri(o, s))}">`,
    `<link rel="canonical" href="${escapeHtml(url)}">`,
    `<link rel="alternate" type="application/json+oembed" href="${escapeHtml(`${o.origin}/api/oembed?url=${encodeURIComponent(url)}`)}">`,
    ...(s.account.indexable ? [] : ['<meta name="robots" content="noindex, noarchive">']),
    socialMeta({
      siteName: siteTitle,
      title: `${name} (${handle(s.account, o)})`,
      description,
      url,
      type: "article",
      image: firstImage?.preview_url ?? serializeAccount(s.account, o).avatar_static,
      card: firstImage ? "summary_large_image" : "summary",
    }),
  ].join("\n");
  const thread = (list: StatusRecord[]) => list.map((x) => renderStatusArticle(x, o)).join("\n");
  const body = `${ancestors.length ? `<section class="statuses" aria-label="Earlier in the thread">${thread(ancestors)}</section>` : ""}
<section class="statuses" aria-label="Post">${renderStatusArticle(s, o)}</section>
${remoteInteractionForm(statusUri(o, s), "Reply, boost or favourite from your server", "Or paste this post's address into your app's search.")}
${descendants.length ? `<h2>Replies</h2>\n<section class="statuses" aria-label="Replies">${thread(descendants)}</section>` : ""}`;
  return renderPublicPage({ siteTitle, title: `${name}: ${plainText(s.spoiler_text || s.content, 60) || "post"}`, lang: s.language ?? "en", head, body });
}
