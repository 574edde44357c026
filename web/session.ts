import type { AccountRecord } from "../schemas/records";
import { randomSecret, timingSafeEqual } from "../lib/crypto";
import { accountIdOf } from "../lib/tokens";
import { accountStub } from "../core/stubs";

/**
 * Cookies of the web pages: the sign-in session (`<accountId>.<secret>`, stored hashed in the
 * account's object together with its CSRF value) and, before sign-in, a double-submit CSRF token.
 */
export const SESSION_COOKIE = "pronghorn_session";
export const CSRF_COOKIE = "pronghorn_csrf";
/** Name of the hidden form field that carries the CSRF value (Rails' name, familiar to tools). */
export const CSRF_FIELD = "authenticity_token";
const SESSION_MAX_AGE_S = 30 * 24 * 3600;

export interface WebSession {
  handle: string;
  accountId: string;
  account: AccountRecord;
  csrf: string;
}

export function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/**
 * `Secure` whenever the page was served over HTTPS (always, once deployed). Plain-HTTP local
 * development keeps working in browsers that drop Secure cookies on http://127.0.0.1.
 */
function cookie(name: string, value: string, secure: boolean, maxAge?: number): string {
  const parts = [`${name}=${value}`, "Path=/", "HttpOnly", "SameSite=Lax"];
  if (secure) parts.push("Secure");
  if (maxAge !== undefined) parts.push(`Max-Age=${maxAge}`);
  return parts.join("; ");
}

const isSecure = (url: URL) => url.protocol === "https:";

export function sessionCookie(handle: string, url: URL): string {
  return cookie(SESSION_COOKIE, handle, isSecure(url), SESSION_MAX_AGE_S);
}

export function clearSessionCookie(url: URL): string {
  return cookie(SESSION_COOKIE, "", isSecure(url), 0);
}

/** The signed-in session of this browser, or null (no cookie, unknown, or expired session). */
export async function currentSession(request: Request, env: Env): Promise<WebSession | null> {
  const handle = readCookie(request, SESSION_COOKIE);
  const accountId = handle ? accountIdOf(handle) : null;
  if (!handle || !accountId) return null;
  const found = await accountStub(env, accountId).getSession(handle);
  return found ? { handle, accountId, account: found.account, csrf: found.csrf } : null;
}

/**
 * The pre-sign-in CSRF token: reuses the browser's cookie when it has a well-formed one,
 * otherwise mints one and returns the Set-Cookie header to send with the form.
 */
export function preSessionCsrf(request: Request, url: URL): { token: string; setCookie: string | null } {
  const existing = readCookie(request, CSRF_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return { token: existing, setCookie: null };
  const token = randomSecret();
  return { token, setCookie: cookie(CSRF_COOKIE, token, isSecure(url)) };
}

/** Double-submit check: the form field must equal the cookie. */
export function preSessionCsrfMatches(request: Request, submitted: unknown): boolean {
  return csrfMatches(readCookie(request, CSRF_COOKIE), submitted);
}

export function csrfMatches(expected: string | null | undefined, submitted: unknown): boolean {
  if (!expected || typeof submitted !== "string" || submitted === "") return false;
  return timingSafeEqual(expected, submitted);
}
