import type { InstanceSettings } from "../core/instance-settings";
import type { Origin } from "../core/serializers/account";
import type { StatusRecord } from "../schemas/records";
import { ICON_PATH } from "../core/serializers/instance";
import { escapeHtml } from "./layout";
import { renderPublicPage, socialMeta } from "./public-shell";
import { renderStatusArticle } from "./status";

/**
 * The instance's front door (`/`): what it is, how to join (by registration mode), how to sign
 * in, how to use it from an app, and a preview of the local timeline.
 */
export interface LandingInput {
  settings: InstanceSettings;
  stats: { users: number; localPosts: number };
  preview: StatusRecord[];
}

/** A few Mastodon apps people can sign in with (names only: no third-party links to rot). */
const APPS = ["Mastodon for Android and iOS", "Tusky (Android)", "Ice Cubes (iOS, macOS)", "Elk and Phanpy (web)"];

export function joinMarkup(s: InstanceSettings): string {
  if (s.registrationMode === "open") {
    return `<p>Anyone can create an account here.</p>\n<p><a class="button" href="/auth/sign_up">Create account</a><a class="button secondary" href="/auth/sign_in">Sign in</a></p>`;
  }
  if (s.registrationMode === "approval") {
    return `<p>Sign-ups are reviewed: tell the moderators why you would like to join, and your account is usable once approved.</p>
<p><a class="button" href="/auth/sign_up">Apply for an account</a><a class="button secondary" href="/auth/sign_in">Sign in</a></p>`;
  }
  const message = s.registrationMessage ? `<p class="notice">${escapeHtml(s.registrationMessage)}</p>` : "";
  return `<p>This server is not accepting new accounts.</p>\n${message}\n<p><a class="button secondary" href="/auth/sign_in">Sign in</a></p>`;
}

export function renderLanding({ settings: s, stats, preview }: LandingInput, o: Origin): string {
  const contact = s.contactEmail ? `<p>Contact: <a href="mailto:${escapeHtml(s.contactEmail)}">${escapeHtml(s.contactEmail)}</a></p>` : "";
  const posts = preview.length
    ? preview.map((st) => renderStatusArticle(st, o)).join("\n")
    : '<p class="meta">Nothing has been posted here yet.</p>';
  const head = [
    `<link rel="canonical" href="${escapeHtml(`${o.origin}/`)}">`,
    socialMeta({ siteName: s.title, title: s.title, description: s.description, url: `${o.origin}/`, image: `${o.origin}${ICON_PATH}` }),
  ].join("\n");
  const body = `<h1>${escapeHtml(s.title)}</h1>
<p>${escapeHtml(s.description)}</p>
<p class="meta"><strong>${stats.users}</strong> people · <strong>${stats.localPosts}</strong> posts · part of the fediverse</p>
${contact}
<section aria-labelledby="join"><h2 id="join">Join</h2>
${joinMarkup(s)}
</section>
<section aria-labelledby="apps"><h2 id="apps">Use it from an app</h2>
<p>Any Mastodon app works. When it asks for your server, type:</p>
<p class="code">${escapeHtml(o.domain)}</p>
<p>For example: ${APPS.map(escapeHtml).join(", ")}.</p>
</section>
<section aria-labelledby="recent"><h2 id="recent">Recent posts from this server</h2>
${posts}
<p><a href="/public/local">See more</a></p>
</section>`;
  return renderPublicPage({ siteTitle: s.title, title: s.title, lang: s.languages[0], head, body });
}
