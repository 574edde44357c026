import { escapeHtml, hiddenInputs, renderPage } from "./layout";
import { settingsNav } from "./settings-nav";
import { CSRF_FIELD } from "./session";
import type { ArchiveRecord, ExportCounts, ImportDetail, ImportRecord } from "../schemas/portability";

/**
 * The signed-in settings pages for moving in and out: `GET /settings/export` (CSV downloads and
 * the archive) and `GET /settings/imports` (upload form and past imports), and one import's
 * progress with the rows that failed (`GET /settings/imports/:id`, refreshing itself while it
 * runs). Plain forms, no script; every form carries the session's CSRF value.
 */

const STYLE = `<style>
main{max-width:44rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{text-align:left;padding:.4rem .5rem;border-top:1px solid #ddd;vertical-align:top}
td.n{text-align:right}
select,input[type=file]{font-size:1rem;margin:.25rem 0}
fieldset{border:0;padding:0;margin:.5rem 0}
progress{width:100%}
.notice{background:#e8f3e8;padding:.6rem .8rem;border-radius:6px}
code{word-break:break-all}
</style>`;

interface Common {
  lang: string;
  title: string;
  username: string;
  csrf: string;
  notice?: string;
  error?: string;
}

/** The files offered, Mastodon's paths under /settings/exports/ and their labels. */
const EXPORT_LINKS: { path: string; count: keyof ExportCounts; label: string }[] = [
  { path: "follows.csv", count: "following_accounts", label: "Follows" },
  { path: "followers.csv", count: "followers", label: "Followers" },
  { path: "lists.csv", count: "lists", label: "Lists" },
  { path: "mutes.csv", count: "muted_accounts", label: "You mute" },
  { path: "blocks.csv", count: "blocked_accounts", label: "You block" },
  { path: "domain_blocks.csv", count: "blocked_domains", label: "Domain blocks" },
  { path: "bookmarks.csv", count: "bookmarks", label: "Bookmarks" },
];

function messages(p: Common): string {
  return (p.notice ? `<p class="notice" role="status">${escapeHtml(p.notice)}</p>` : "") + (p.error ? `<p class="error" role="alert">${escapeHtml(p.error)}</p>` : "");
}

function bytes(n: number | null): string {
  if (n === null) return "";
  return n < 1024 * 1024 ? `${Math.max(1, Math.round(n / 1024))} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function archiveRow(a: ArchiveRecord): string {
  const link = a.state === "ready" ? `<a href="/settings/exports/archives/${escapeHtml(a.id)}">Download</a>` : "";
  const state = { queued: "Waiting", processing: "Being made", ready: "Ready", failed: "Failed", expired: "Expired" }[a.state];
  const until = a.state === "ready" && a.expires_at ? ` until ${escapeHtml(a.expires_at.slice(0, 10))}` : "";
  return `<tr><td>${escapeHtml(a.created_at.slice(0, 16).replace("T", " "))}</td><td>${state}${until}</td><td class="n">${bytes(a.size)}</td><td>${link}</td></tr>`;
}

export interface ExportPage extends Common {
  counts: ExportCounts;
  archives: ArchiveRecord[];
  /** Whether a new archive may be requested now (one every seven days). */
  canRequestArchive: boolean;
}

export function renderExportPage(p: ExportPage): string {
  const rows = EXPORT_LINKS.map(
    (l) => `<tr><td>${escapeHtml(l.label)}</td><td class="n">${p.counts[l.count]}</td><td><a href="/settings/exports/${l.path}">CSV</a></td></tr>`,
  ).join("\n");
  const archives = p.archives.length
    ? `<table><tr><th>Requested</th><th>State</th><th>Size</th><th></th></tr>${p.archives.map(archiveRow).join("\n")}</table>`
    : "<p><small>No archive yet.</small></p>";
  const request = p.canRequestArchive
    ? `<form method="post" action="/settings/export">${hiddenInputs({ [CSRF_FIELD]: p.csrf })}<button type="submit">Request your archive</button></form>`
    : "<p><small>You can request an archive once every 7 days.</small></p>";
  const body = `<h1>Export · ${escapeHtml(p.title)}</h1>
<p><small>Signed in as @${escapeHtml(p.username)}</small></p>
${settingsNav("/settings/export")}
${messages(p)}
<section>
<h2>Your data as CSV</h2>
<p><small>The same files Mastodon makes; another server imports them.</small></p>
<table><tr><th>Data</th><th>Entries</th><th>Download</th></tr>
<tr><td>Posts</td><td class="n">${p.counts.statuses}</td><td><small>in the archive</small></td></tr>
${rows}</table>
</section>
<section>
<h2>Archive of your posts and media</h2>
<p><small>A zip in ActivityPub format (actor.json, outbox.json, likes.json, bookmarks.json and your media), kept for a week.</small></p>
${archives}
${request}
</section>`;
  return renderPage({ title: `Export · ${p.title}`, lang: p.lang, body, head: STYLE });
}

const TYPE_LABELS: Record<ImportRecord["type"], string> = {
  following: "Following list",
  blocking: "Blocking list",
  muting: "Muting list",
  domain_blocking: "Domain blocking list",
  bookmarks: "Bookmarks",
  lists: "Lists",
};

function stateLabel(i: ImportRecord): string {
  if (i.state === "finished") return i.failed ? `Finished, ${i.failed} failed` : "Finished";
  return i.state === "queued" ? "Waiting" : `Running: ${i.processed} of ${i.total}`;
}

function importRow(i: ImportRecord): string {
  return `<tr><td><a href="/settings/imports/${escapeHtml(i.id)}">${escapeHtml(TYPE_LABELS[i.type])}</a><br><small>${escapeHtml(i.filename)} · ${i.mode}</small></td>
<td>${escapeHtml(stateLabel(i))}</td><td class="n">${i.processed}/${i.total}</td><td>${escapeHtml(i.created_at.slice(0, 16).replace("T", " "))}</td></tr>`;
}

export interface ImportPage extends Common {
  imports: ImportRecord[];
  maxMegabytes: number;
  maxRows: number;
}

export function renderImportPage(p: ImportPage): string {
  const options = (["following", "blocking", "muting", "bookmarks", "lists"] as const)
    .map((t) => `<option value="${t}">${escapeHtml(TYPE_LABELS[t])}</option>`)
    .join("");
  const past = p.imports.length
    ? `<table><tr><th>Import</th><th>State</th><th>Rows</th><th>Started</th></tr>${p.imports.map(importRow).join("\n")}</table>`
    : "<p><small>No imports yet.</small></p>";
  const body = `<h1>Import · ${escapeHtml(p.title)}</h1>
<p><small>Signed in as @${escapeHtml(p.username)}</small></p>
${settingsNav("/settings/imports")}
${messages(p)}
<form method="post" action="/settings/imports" enctype="multipart/form-data">
${hiddenInputs({ [CSRF_FIELD]: p.csrf })}
<label for="type">Import type</label>
<select id="type" name="type">${options}</select>
<fieldset><legend><strong>Mode</strong></legend>
<label><input type="radio" name="mode" value="merge" checked> Merge: keep what you have and add the file's entries</label>
<label><input type="radio" name="mode" value="overwrite"> Overwrite: replace what you have with the file's entries</label>
</fieldset>
<label for="data">CSV file (from Mastodon, GoToSocial or this server)</label>
<input type="file" id="data" name="data" accept=".csv,text/csv,text/plain" required>
<p><small>At most ${p.maxMegabytes} MB and ${p.maxRows.toLocaleString("en")} rows.</small></p>
<button type="submit">Upload</button>
</form>
<section>
<h2>Recent imports</h2>
${past}
</section>`;
  return renderPage({ title: `Import · ${p.title}`, lang: p.lang, body, head: STYLE });
}

export interface ImportDetailPage extends Common {
  detail: ImportDetail;
}

export function renderImportDetail(p: ImportDetailPage): string {
  const d = p.detail;
  const failures = d.failures.length
    ? `<table><tr><th>Line</th><th>Row</th><th>Why</th></tr>${d.failures
        .map((f) => `<tr><td class="n">${f.line}</td><td><code>${escapeHtml(f.row.join(","))}</code></td><td>${escapeHtml(f.error)}</td></tr>`)
        .join("\n")}</table>${d.failed > d.failures.length ? `<p><small>and ${d.failed - d.failures.length} more.</small></p>` : ""}`
    : d.state === "finished"
      ? "<p><small>Every row was imported.</small></p>"
      : "";
  const body = `<h1>${escapeHtml(TYPE_LABELS[d.type])} · ${escapeHtml(d.filename)}</h1>
<p><small>Signed in as @${escapeHtml(p.username)} · <a href="/settings/imports">All imports</a></small></p>
${messages(p)}
<p>${escapeHtml(stateLabel(d))} (${d.mode})</p>
<progress max="${d.total}" value="${d.processed}">${d.processed} of ${d.total}</progress>
<table><tr><th>Rows</th><th>Processed</th><th>Failed</th></tr><tr><td class="n">${d.total}</td><td class="n">${d.processed}</td><td class="n">${d.failed}</td></tr></table>
${d.failures.length ? `<h2>Rows that failed</h2>\n<p><a href="/settings/imports/${escapeHtml(d.id)}/failures.csv">Download them as CSV</a> to fix and upload again.</p>` : ""}
${failures}`;
  // While it runs, the page reloads itself every few seconds (no script needed).
  const refresh = d.state === "finished" ? "" : `<meta http-equiv="refresh" content="5">`;
  return renderPage({ title: `Import · ${p.title}`, lang: p.lang, body, head: refresh + STYLE });
}
