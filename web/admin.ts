import { escapeHtml, hiddenInputs, renderPage } from "./layout";
import { CSRF_FIELD } from "./session";

/**
 * The moderation page (`GET /admin`): registrations waiting for approval, with Approve and Reject
 * buttons, and open reports with a Resolve button. Every button is a form post carrying the
 * session's CSRF value.
 */
export interface PendingAccountRow {
  id: string;
  username: string;
  email: string;
  reason: string | null;
  createdAt: string;
}

export interface OpenReportRow {
  id: string;
  /** `user` or `user@domain` */
  target: string;
  reporter: string;
  comment: string;
  createdAt: string;
  statusUrls: string[];
}

export interface AdminPage {
  lang: string;
  title: string;
  username: string;
  csrf: string;
  pending: PendingAccountRow[];
  reports: OpenReportRow[];
}

const STYLE = `<style>
main{max-width:48rem}
section{margin-top:1.5rem}
ul.items{list-style:none;padding:0}
ul.items li{border-top:1px solid #ddd;padding:.75rem 0}
form.inline{display:inline}
form.inline button{margin-top:.5rem}
blockquote{margin:.4rem 0;padding-left:.75rem;border-left:3px solid #ccc;white-space:pre-wrap}
</style>`;

function button(action: string, label: string, csrf: string, secondary = false): string {
  return `<form class="inline" method="post" action="${escapeHtml(action)}">
${hiddenInputs({ [CSRF_FIELD]: csrf })}
<button type="submit"${secondary ? ' class="secondary"' : ""}>${escapeHtml(label)}</button>
</form>`;
}

function pendingItem(a: PendingAccountRow, csrf: string): string {
  const reason = a.reason ? `<blockquote>${escapeHtml(a.reason)}</blockquote>` : "";
  return `<li><strong>@${escapeHtml(a.username)}</strong> <small>${escapeHtml(a.email)} · ${escapeHtml(a.createdAt.slice(0, 10))}</small>
${reason}
${button(`/admin/accounts/${a.id}/approve`, "Approve", csrf)}
${button(`/admin/accounts/${a.id}/reject`, "Reject", csrf, true)}</li>`;
}

function reportItem(r: OpenReportRow, csrf: string): string {
  const comment = r.comment ? `<blockquote>${escapeHtml(r.comment)}</blockquote>` : "";
  const statuses = r.statusUrls.length
    ? `<br><small>Reported posts: ${r.statusUrls.map((u, i) => `<a href="${escapeHtml(u)}">${i + 1}</a>`).join(", ")}</small>`
    : "";
  return `<li><strong>@${escapeHtml(r.target)}</strong> reported by @${escapeHtml(r.reporter)} <small>${escapeHtml(r.createdAt.slice(0, 10))}</small>
${comment}${statuses}
${button(`/admin/reports/${r.id}/resolve`, "Mark as resolved", csrf)}</li>`;
}

export function renderAdmin(p: AdminPage): string {
  const pending = p.pending.length
    ? `<ul class="items">${p.pending.map((a) => pendingItem(a, p.csrf)).join("\n")}</ul>`
    : "<p><small>No registrations are waiting for approval.</small></p>";
  const reports = p.reports.length
    ? `<ul class="items">${p.reports.map((r) => reportItem(r, p.csrf)).join("\n")}</ul>`
    : "<p><small>No open reports.</small></p>";
  const body = `<h1>Moderation · ${escapeHtml(p.title)}</h1>
<p><small>Signed in as @${escapeHtml(p.username)}</small></p>
<p><a href="/admin/domain_blocks">Domain blocks</a></p>
<section>
<h2>Waiting for approval (${p.pending.length})</h2>
${pending}
</section>
<section>
<h2>Open reports (${p.reports.length})</h2>
${reports}
</section>`;
  return renderPage({ title: `Moderation · ${p.title}`, lang: p.lang, body, head: STYLE });
}
