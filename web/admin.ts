import { escapeHtml, hiddenInputs, renderPage } from "./layout";
import { CSRF_FIELD } from "./session";

/**
 * The moderation page (`GET /admin`): registrations waiting for approval (Approve, Reject),
 * open reports (assign, resolve, or act on the reported account, which resolves them),
 * resolved reports (Reopen), and local accounts with their moderation state and actions
 * (suspend, silence, disable, mark sensitive, and their reversal). Every button is a form post
 * carrying the session's CSRF value.
 */
export interface PendingAccountRow {
  id: string;
  username: string;
  email: string;
  reason: string | null;
  createdAt: string;
}

export interface ReportRow {
  id: string;
  /** `user` or `user@domain` */
  target: string;
  targetId: string;
  /** Whether the moderator may act on the reported account (local, and a lower role). */
  actionable: boolean;
  reporter: string;
  category: string;
  comment: string;
  createdAt: string;
  statusUrls: string[];
  assignedTo: string | null;
  assignedToMe: boolean;
  resolvedBy: string | null;
}

export interface AccountRow {
  id: string;
  username: string;
  email: string;
  role: string;
  suspended: boolean;
  silenced: boolean;
  disabled: boolean;
  sensitized: boolean;
  /** Whether the moderator outranks this account (may suspend, silence...). */
  actionable: boolean;
}

export interface AdminPage {
  lang: string;
  title: string;
  username: string;
  csrf: string;
  pending: PendingAccountRow[];
  reports: ReportRow[];
  resolved: ReportRow[];
  accounts: AccountRow[];
  /** The username prefix the account list is filtered by. */
  query: string;
}

const STYLE = `<style>
main{max-width:52rem}
section{margin-top:1.5rem}
ul.items{list-style:none;padding:0}
ul.items li{border-top:1px solid #ddd;padding:.75rem 0}
form.inline{display:inline}
form.inline button,form.inline select{margin-top:.5rem}
.badge{display:inline-block;font-size:.75rem;padding:0 .4rem;border-radius:.3rem;background:#eee;margin-left:.25rem}
.badge.bad{background:#fdd}
blockquote{margin:.4rem 0;padding-left:.75rem;border-left:3px solid #ccc;white-space:pre-wrap}
</style>`;

function button(action: string, label: string, csrf: string, secondary = false, fields: Record<string, string> = {}): string {
  return `<form class="inline" method="post" action="${escapeHtml(action)}">
${hiddenInputs({ [CSRF_FIELD]: csrf, ...fields })}
<button type="submit"${secondary ? ' class="secondary"' : ""}>${escapeHtml(label)}</button>
</form>`;
}

const ACTION_LABELS: [string, string][] = [
  ["none", "No action (resolve only)"],
  ["sensitive", "Mark media sensitive"],
  ["disable", "Disable login"],
  ["silence", "Limit (silence)"],
  ["suspend", "Suspend"],
];

/** The action form of a report: pick an action, give a reason, apply (it resolves the report). */
function actionForm(r: ReportRow, csrf: string): string {
  const options = ACTION_LABELS.map(([v, l]) => `<option value="${v}">${escapeHtml(l)}</option>`).join("");
  return `<form class="inline" method="post" action="/admin/accounts/${escapeHtml(r.targetId)}/action">
${hiddenInputs({ [CSRF_FIELD]: csrf, report_id: r.id })}
<select name="type" aria-label="Action on @${escapeHtml(r.target)}">${options}</select>
<input name="text" placeholder="Reason (optional)" aria-label="Reason">
<button type="submit">Apply</button>
</form>`;
}

function pendingItem(a: PendingAccountRow, csrf: string): string {
  const reason = a.reason ? `<blockquote>${escapeHtml(a.reason)}</blockquote>` : "";
  return `<li><strong>@${escapeHtml(a.username)}</strong> <small>${escapeHtml(a.email)} · ${escapeHtml(a.createdAt.slice(0, 10))}</small>
${reason}
${button(`/admin/accounts/${a.id}/approve`, "Approve", csrf)}
${button(`/admin/accounts/${a.id}/reject`, "Reject", csrf, true)}</li>`;
}

function reportItem(r: ReportRow, csrf: string): string {
  const comment = r.comment ? `<blockquote>${escapeHtml(r.comment)}</blockquote>` : "";
  const statuses = r.statusUrls.length
    ? `<br><small>Reported posts: ${r.statusUrls.map((u, i) => `<a href="${escapeHtml(u)}">${i + 1}</a>`).join(", ")}</small>`
    : "";
  const assigned = r.assignedTo ? ` <span class="badge">assigned to @${escapeHtml(r.assignedTo)}</span>` : "";
  const base = `/admin/reports/${r.id}`;
  const head = `<li id="report-${escapeHtml(r.id)}"><strong>@${escapeHtml(r.target)}</strong> reported by @${escapeHtml(r.reporter)}
<span class="badge">${escapeHtml(r.category)}</span>${assigned} <small>${escapeHtml(r.createdAt.slice(0, 10))}</small>
${comment}${statuses}<br>`;
  if (r.resolvedBy !== null) {
    return `${head}<small>Resolved by @${escapeHtml(r.resolvedBy)}</small>
${button(`${base}/reopen`, "Reopen", csrf, true)}</li>`;
  }
  return `${head}${r.assignedToMe ? button(`${base}/unassign`, "Unassign", csrf, true) : button(`${base}/assign_to_self`, "Assign to me", csrf, true)}
${button(`${base}/resolve`, "Mark as resolved", csrf)}
${r.actionable ? `<br>${actionForm(r, csrf)}` : ""}</li>`;
}

function accountItem(a: AccountRow, csrf: string): string {
  const badges = (["suspended", "silenced", "disabled", "sensitized"] as const)
    .filter((k) => a[k])
    .map((k) => `<span class="badge bad">${k}</span>`)
    .join("");
  const base = `/admin/accounts/${a.id}`;
  const toggle = (on: boolean, undo: string, undoLabel: string, type: string, label: string) =>
    on ? button(`${base}/${undo}`, undoLabel, csrf, true) : a.actionable ? button(`${base}/action`, label, csrf, true, { type }) : "";
  return `<li id="account-${escapeHtml(a.id)}"><strong>@${escapeHtml(a.username)}</strong> <small>${escapeHtml(a.email)} · ${escapeHtml(a.role)}</small>${badges}<br>
${toggle(a.suspended, "unsuspend", "Unsuspend", "suspend", "Suspend")}
${toggle(a.silenced, "unsilence", "Unsilence", "silence", "Silence")}
${toggle(a.disabled, "enable", "Enable login", "disable", "Disable login")}
${toggle(a.sensitized, "unsensitive", "Undo sensitive", "sensitive", "Mark sensitive")}</li>`;
}

function list<T>(items: T[], render: (item: T) => string, empty: string): string {
  return items.length ? `<ul class="items">${items.map(render).join("\n")}</ul>` : `<p><small>${empty}</small></p>`;
}

export function renderAdmin(p: AdminPage): string {
  const body = `<h1>Moderation · ${escapeHtml(p.title)}</h1>
<p><small>Signed in as @${escapeHtml(p.username)}</small></p>
<p><a href="/admin/domain_blocks">Domain blocks</a></p>
<section>
<h2>Waiting for approval (${p.pending.length})</h2>
${list(p.pending, (a) => pendingItem(a, p.csrf), "No registrations are waiting for approval.")}
</section>
<section>
<h2>Open reports (${p.reports.length})</h2>
${list(p.reports, (r) => reportItem(r, p.csrf), "No open reports.")}
</section>
<section>
<h2>Resolved reports</h2>
${list(p.resolved, (r) => reportItem(r, p.csrf), "No resolved reports.")}
</section>
<section>
<h2>Accounts</h2>
<form method="get" action="/admin"><input name="q" value="${escapeHtml(p.query)}" placeholder="Username starts with" aria-label="Find accounts"> <button type="submit">Find</button></form>
${list(p.accounts, (a) => accountItem(a, p.csrf), "No accounts match.")}
</section>`;
  return renderPage({ title: `Moderation · ${p.title}`, lang: p.lang, body, head: STYLE });
}
