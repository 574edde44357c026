import { escapeHtml, hiddenInputs, renderPage } from "./layout";
import { CSRF_FIELD } from "./session";
import type { FieldErrors } from "../schemas/accounts";
import type { InstanceRule, RegistrationMode } from "../core/instance-settings";

/** The web sign-up form (`GET/POST /auth/sign_up`): what the registration API does, for browsers. */
export interface SignUpPage {
  lang: string;
  title: string;
  csrf: string;
  mode: Exclude<RegistrationMode, "closed">;
  rules: InstanceRule[];
  /** Values to put back after a failed attempt (never the password). */
  values?: { username?: string; email?: string; reason?: string };
  /** Problems per field, as the API's `details` carries them; `base` is for the whole form. */
  errors?: FieldErrors;
}

const LABELS: Record<string, string> = {
  username: "Username",
  email: "E-mail address",
  password: "Password",
  password_confirmation: "Password confirmation",
  agreement: "Agreement",
  reason: "Reason",
  locale: "Language",
};

function errorList(errors: FieldErrors | undefined): string {
  if (!errors || Object.keys(errors).length === 0) return "";
  const items = Object.entries(errors).flatMap(([field, list]) =>
    list.map((e) => `<li>${field === "base" ? "" : `${escapeHtml(LABELS[field] ?? field)} `}${escapeHtml(e.description)}</li>`),
  );
  return `<div class="error" role="alert"><ul>${items.join("")}</ul></div>`;
}

function rulesList(rules: InstanceRule[]): string {
  if (rules.length === 0) return "";
  return `<p>Server rules:</p>\n<ol>${rules.map((r) => `<li>${escapeHtml(r.text)}</li>`).join("")}</ol>`;
}

export function renderSignUp(p: SignUpPage): string {
  const v = p.values ?? {};
  const approval =
    p.mode === "approval"
      ? `<p>New accounts on this server are reviewed by its moderators before they can sign in.</p>`
      : "";
  const reason =
    p.mode === "approval"
      ? `<label for="reason">Why do you want to join?</label>
<textarea id="reason" name="reason" rows="3" maxlength="1000" required style="width:100%;box-sizing:border-box">${escapeHtml(v.reason ?? "")}</textarea>`
      : "";
  const body = `<h1>Create an account on ${escapeHtml(p.title)}</h1>
${approval}
${errorList(p.errors)}
<form method="post" action="/auth/sign_up">
${hiddenInputs({ [CSRF_FIELD]: p.csrf, lang: p.lang })}
<label for="username">Username</label>
<input type="text" id="username" name="username" value="${escapeHtml(v.username ?? "")}" maxlength="30" pattern="[A-Za-z0-9_]+" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>
<small>Letters, numbers and underscores, at most 30.</small>
<label for="email">E-mail address</label>
<input type="email" id="email" name="email" value="${escapeHtml(v.email ?? "")}" autocomplete="email" required>
<label for="password">Password</label>
<input type="password" id="password" name="password" minlength="8" maxlength="72" autocomplete="new-password" required>
<label for="password_confirmation">Confirm password</label>
<input type="password" id="password_confirmation" name="password_confirmation" minlength="8" maxlength="72" autocomplete="new-password" required>
${reason}
${rulesList(p.rules)}
<label><input type="checkbox" name="agreement" value="1" required> I agree to the <a href="/about#rules" target="_blank">server rules</a>, the <a href="/terms" target="_blank">terms of service</a> and the <a href="/privacy-policy" target="_blank">privacy policy</a></label>
<button type="submit">Sign up</button>
</form>
<p><small>Already have an account? <a href="/auth/sign_in">Sign in</a></small></p>`;
  return renderPage({ title: `Sign up – ${p.title}`, lang: p.lang, body });
}

/** After a successful sign-up: ready to sign in, or waiting for a moderator. */
export function renderSignedUp(lang: string, username: string, domain: string, pending: boolean): string {
  const handle = `@${escapeHtml(username)}@${escapeHtml(domain)}`;
  const body = pending
    ? `<h1>Account awaiting approval</h1>
<p>Your account <strong>${handle}</strong> was created. A moderator will review it; you can sign in once it is approved.</p>`
    : `<h1>Welcome!</h1>
<p>Your account <strong>${handle}</strong> is ready. Sign in from any Mastodon app with this server's address, or <a href="/auth/sign_in">sign in here</a>.</p>`;
  return renderPage({ title: pending ? "Account awaiting approval" : "Account created", lang, body });
}
