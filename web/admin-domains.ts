import { escapeHtml, hiddenInputs, renderPage } from "./layout";
import { CSRF_FIELD } from "./session";
import type { DomainBlockRecord } from "../schemas/admin-blocks";

/**
 * The domain blocks page (`GET /admin/domain_blocks`): the instance's blocks with a Remove
 * button each, and a form to add one with its severity, media and report rejection, comments
 * and obfuscation. Every form carries the session's CSRF value.
 */
export interface AdminDomainsPage {
  lang: string;
  title: string;
  username: string;
  csrf: string;
  blocks: DomainBlockRecord[];
  /** A refused addition's message, with what was typed. */
  error?: string;
  values?: { domain?: string; severity?: string };
}

const STYLE = `<style>
main{max-width:48rem}
section{margin-top:1.5rem}
ul.items{list-style:none;padding:0}
ul.items li{border-top:1px solid #ddd;padding:.75rem 0}
form.inline{display:inline}
.severity{font-weight:bold;text-transform:uppercase;font-size:.8rem;margin-left:.4rem}
label.check{display:block;margin:.3rem 0}
p.error{color:#a00}
form.add input:not([type=checkbox]),form.add select{display:block;width:100%;max-width:24rem;margin:.2rem 0 .6rem}
form.add button{display:block;margin-top:.75rem}
li form.inline{display:block;margin-top:.4rem}
</style>`;

const SEVERITY_LABELS: Record<string, string> = { silence: "Limit (silence)", suspend: "Suspend", noop: "None (only the options below)" };

function flags(b: DomainBlockRecord): string {
  const parts = [b.rejectMedia ? "media rejected" : "", b.rejectReports ? "reports rejected" : "", b.obfuscate ? "obfuscated" : ""].filter(Boolean);
  return parts.length ? ` <small>${parts.join(" · ")}</small>` : "";
}

function blockItem(b: DomainBlockRecord, csrf: string): string {
  const comment = b.publicComment ? `<br><small>Public: ${escapeHtml(b.publicComment)}</small>` : "";
  const note = b.privateComment ? `<br><small>Private: ${escapeHtml(b.privateComment)}</small>` : "";
  return `<li data-domain="${escapeHtml(b.domain)}"><strong>${escapeHtml(b.domain)}</strong><span class="severity">${escapeHtml(b.severity)}</span>${flags(b)}
<small> · ${escapeHtml(b.createdAt.slice(0, 10))}</small>${comment}${note}
<form class="inline" method="post" action="/admin/domain_blocks/${escapeHtml(b.id)}/delete">
${hiddenInputs({ [CSRF_FIELD]: csrf })}
<button type="submit" class="secondary">Remove</button>
</form></li>`;
}

function addForm(p: AdminDomainsPage): string {
  const chosen = p.values?.severity ?? "silence";
  const options = Object.entries(SEVERITY_LABELS)
    .map(([value, label]) => `<option value="${value}"${value === chosen ? " selected" : ""}>${escapeHtml(label)}</option>`)
    .join("");
  const error = p.error ? `<p class="error" role="alert">${escapeHtml(p.error)}</p>` : "";
  return `<form class="add" method="post" action="/admin/domain_blocks">
${hiddenInputs({ [CSRF_FIELD]: p.csrf })}
${error}
<label for="domain">Domain</label>
<input id="domain" name="domain" required maxlength="253" placeholder="example.social" value="${escapeHtml(p.values?.domain ?? "")}">
<label for="severity">Severity</label>
<select id="severity" name="severity">${options}</select>
<label class="check"><input type="checkbox" name="reject_media" value="1"> Reject media files</label>
<label class="check"><input type="checkbox" name="reject_reports" value="1"> Reject reports</label>
<label class="check"><input type="checkbox" name="obfuscate" value="1"> Obfuscate the domain in the public list</label>
<label for="public_comment">Public comment</label>
<input id="public_comment" name="public_comment" maxlength="1000">
<label for="private_comment">Private comment</label>
<input id="private_comment" name="private_comment" maxlength="1000">
<button type="submit">Add domain block</button>
</form>`;
}

export function renderAdminDomains(p: AdminDomainsPage): string {
  const list = p.blocks.length
    ? `<ul class="items" id="domain-blocks">${p.blocks.map((b) => blockItem(b, p.csrf)).join("\n")}</ul>`
    : `<p id="domain-blocks"><small>No domain is blocked.</small></p>`;
  const body = `<h1>Domain blocks · ${escapeHtml(p.title)}</h1>
<p><small>Signed in as @${escapeHtml(p.username)} · <a href="/admin">Moderation</a></small></p>
<section>
<h2>Add a domain block</h2>
${addForm(p)}
</section>
<section>
<h2>Blocked domains (${p.blocks.length})</h2>
${list}
</section>`;
  return renderPage({ title: `Domain blocks · ${p.title}`, lang: p.lang, body, head: STYLE });
}
