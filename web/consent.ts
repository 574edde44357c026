import { escapeHtml, hiddenInputs, renderPage } from "./layout";
import { CSRF_FIELD } from "./session";

/** What each top-level scope lets an app do, in the words Mastodon's consent page uses. */
const TOP_LEVEL: Record<string, string> = {
  read: "Read all your account's data",
  write: "Modify all your account's data",
  follow: "Modify account relationships",
  push: "Receive your push notifications",
  profile: "Read only your account's profile information",
  "admin:read": "Read all data on the server",
  "admin:write": "Modify all data on the server",
};

const SUBJECTS: Record<string, string> = {
  accounts: "account information",
  blocks: "blocks",
  bookmarks: "bookmarks",
  conversations: "conversations",
  favourites: "favourites",
  filters: "filters",
  follows: "follows",
  lists: "lists",
  media: "media attachments",
  mutes: "mutes",
  notifications: "notifications",
  reports: "reports",
  search: "search",
  statuses: "posts",
  domain_allows: "allowed domains",
  domain_blocks: "blocked domains",
  ip_blocks: "IP blocks",
  email_domain_blocks: "blocked e-mail domains",
  canonical_email_blocks: "blocked e-mail addresses",
};

export function describeScope(scope: string): string {
  if (TOP_LEVEL[scope]) return TOP_LEVEL[scope];
  const cut = scope.lastIndexOf(":");
  const parent = scope.slice(0, cut);
  const subject = SUBJECTS[scope.slice(cut + 1)] ?? scope.slice(cut + 1);
  switch (parent) {
    case "read":
      return `Read your ${subject}`;
    case "write":
      return `Modify your ${subject}`;
    case "admin:read":
      return `Read ${subject} on the server`;
    case "admin:write":
      return `Moderate ${subject} on the server`;
    default:
      return scope;
  }
}

export interface ConsentPage {
  lang: string;
  appName: string;
  appWebsite: string | null;
  username: string;
  domain: string;
  scopes: string[];
  csrf: string;
  /** The authorization request, carried to POST /oauth/authorize. */
  request: Record<string, string | null>;
  /** Query string that brings the browser back to this request after signing out. */
  returnQuery: string;
}

export function renderConsent(p: ConsentPage): string {
  const app = p.appWebsite && /^https?:\/\//i.test(p.appWebsite)
    ? `<a href="${escapeHtml(p.appWebsite)}" rel="noopener noreferrer">${escapeHtml(p.appName)}</a>`
    : `<strong>${escapeHtml(p.appName)}</strong>`;
  const scopes = p.scopes
    .map((s) => `<li>${escapeHtml(describeScope(s))} <small>(${escapeHtml(s)})</small></li>`)
    .join("\n");
  const body = `<h1>Authorization required</h1>
<p>${app} would like permission to access your account <strong>@${escapeHtml(p.username)}@${escapeHtml(p.domain)}</strong>. It is a third-party application. If you do not trust it, then you should not authorize it.</p>
<p>Review permissions:</p>
<ul class="scopes">
${scopes}
</ul>
<form method="post" action="/oauth/authorize">
${hiddenInputs({ ...p.request, [CSRF_FIELD]: p.csrf })}
<button type="submit" name="decision" value="approve">Authorize</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>
<form method="post" action="/auth/sign_out">
${hiddenInputs({ [CSRF_FIELD]: p.csrf, return_to: `/oauth/authorize?${p.returnQuery}` })}
<p><small>Not @${escapeHtml(p.username)}?</small> <button type="submit" class="secondary">Sign out</button></p>
</form>`;
  return renderPage({ title: "Authorization required", lang: p.lang, body });
}
