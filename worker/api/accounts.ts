import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError, badRequest, fail, forbidden, notFound, ok, unwrap, type Result } from "../../lib/result";
import { optionalUser, requireCaller, type Caller } from "../http/auth";
import { json } from "../http/respond";
import { throttleSignUp } from "../http/client-address";
import { requestAddress, screenSignUp } from "../http/sign-up-screening";
import { accountStub, appStub, directoryStub } from "../../core/stubs";
import { findLocalUsername } from "../directory-cache";
import { instanceSettings, POSTING_LANGUAGES, type RegistrationMode } from "../../core/instance-settings";
import { serializeAccount } from "../../core/serializers/account";
import { fieldErrors, parseOrFail, registrationSchema, validationFailed, type FieldErrors, type RegistrationInput } from "../../schemas/accounts";
import { stringList } from "../../schemas/coerce";
import type { AccountRecord, AccountSnapshot } from "../../schemas/records";
import { remoteAccountById, resolveHandle } from "../federation/resolve";
import { remoteActorUris } from "../../objects/federation/account-owners";

import { errorPage, pageLang, pageResponse } from "../../web/layout";
import { CSRF_FIELD, preSessionCsrf, preSessionCsrfMatches } from "../../web/session";
import { renderSignedUp, renderSignUp } from "../../web/sign-up";
import type { AppInfo } from "../../schemas/auth";

/**
 * Registration (`POST /api/v1/accounts`) and public account reads: by id, several ids, and
 * lookup by acct. Profile edits of the signed-in user are in credentials.ts.
 */
export function registerAccounts(router: Router): void {
  router.post("/api/v1/accounts", register);
  router.get("/api/v1/accounts", showMany);
  router.get("/api/v1/accounts/lookup", lookup);
  router.get("/api/v1/accounts/:id", show);
  router.get("/auth/sign_up", showSignUpForm);
  router.post("/auth/sign_up", submitSignUpForm);
}

// ----- registration -----

const NOT_ALLOWED = "This action is not allowed";

/**
 * What a registration becomes under each mode: open → active at once; approval → created but
 * unable to sign in until a moderator approves (a reason is required); closed → refused, with
 * Mastodon's 403.
 */
export function registrationPolicy(mode: RegistrationMode, reason: string | undefined): Result<{ approved: boolean }> {
  if (mode === "closed") return fail(403, NOT_ALLOWED);
  if (mode === "open") return ok({ approved: true });
  if (!reason?.trim()) {
    const error = validationFailed({ reason: [{ error: "ERR_BLANK", description: "can't be blank" }] });
    return fail(error.status, error.message, error.extra);
  }
  return ok({ approved: false });
}

/** Creates a user account under the instance's registration mode (API and web sign-up). */
export async function signUp(env: Env, input: RegistrationInput, address: string | null = null): Promise<AccountRecord> {
  const { approved } = unwrap(registrationPolicy(instanceSettings(env).registrationMode, input.reason));
  const { requiresApproval } = await screenSignUp(env, input.email, address);
  return unwrap(
    await directoryStub(env).register({
      username: input.username,
      email: input.email,
      password: input.password,
      role: "user",
      approved: approved && !requiresApproval,
      // The app's UI language becomes the default posting language when we know it.
      locale: input.locale && POSTING_LANGUAGES.includes(input.locale) ? input.locale : null,
      reason: input.reason?.trim() || null,
    }),
  );
}

async function register(c: Ctx): Promise<Response> {
  const caller = await requireCaller(c, "write:accounts");
  if (instanceSettings(c.env).registrationMode === "closed") throw forbidden(NOT_ALLOWED);
  await throttleSignUp(c);
  const input = parseOrFail(registrationSchema, await c.params());
  const { app, scopes } = await registeringApp(c, caller);
  const account = await signUp(c.env, input, requestAddress(c));
  const token = unwrap(await accountStub(c.env, account.id).issueToken(app, scopes));
  return json({ access_token: token.access_token, token_type: "Bearer", scope: token.scopes.join(" "), created_at: token.created_at });
}

/** The app the new account's token belongs to, with the scopes it registered (as Mastodon does). */
async function registeringApp(c: Ctx, caller: Caller): Promise<{ app: AppInfo; scopes: string[] }> {
  if (caller.kind === "app") {
    const a = caller.app;
    return { app: { clientId: a.client_id, name: a.name, website: a.website }, scopes: a.scopes };
  }
  const record = await appStub(c.env, caller.viewer.token.client_id).get();
  if (!record) throw new ApiError(401, "The access token is invalid");
  return { app: { clientId: record.client_id, name: record.name, website: record.website }, scopes: record.scopes };
}

// ----- reads -----

const DIGIT_ID = /^\d{1,19}$/;
const MAX_ACCOUNTS_PER_REQUEST = 40;

/** A local account others may see: accounts awaiting approval do not exist for them (Mastodon). */
async function visibleAccount(env: Env, id: string): Promise<AccountRecord | null> {
  const record = await accountStub(env, id).get();
  return record && record.approved ? record : null;
}

async function show(c: Ctx): Promise<Response | undefined> {
  // Other families own `/api/v1/accounts/<word>` routes (relationships, search...): let them match.
  if (!/^\d+$/.test(c.route.id)) return undefined;
  await optionalUser(c, "read:accounts");
  if (!DIGIT_ID.test(c.route.id)) throw notFound();
  // Remote ids first: an account object asked about a remote id would be created empty.
  const account = (await remoteAccountById(c.env, c, c.route.id, (p) => c.exec.waitUntil(p))) ?? (await visibleAccount(c.env, c.route.id));
  if (!account) throw notFound();
  return json(serializeAccount(account, c));
}

async function showMany(c: Ctx): Promise<Response> {
  await optionalUser(c, "read:accounts");
  const parsed = stringList.safeParse((await c.params()).id ?? []);
  if (!parsed.success) throw new ApiError(422, "Validation failed: Id must be a list of account ids");
  const ids = [...new Set(parsed.data.filter((id) => DIGIT_ID.test(id)))].slice(0, MAX_ACCOUNTS_PER_REQUEST);
  const remote = await remoteActorUris(c.env, ids);
  const records = await Promise.all(ids.map((id) => (remote.has(id) ? remoteAccountById(c.env, c, id) : visibleAccount(c.env, id))));
  return json(records.filter((r): r is AccountSnapshot => r !== null).map((r) => serializeAccount(r, c)));
}

/** `name`, `@name` or `name@ourdomain`; `name@otherdomain` is resolved by WebFinger then the actor document. */
async function lookup(c: Ctx): Promise<Response> {
  await optionalUser(c, "read:accounts");
  const acct = (await c.params()).acct;
  if (typeof acct !== "string" || acct.trim() === "") throw badRequest("param is missing or the value is empty: acct");
  const handle = acct.trim().replace(/^@/, "");
  const at = handle.indexOf("@");
  const username = at < 0 ? handle : handle.slice(0, at);
  if (at >= 0 && handle.slice(at + 1).toLowerCase() !== c.domain.toLowerCase()) {
    const remote = await resolveHandle(c.env, c, handle);
    if (!remote) throw notFound();
    return json(serializeAccount(remote, c));
  }
  if (!/^[a-z0-9_]{1,30}$/i.test(username)) throw notFound();
  const entry = await findLocalUsername(c.env, username);
  const record = entry ? await visibleAccount(c.env, entry.id) : null;
  if (!record) throw notFound();
  return json(serializeAccount(record, c));
}

// ----- web sign-up (/auth/sign_up) -----

const REGISTRATIONS_CLOSED = "This server is not accepting new accounts.";

function signUpForm(c: Ctx, lang: string, status = 200, extra: { values?: Record<string, string>; errors?: FieldErrors } = {}): Response {
  const settings = instanceSettings(c.env);
  if (settings.registrationMode === "closed") return errorPage(403, "Registrations are closed", REGISTRATIONS_CLOSED, lang);
  const csrf = preSessionCsrf(c.request, c.url);
  const html = renderSignUp({ lang, title: settings.title, csrf: csrf.token, mode: settings.registrationMode, rules: settings.rules, ...extra });
  return pageResponse(html, status, csrf.setCookie ? { "set-cookie": csrf.setCookie } : {});
}

async function showSignUpForm(c: Ctx): Promise<Response> {
  return signUpForm(c, pageLang((await c.params()).lang));
}

async function submitSignUpForm(c: Ctx): Promise<Response> {
  const p = await c.params();
  const lang = pageLang(p.lang);
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  const values = { username: text(p.username), email: text(p.email), reason: text(p.reason) };
  const retry = (errors: FieldErrors, status = 422) => signUpForm(c, lang, status, { values, errors });
  if (!preSessionCsrfMatches(c.request, p[CSRF_FIELD])) {
    return retry({ base: [{ error: "ERR_INVALID", description: "The form expired; please submit it again." }] }, 403);
  }
  try {
    await throttleSignUp(c);
  } catch (err) {
    if (err instanceof ApiError) return retry({ base: [{ error: "ERR_THROTTLED", description: err.message }] }, err.status);
    throw err;
  }
  const parsed = registrationSchema.safeParse({ ...p, locale: lang });
  const errors = parsed.success ? {} : fieldErrors(parsed.error);
  if (text(p.password) !== text(p.password_confirmation)) {
    errors.password_confirmation = [{ error: "ERR_INVALID", description: "doesn't match Password" }];
  }
  if (!parsed.success || Object.keys(errors).length > 0) return retry(errors);
  try {
    const account = await signUp(c.env, parsed.data, requestAddress(c));
    return pageResponse(renderSignedUp(lang, account.username, c.domain, !account.approved));
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.status === 403) return errorPage(403, "Registrations are closed", REGISTRATIONS_CLOSED, lang);
    const details = (err.extra.details as FieldErrors | undefined) ?? { base: [{ error: "ERR_INVALID", description: err.message }] };
    return retry(details, err.status);
  }
}
