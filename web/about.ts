import type { InstanceSettings } from "../core/instance-settings";
import type { Origin } from "../core/serializers/account";
import { escapeHtml } from "./layout";
import { renderPublicPage, socialMeta } from "./public-shell";
import { joinMarkup } from "./landing";

/**
 * `/about` (rules, languages, contact, moderated servers), `/privacy-policy` and `/terms`. The
 * documents' HTML is made by `core/instance-settings.ts` from escaped plain text or is our default.
 */
export interface ModeratedServer {
  domain: string;
  severity: "silence" | "suspend";
  comment: string | null;
}

export interface AboutInput {
  settings: InstanceSettings;
  languageNames: string[];
  moderated: ModeratedServer[];
}

function moderatedMarkup(moderated: ModeratedServer[]): string {
  if (!moderated.length) return "<p>No servers are moderated here.</p>";
  const rows = moderated.map(
    (m) => `<li><strong>${escapeHtml(m.domain)}</strong>: ${m.severity === "suspend" ? "suspended" : "limited"}${m.comment ? ` – ${escapeHtml(m.comment)}` : ""}</li>`,
  );
  return `<ul>${rows.join("")}</ul>`;
}

export function renderAbout({ settings: s, languageNames, moderated }: AboutInput, o: Origin): string {
  const rules = s.rules.length
    ? `<ol>${s.rules.map((r) => `<li>${escapeHtml(r.text)}</li>`).join("")}</ol>`
    : "<p>This server has not published rules.</p>";
  const contact = s.contactEmail
    ? `<p><a href="mailto:${escapeHtml(s.contactEmail)}">${escapeHtml(s.contactEmail)}</a></p>`
    : "<p>No contact address has been published.</p>";
  const body = `<h1>About ${escapeHtml(s.title)}</h1>
<p>${escapeHtml(s.description)}</p>
<section aria-labelledby="rules"><h2 id="rules">Rules</h2>
${rules}
</section>
<section aria-labelledby="languages"><h2 id="languages">Languages</h2>
<p>${languageNames.map(escapeHtml).join(", ")}</p>
</section>
<section aria-labelledby="contact"><h2 id="contact">Contact</h2>
${contact}
</section>
<section aria-labelledby="moderated"><h2 id="moderated">Moderated servers</h2>
${moderatedMarkup(moderated)}
</section>
<section aria-labelledby="join"><h2 id="join">Join</h2>
${joinMarkup(s)}
</section>
<p><a href="/privacy-policy">Privacy policy</a> · <a href="/terms">Terms of service</a></p>`;
  const head = socialMeta({ siteName: s.title, title: `About ${s.title}`, description: s.description, url: `${o.origin}/about` });
  return renderPublicPage({ siteTitle: s.title, title: `About – ${s.title}`, lang: s.languages[0], head, body });
}

/** The privacy policy or the terms: a heading, when they last changed, the document. */
export function renderDocument(s: InstanceSettings, which: "privacy" | "terms"): string {
  const title = which === "privacy" ? "Privacy policy" : "Terms of service";
  const html = which === "privacy" ? s.privacyPolicyHtml : s.termsHtml;
  const body = `<h1>${title}</h1>
<p class="meta">Last updated <time datetime="${escapeHtml(s.textsUpdatedAt)}">${escapeHtml(s.textsUpdatedAt.slice(0, 10))}</time></p>
<div class="document">${html}</div>`;
  return renderPublicPage({ siteTitle: s.title, title: `${title} – ${s.title}`, lang: s.languages[0], body });
}
