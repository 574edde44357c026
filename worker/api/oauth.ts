import type { Router } from "../router";
import type { Ctx } from "../context";
import type { Params } from "../http/body";
import { ApiError, unwrap, type Result } from "../../lib/result";
import { requireUser } from "../http/auth";
import { clientAddress } from "../http/client-address";
import { addressHasNoAccess } from "../http/sign-up-screening";
import { json, redirect } from "../http/respond";
import { accountStub, appStub, directoryStub, rateLimitStub } from "../../core/stubs";
import { actorUri, MISSING_AVATAR_PATH, profileUrl } from "../../core/serializers/account";
import type { AccountRecord, AppRecord } from "../../schemas/records";

import { ALL_SCOPES, hasScope, isSubsetOf, parseScopes } from "../../lib/scopes";
import { accountIdOf, tokenOwner } from "../../lib/tokens";
import { errorPage, pageLang, pageResponse } from "../../web/layout";
import { renderSignIn, renderSignedIn } from "../../web/sign-in";
import { renderConsent } from "../../web/consent";
import { renderOobCode } from "../../web/oob-code";
import {
  clearSessionCookie,
  CSRF_FIELD,
  csrfMatches,
  currentSession,
  preSessionCsrf,
  preSessionCsrfMatches,
  readCookie,
  SESSION_COOKIE,
  sessionCookie,
  type WebSession,
} from "../../web/session";
import type { AppInfo, IssuedToken } from "../../schemas/auth";

/**
 * OAuth 2 as Mastodon apps use it: the authorization-code flow (with PKCE) through server-rendered
 * sign-in and consent pages, client_credentials, revocation, OIDC userinfo and RFC 8414 metadata.
 */
export const OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob";
/** Failed sign-ins allowed per client address in the window (accounts have their own limit). */
export const IP_SIGN_IN_FAILURES = 10;
export const IP_SIGN_IN_WINDOW_MS = 15 * 60 * 1000;

const CLIENT_ID = /^[A-Za-z0-9_-]{16,64}$/;
const PKCE_CHALLENGE = /^[A-Za-z0-9._~-]{43,128}$/;
const TRUE = new Set(["true", "1", "on", "yes"]);

export function registerOAuth(router: Router): void {
  router.get("/oauth/authorize", showAuthorize);
  router.post("/oauth/authorize", decideAuthorize);
  router.get("/oauth/authorize/native", showOobCode);
  router.get("/auth/sign_in", showSignIn);
  router.post("/auth/sign_in", signIn);
  router.post("/auth/sign_out", signOut);
  router.post("/oauth/token", token);
  router.post("/oauth/revoke", revoke);
  router.get("/oauth/userinfo", userinfo);
  router.post("/oauth/userinfo", userinfo);
  router.get("/.well-known/oauth-authorization-server", metadata);
}

// ----- the authorization request -----

interface AuthorizeRequest {
  app: AppRecord;
  redirectUri: string;
  scopes: string[];
  state: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: "S256" | "plain" | null;
  /** `lang` as the app sent it (carried along), and the language pages are rendered in. */
  langParam: string | null;
  lang: string;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const isTrue = (v: unknown) => typeof v === "string" && TRUE.has(v.toLowerCase());

/** Mastodon's default scope is `read`; an app registered without it gets its own scopes instead. */
function defaultScopes(app: AppRecord): string[] {
  return hasScope(app.scopes, "read") ? ["read"] : app.scopes;
}

/**
 * Validates an authorization request. Problems with the client or the redirect URI are shown on a
 * page (never redirected to an unverified URI); the others go back to the app as `?error=`.
 */
async function readAuthorizeRequest(c: Ctx, p: Params): Promise<AuthorizeRequest | Response> {
  const lang = pageLang(p.lang);
  const clientId = str(p.client_id);
  const app = clientId && CLIENT_ID.test(clientId) ? await appStub(c.env, clientId).get() : null;
  if (!app) {
    return errorPage(400, "Unknown application", "Client authentication failed due to unknown client (invalid_client).", lang);
  }
  const redirectUri = str(p.redirect_uri) ?? (app.redirect_uris.length === 1 ? app.redirect_uris[0] : undefined);
  if (!redirectUri || !app.redirect_uris.includes(redirectUri)) {
    return errorPage(400, "Invalid redirect URI", "The redirect URI included is not valid (invalid_redirect_uri).", lang);
  }
  const request: AuthorizeRequest = {
    app,
    redirectUri,
    scopes: [],
    state: typeof p.state === "string" ? p.state : null,
    codeChallenge: null,
    codeChallengeMethod: null,
    langParam: str(p.lang) && pageLang(p.lang) === p.lang ? (p.lang as string) : null,
    lang,
  };
  if (str(p.response_type) !== "code") {
    return authorizeError(request, "unsupported_response_type", "The authorization server does not support this response type.");
  }
  const scopes = str(p.scope) ? parseScopes(str(p.scope)) : defaultScopes(app);
  if (!scopes || !isSubsetOf(scopes, app.scopes)) {
    return authorizeError(request, "invalid_scope", "The requested scope is invalid, unknown, or malformed.");
  }
  request.scopes = scopes;
  const challenge = str(p.code_challenge);
  if (challenge) {
    const method = str(p.code_challenge_method) ?? "plain";
    if (method !== "S256" && method !== "plain") {
      return authorizeError(request, "invalid_request", "The code challenge method must be S256 or plain.");
    }
    if (!PKCE_CHALLENGE.test(challenge)) return authorizeError(request, "invalid_request", "The code challenge is malformed.");
    request.codeChallenge = challenge;
    request.codeChallengeMethod = method;
  }
  return request;
}

/** The request as form fields / query parameters, to resume it after signing in. */
function requestFields(r: AuthorizeRequest): Record<string, string | null> {
  return {
    client_id: r.app.client_id,
    redirect_uri: r.redirectUri,
    response_type: "code",
    scope: r.scopes.join(" "),
    state: r.state,
    code_challenge: r.codeChallenge,
    code_challenge_method: r.codeChallengeMethod,
    lang: r.langParam,
  };
}

function toQuery(fields: Record<string, string | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== null && v !== undefined && v !== "") q.set(k, v);
  return q.toString();
}

/**
 * Adds parameters to a redirect URI by plain string work: URIs like
 * `com.tapbots.Ivory.10217:/request_token` or `icecubesapp://` are not for a URL parser to judge.
 */
export function appendQuery(uri: string, fields: Record<string, string | null | undefined>): string {
  const query = toQuery(fields);
  if (!query) return uri;
  const separator = !uri.includes("?") ? "?" : uri.endsWith("?") || uri.endsWith("&") ? "" : "&";
  return `${uri}${separator}${query}`;
}

function authorizeError(r: AuthorizeRequest, error: string, description: string): Response {
  if (r.redirectUri === OOB_REDIRECT_URI) return errorPage(400, "Authorization failed", `${description} (${error})`, r.lang);
  return redirect(appendQuery(r.redirectUri, { error, error_description: description, state: r.state }), 302, {
    "cache-control": "no-store",
  });
}

// ----- pages -----

async function showAuthorize(c: Ctx): Promise<Response> {
  const request = await readAuthorizeRequest(c, await c.params());
  if (request instanceof Response) return request;
  const forceLogin = isTrue((await c.params()).force_login);
  const session = forceLogin ? null : await currentSession(c.request, c.env);
  if (!session) return signInPage(c, { lang: request.lang, request: requestFields(request), appName: request.app.name });
  return consentPage(c, request, session);
}

function consentPage(c: Ctx, r: AuthorizeRequest, session: WebSession): Response {
  const fields = requestFields(r);
  return pageResponse(
    renderConsent({
      lang: r.lang,
      appName: r.app.name,
      appWebsite: r.app.website,
      username: session.account.username,
      domain: c.domain,
      scopes: r.scopes,
      csrf: session.csrf,
      request: fields,
      returnQuery: toQuery(fields),
    }),
  );
}

interface SignInOptions {
  lang: string;
  request: Record<string, string | null>;
  appName?: string | null;
  login?: string;
  error?: string;
  status?: number;
}

function signInPage(c: Ctx, o: SignInOptions): Response {
  const csrf = preSessionCsrf(c.request, c.url);
  const html = renderSignIn({
    lang: o.lang,
    title: c.env.INSTANCE_TITLE || "Pronghorn",
    csrf: csrf.token,
    request: o.request,
    appName: o.appName,
    login: o.login,
    error: o.error,
  });
  const headers: HeadersInit = csrf.setCookie ? { "set-cookie": csrf.setCookie } : {};
  return pageResponse(html, o.status ?? 200, headers);
}

async function showSignIn(c: Ctx): Promise<Response> {
  return signInPage(c, { lang: pageLang((await c.params()).lang), request: {} });
}

const RESUMED_FIELDS = ["client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge", "code_challenge_method", "lang"];

/** The authorization request carried by the sign-in form's hidden fields (re-validated later). */
function resumedRequest(p: Params): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const key of RESUMED_FIELDS) out[key] = typeof p[key] === "string" ? (p[key] as string) : null;
  return out;
}

function loginOf(p: Params): string {
  const user = typeof p.user === "object" && p.user !== null ? (p.user as Params) : {};
  return (str(p.login) ?? str(p.username) ?? str(p.email) ?? str(user.email) ?? "").trim();
}

async function signIn(c: Ctx): Promise<Response> {
  const p = await c.params();
  const lang = pageLang(p.lang);
  const request = resumedRequest(p);
  if (!preSessionCsrfMatches(c.request, p[CSRF_FIELD])) return csrfFailure(lang);

  const login = loginOf(p);
  const password = str(p.password) ?? str((p.user as Params | undefined)?.password);
  const again = (error: string, status: number) =>
    signInPage(c, { lang, request: request.client_id ? request : {}, login, error, status });

  const limiter = rateLimitStub(c.env, `ip:${clientAddress(c.request)}`);
  if (await limiter.isLimited(IP_SIGN_IN_FAILURES, IP_SIGN_IN_WINDOW_MS)) {
    return again("Too many failed sign-in attempts from your network; try again later.", 429);
  }
  if (await addressHasNoAccess(c)) return again("This action is not allowed", 403);
  if (!login || !password) return again("Enter your username or e-mail address and your password.", 422);

  const directory = directoryStub(c.env);
  const entry =
    login.includes("@") && !login.startsWith("@") ? await directory.findByEmail(login) : await directory.findByUsername(login.replace(/^@/, ""));
  const checked: Result<AccountRecord> = entry
    ? await accountStub(c.env, entry.id).checkPassword(password)
    : { ok: false, status: 401, error: "Invalid email or password" };
  if (!checked.ok) {
    // Only wrong credentials count against the address; "awaiting approval" or "locked" do not.
    if (checked.status === 401) await limiter.record(IP_SIGN_IN_WINDOW_MS);
    return again(checked.error, checked.status);
  }

  await endPreviousSession(c);
  const session = await accountStub(c.env, checked.value.id).createSession();
  const headers = new Headers({ "set-cookie": sessionCookie(session.session, c.url), "cache-control": "no-store" });
  if (request.client_id) {
    headers.set("location", `/oauth/authorize?${toQuery(request)}`);
    return new Response(null, { status: 302, headers });
  }
  return pageResponse(renderSignedIn(lang, checked.value.username, c.domain), 200, headers);
}

/** Signing in again (force_login) replaces the browser's previous session rather than orphaning it. */
async function endPreviousSession(c: Ctx): Promise<void> {
  const previous = readCookie(c.request, SESSION_COOKIE);
  const accountId = previous ? accountIdOf(previous) : null;
  if (previous && accountId) await accountStub(c.env, accountId).deleteSession(previous);
}

function csrfFailure(lang: string): Response {
  return errorPage(
    403,
    "Invalid form",
    "This form expired or was not sent from this site. Go back, reload the page and try again.",
    lang,
  );
}

async function decideAuthorize(c: Ctx): Promise<Response> {
  const p = await c.params();
  const request = await readAuthorizeRequest(c, p);
  if (request instanceof Response) return request;
  const session = await currentSession(c.request, c.env);
  if (!session) return signInPage(c, { lang: request.lang, request: requestFields(request), appName: request.app.name });
  if (!csrfMatches(session.csrf, p[CSRF_FIELD])) return csrfFailure(request.lang);

  const denied = str(p.decision) === "deny" || str(p._method)?.toLowerCase() === "delete";
  if (denied) return authorizeError(request, "access_denied", "The resource owner or authorization server denied the request.");

  const code = await accountStub(c.env, session.accountId).createAuthCode({
    clientId: request.app.client_id,
    redirectUri: request.redirectUri,
    scopes: request.scopes,
    codeChallenge: request.codeChallenge,
    codeChallengeMethod: request.codeChallengeMethod,
  });
  const location =
    request.redirectUri === OOB_REDIRECT_URI
      ? `/oauth/authorize/native?${toQuery({ code, lang: request.langParam })}`
      : appendQuery(request.redirectUri, { code, state: request.state });
  return redirect(location, 302, { "cache-control": "no-store" });
}

async function showOobCode(c: Ctx): Promise<Response> {
  const p = await c.params();
  const code = str(p.code);
  if (!code || !accountIdOf(code)) return errorPage(400, "Authorization failed", "The authorization code is missing.", pageLang(p.lang));
  return pageResponse(renderOobCode(pageLang(p.lang), code));
}

async function signOut(c: Ctx): Promise<Response> {
  const p = await c.params();
  const session = await currentSession(c.request, c.env);
  if (session) {
    if (!csrfMatches(session.csrf, p[CSRF_FIELD])) return csrfFailure(pageLang(p.lang));
    await accountStub(c.env, session.accountId).deleteSession(session.handle);
  }
  const returnTo = str(p.return_to);
  // Only same-site paths: `//host` and `/\host` would leave the site.
  const safe = returnTo && /^\/(?![/\\])/.test(returnTo) ? returnTo : "/auth/sign_in";
  return redirect(safe, 302, { "set-cookie": clearSessionCookie(c.url), "cache-control": "no-store" });
}

// ----- token endpoint, revocation, userinfo, metadata -----

const oauthError = (status: number, error: string, description: string) =>
  new ApiError(status, error, { error_description: description });

const INVALID_CLIENT =
  "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.";

/** Body parse failures on the OAuth endpoints get the OAuth error shape. */
async function oauthParams(c: Ctx): Promise<Params> {
  try {
    return await c.params();
  } catch (err) {
    if (err instanceof ApiError) throw oauthError(err.status === 413 ? 413 : 400, "invalid_request", err.message);
    throw err;
  }
}

interface ClientAuth {
  app: AppRecord;
  secret: string;
}

/** `client_id`/`client_secret` from HTTP Basic (RFC 6749 §2.3.1) or from the parameters. */
function clientCredentialsOf(c: Ctx, p: Params): { id?: string; secret?: string } {
  const basic = c.request.headers.get("authorization")?.match(/^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i);
  if (basic) {
    try {
      const decoded = atob(basic[1]);
      const colon = decoded.indexOf(":");
      if (colon > 0) return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
    } catch {
      // not valid Basic credentials: fall through to invalid_client
    }
    return {};
  }
  return { id: str(p.client_id), secret: str(p.client_secret) };
}

async function authenticateClient(c: Ctx, p: Params): Promise<ClientAuth> {
  const { id, secret } = clientCredentialsOf(c, p);
  if (!id || !secret || !CLIENT_ID.test(id)) throw oauthError(401, "invalid_client", INVALID_CLIENT);
  const app = unwrap(await appStub(c.env, id).authenticate(secret));
  return { app, secret };
}

async function token(c: Ctx): Promise<Response> {
  const p = await oauthParams(c);
  const grant = str(p.grant_type);
  if (!grant) throw oauthError(400, "invalid_request", "The request is missing the grant_type parameter.");
  if (grant !== "authorization_code" && grant !== "client_credentials") {
    throw oauthError(400, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.");
  }
  const client = await authenticateClient(c, p);
  const issued = grant === "authorization_code" ? await exchangeCode(c, p, client.app) : await clientToken(c, p, client);
  return json(
    { access_token: issued.access_token, token_type: "Bearer", scope: issued.scopes.join(" "), created_at: issued.created_at },
    { headers: { "cache-control": "no-store", pragma: "no-cache" } },
  );
}

async function exchangeCode(c: Ctx, p: Params, app: AppRecord): Promise<IssuedToken> {
  const code = str(p.code);
  if (!code) throw oauthError(400, "invalid_request", "The request is missing the code parameter.");
  const redirectUri = str(p.redirect_uri) ?? (app.redirect_uris.length === 1 ? app.redirect_uris[0] : undefined);
  if (!redirectUri) throw oauthError(400, "invalid_request", "The request is missing the redirect_uri parameter.");
  const accountId = accountIdOf(code);
  if (!accountId) throw oauthError(400, "invalid_grant", "The authorization code is invalid");
  const info: AppInfo = { clientId: app.client_id, name: app.name, website: app.website };
  return unwrap(
    await accountStub(c.env, accountId).exchangeCode({ code, app: info, redirectUri, codeVerifier: str(p.code_verifier) ?? null }),
  );
}

async function clientToken(c: Ctx, p: Params, client: ClientAuth): Promise<IssuedToken> {
  const scopes = str(p.scope) ? parseScopes(str(p.scope)) : defaultScopes(client.app);
  if (!scopes || !isSubsetOf(scopes, client.app.scopes)) {
    throw oauthError(400, "invalid_scope", "The requested scope is invalid, unknown, or malformed.");
  }
  return unwrap(await appStub(c.env, client.app.client_id).issueToken(client.secret, scopes));
}

/**
 * RFC 7009. A token of another client is left alone and still answered with 200 (Mastodon says
 * 403 unauthorized_client; the RFC allows either, and this way nothing reveals whose token it is).
 */
async function revoke(c: Ctx): Promise<Response> {
  const p = await oauthParams(c);
  const { app } = await authenticateClient(c, p);
  const tokenValue = str(p.token);
  if (!tokenValue) throw oauthError(400, "invalid_request", "The request is missing the token parameter.");
  const owner = tokenOwner(tokenValue);
  if (owner?.kind === "user") await accountStub(c.env, owner.accountId).revokeToken(tokenValue, app.client_id);
  if (owner?.kind === "app" && owner.clientId === app.client_id) await appStub(c.env, owner.clientId).revokeToken(tokenValue);
  return json({});
}

/** OIDC claims about the signed-in user, as Mastodon 4.4 returns them. */
async function userinfo(c: Ctx): Promise<Response> {
  const { viewer } = await requireUser(c, "profile");
  const account = viewer.account;
  const origin = { origin: c.origin, domain: c.domain };
  return json({
    iss: `${c.origin}/`,
    sub: actorUri(origin, account.username),
    name: account.display_name,
    preferred_username: account.username,
    profile: profileUrl(origin, account.username),
    picture: account.avatar_url ?? `${c.origin}${MISSING_AVATAR_PATH}`,
  });
}

/** RFC 8414 authorization server metadata; apps read PKCE support from it. */
function metadata(c: Ctx): Response {
  const o = c.origin;
  return json({
    issuer: `${o}/`,
    service_documentation: "https://docs.joinmastodon.org/",
    authorization_endpoint: `${o}/oauth/authorize`,
    token_endpoint: `${o}/oauth/token`,
    app_registration_endpoint: `${o}/api/v1/apps`,
    revocation_endpoint: `${o}/oauth/revoke`,
    userinfo_endpoint: `${o}/oauth/userinfo`,
    scopes_supported: ALL_SCOPES,
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "client_credentials"],
    code_challenge_methods_supported: ["S256", "plain"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
  });
}
