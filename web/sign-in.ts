import { escapeHtml, hiddenInputs, renderPage } from "./layout";
import { CSRF_FIELD } from "./session";

export interface SignInPage {
  lang: string;
  title: string;
  csrf: string;
  /** The authorization request to resume after signing in (empty for a plain sign-in). */
  request: Record<string, string | null>;
  /** Name of the app asking, when the sign-in is part of an authorization. */
  appName?: string | null;
  login?: string;
  error?: string;
}

export function renderSignIn(p: SignInPage): string {
  const intro = p.appName
    ? `<p>Sign in to authorize <strong>${escapeHtml(p.appName)}</strong>.</p>`
    : "";
  const error = p.error ? `<p class="error" role="alert">${escapeHtml(p.error)}</p>` : "";
  const body = `<h1>Sign in to ${escapeHtml(p.title)}</h1>
${intro}
${error}
<form method="post" action="/auth/sign_in">
${hiddenInputs({ ...p.request, [CSRF_FIELD]: p.csrf })}
<label for="login">Username or e-mail address</label>
<input type="text" id="login" name="login" value="${escapeHtml(p.login ?? "")}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`;
  return renderPage({ title: `Sign in – ${p.title}`, lang: p.lang, body });
}

/** Shown after a sign-in that was not part of an authorization request. */
export function renderSignedIn(lang: string, username: string, domain: string): string {
  const body = `<h1>Signed in</h1>
<p>You are signed in as <strong>@${escapeHtml(username)}@${escapeHtml(domain)}</strong>. You can now authorize apps to use your account.</p>`;
  return renderPage({ title: "Signed in", lang, body });
}
