import { escapeHtml, hiddenInputs, renderPage } from "./layout";
import { settingsNav } from "./settings-nav";
import { CSRF_FIELD } from "./session";

/**
 * The account settings pages of a signed-in user, as Mastodon's: aliases (`/settings/aliases`,
 * the accounts this one also is, which an account moving here needs), moving to another account
 * (`/settings/migration`) and deleting the account (`/settings/delete`). Plain forms, no script;
 * every form carries the session's CSRF value.
 */

export interface AccountSettingsPage {
  lang: string;
  title: string;
  username: string;
  csrf: string;
  /** A message for the user (an error, or what was done). */
  error?: string | null;
  notice?: string | null;
}

export interface AliasesPage extends AccountSettingsPage {
  aliases: string[];
}

export interface MigrationPage extends AccountSettingsPage {
  /** `user@domain` and profile URL of the account this one moved to. */
  movedTo: { acct: string; url: string } | null;
  cooldownUntil: string | null;
  /** Our handle, which the new account must list among its aliases. */
  ownHandle: string;
}

const STYLE = `<style>
main{max-width:36rem}
ul.items{list-style:none;padding:0}
ul.items li{border-top:1px solid #ddd;padding:.6rem 0;word-break:break-all}
form.inline{display:inline}
form.inline button{margin:0 0 0 .5rem;padding:.3rem .7rem;font-size:.9rem}
button.danger{background:#b3261e}
.notice{background:#e6f4ea;color:#14532d;padding:.6rem .8rem;border-radius:6px}
</style>`;

function messages(p: AccountSettingsPage): string {
  const error = p.error ? `<p class="error">${escapeHtml(p.error)}</p>` : "";
  const notice = p.notice ? `<p class="notice">${escapeHtml(p.notice)}</p>` : "";
  return error + notice;
}

function page(p: AccountSettingsPage, heading: string, body: string, path: string): string {
  const html = `<h1>${escapeHtml(heading)}</h1>
<p><small>Signed in as @${escapeHtml(p.username)}</small></p>
${settingsNav(path)}
${messages(p)}
${body}`;
  return renderPage({ title: `${heading} · ${p.title}`, lang: p.lang, body: html, head: STYLE });
}

const csrfInput = (csrf: string) => hiddenInputs({ [CSRF_FIELD]: csrf });

export function renderAliases(p: AliasesPage): string {
  const list = p.aliases.length
    ? `<ul class="items">${p.aliases
        .map(
          (uri) => `<li>${escapeHtml(uri)}<form class="inline" method="post" action="/settings/aliases/remove">
${csrfInput(p.csrf)}${hiddenInputs({ uri })}<button type="submit" class="secondary">Unlink alias</button></form></li>`,
        )
        .join("\n")}</ul>`
    : "<p><small>No aliases yet.</small></p>";
  return page(
    p,
    "Account aliases",
    `<p>To move from another account to this one, first list the old account here. Listing it does
not move anything by itself, and is safe to undo.</p>
<form method="post" action="/settings/aliases">
${csrfInput(p.csrf)}
<label for="acct">Handle of the old account</label>
<input type="text" id="acct" name="acct" placeholder="username@domain" required autocomplete="off">
<button type="submit">Create alias</button>
</form>
<h2>Aliases</h2>
${list}`,
    "/settings/aliases",
  );
}

export function renderMigration(p: MigrationPage): string {
  const current = p.movedTo
    ? `<p class="notice">This account is redirected to <a href="${escapeHtml(p.movedTo.url)}">@${escapeHtml(p.movedTo.acct)}</a>. It can no longer post.</p>`
    : "";
  const form = p.cooldownUntil
    ? `<p><small>You can move again after ${escapeHtml(p.cooldownUntil)}.</small></p>`
    : `<form method="post" action="/settings/migration">
${csrfInput(p.csrf)}
<label for="acct">Handle of the new account</label>
<input type="text" id="acct" name="acct" placeholder="username@domain" required autocomplete="off">
<label for="current_password">Current password</label>
<input type="password" id="current_password" name="current_password" required autocomplete="current-password">
<button type="submit" class="danger">Move followers</button>
</form>`;
  return page(
    p,
    "Move to a different account",
    `${current}
<p>Before moving, the new account must list this one (<strong>@${escapeHtml(p.ownHandle)}</strong>) among
its aliases. Moving sends your followers to the new account; your posts stay here, and this account
can no longer post. After a move you have to wait 30 days before moving again.</p>
${form}`,
    "/settings/migration",
  );
}

export function renderDelete(p: AccountSettingsPage): string {
  return page(
    p,
    "Delete account",
    `<p>This permanently removes your posts, media, followers and profile, and tells other servers to do
the same. It cannot be undone, and the username <strong>@${escapeHtml(p.username)}</strong> can never be
used again. To take your followers elsewhere instead, move the account first.</p>
<form method="post" action="/settings/delete">
${csrfInput(p.csrf)}
<label for="password">Password</label>
<input type="password" id="password" name="password" required autocomplete="current-password">
<button type="submit" class="danger">Delete account</button>
</form>`,
    "/settings/delete",
  );
}

export function renderDeleted(lang: string, title: string): string {
  return renderPage({
    title: `Account deleted · ${title}`,
    lang,
    body: `<h1>Account deleted</h1>\n<p>Your account and everything in it are being removed. Other servers are being told too.</p>`,
  });
}
