import { LOGIN_DISABLED, loginDisabled } from "./moderation";
import { fail, ok, type Result } from "../../lib/result";
import { generateActorKeys, hashPassword, PBKDF2_ITERATIONS, randomSecret, sha256Base64url, timingSafeEqual } from "../../lib/crypto";
import { mintAccountHandle, mintUserToken } from "../../lib/tokens";
import type { AccountRecord } from "../../schemas/records";
import type { AppInfo, IssuedToken, NewAccount } from "../../schemas/auth";
import type { AccountHost } from "./host";
import { serializeCredentialAccount, type Origin } from "../../core/serializers/account";

const AUTH_CODE_TTL_MS = 10 * 60 * 1000;
const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
/** Sign-in failures allowed per account in the window before further attempts are refused. */
export const MAX_SIGN_IN_FAILURES = 5;
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;

/** Writes a new account: its row, fresh RSA and Ed25519 keys, and the hashed password. */
export async function createAccount(host: AccountHost, input: NewAccount): Promise<Result<AccountRecord>> {
  if (host.record()) return fail(422, "Account already exists");
  const keys = await generateActorKeys();
  const salt = randomSecret(16);
  const passwordHash = await hashPassword(input.password, salt);
  host.storage.transactionSync(() => {
    host.sql.exec(
      `INSERT INTO account (id, username, email, role, approved, language, created_at, registration_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      input.id,
      input.username,
      input.email,
      input.role,
      input.approved ? 1 : 0,
      input.locale ?? null,
      new Date().toISOString(),
      input.reason ?? null,
    );
    host.sql.exec(
      `INSERT INTO keys (id, rsa_public_pem, rsa_private_jwk, ed25519_public_multibase, ed25519_private_jwk) VALUES (1, ?, ?, ?, ?)`,
      keys.rsaPublicPem,
      keys.rsaPrivateJwk,
      keys.ed25519PublicMultibase,
      keys.ed25519PrivateJwk,
    );
    host.sql.exec(`INSERT INTO credentials (id, password_hash, salt, iterations) VALUES (1, ?, ?, ?)`, passwordHash, salt, PBKDF2_ITERATIONS);
  });
  return ok(host.record()!);
}

export async function checkPassword(host: AccountHost, password: string): Promise<Result<AccountRecord>> {
  const account = host.record();
  if (!account) return fail(401, "Invalid email or password");
  const now = Date.now();
  host.sql.exec("DELETE FROM sign_in_failures WHERE at < ?", now - SIGN_IN_WINDOW_MS);
  const failures = host.sql.exec<{ n: number }>("SELECT count(*) AS n FROM sign_in_failures").one().n;
  if (failures >= MAX_SIGN_IN_FAILURES) return fail(429, "Too many failed sign-in attempts; try again later");
  const cred = host.sql
    .exec<{ password_hash: string; salt: string; iterations: number }>("SELECT password_hash, salt, iterations FROM credentials")
    .one();
  const candidate = await hashPassword(password, cred.salt, cred.iterations);
  if (!timingSafeEqual(candidate, cred.password_hash)) {
    host.sql.exec("INSERT INTO sign_in_failures (at) VALUES (?)", now);
    return fail(401, "Invalid email or password");
  }
  host.sql.exec("DELETE FROM sign_in_failures");
  if (!account.approved) return fail(403, "Your account is awaiting approval");
  if (loginDisabled(account)) return fail(403, LOGIN_DISABLED);
  return ok(account);
}

export async function insertToken(host: AccountHost, app: AppInfo, scopes: string[]): Promise<IssuedToken> {
  const token = mintUserToken(host.accountId());
  const createdAt = Math.floor(Date.now() / 1000);
  host.sql.exec(
    "INSERT INTO tokens (hash, client_id, app_name, app_website, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    await sha256Base64url(token),
    app.clientId,
    app.name,
    app.website,
    scopes.join(" "),
    createdAt,
  );
  return { access_token: token, scopes, created_at: createdAt };
}

// ----- web sessions -----

export async function createSession(host: AccountHost): Promise<{ session: string; csrf: string }> {
  const session = mintAccountHandle(host.accountId());
  const csrf = randomSecret();
  const now = Date.now();
  host.sql.exec(
    "INSERT INTO sessions (hash, csrf, created_at, expires_at) VALUES (?, ?, ?, ?)",
    await sha256Base64url(session),
    csrf,
    now,
    now + SESSION_TTL_MS,
  );
  return { session, csrf };
}

export async function getSession(host: AccountHost, session: string): Promise<{ account: AccountRecord; csrf: string } | null> {
  const account = host.record();
  if (!account || loginDisabled(account)) return null;
  const row = host.sql
    .exec<{ csrf: string; expires_at: number }>("SELECT csrf, expires_at FROM sessions WHERE hash = ?", await sha256Base64url(session))
    .toArray()[0];
  if (!row || row.expires_at < Date.now()) return null;
  return { account, csrf: row.csrf };
}

export async function deleteSession(host: AccountHost, session: string): Promise<void> {
  host.sql.exec("DELETE FROM sessions WHERE hash = ?", await sha256Base64url(session));
}

// ----- OAuth authorization codes -----

export interface AuthCodeInput {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
}

export async function createAuthCode(host: AccountHost, input: AuthCodeInput): Promise<string> {
  const code = mintAccountHandle(host.accountId());
  host.sql.exec(
    `INSERT INTO auth_codes (hash, client_id, redirect_uri, scopes, code_challenge, code_challenge_method, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    await sha256Base64url(code),
    input.clientId,
    input.redirectUri,
    input.scopes.join(" "),
    input.codeChallenge,
    input.codeChallengeMethod,
    Date.now() + AUTH_CODE_TTL_MS,
  );
  return code;
}

export interface CodeExchange {
  code: string;
  app: AppInfo;
  redirectUri: string;
  codeVerifier: string | null;
}

type AuthCodeRow = {
  client_id: string;
  redirect_uri: string;
  scopes: string;
  code_challenge: string | null;
  code_challenge_method: string | null;
  expires_at: number;
  used: number;
};

/** Exchanges an authorization code once; a reused code is refused (RFC 6749 §4.1.2). */
export async function exchangeCode(host: AccountHost, input: CodeExchange): Promise<Result<IssuedToken>> {
  const hash = await sha256Base64url(input.code);
  const row = host.sql.exec<AuthCodeRow>("SELECT * FROM auth_codes WHERE hash = ?", hash).toArray()[0];
  const invalid = (why: string) => fail(400, "invalid_grant", { error_description: why });
  if (!row || row.client_id !== input.app.clientId) return invalid("The authorization code is invalid");
  if (row.used) return invalid("The authorization code was already used");
  if (row.expires_at < Date.now()) return invalid("The authorization code has expired");
  if (row.redirect_uri !== input.redirectUri) return invalid("The redirect URI does not match the authorization request");
  if (row.code_challenge) {
    if (!input.codeVerifier) return invalid("The code verifier is missing");
    const expected = row.code_challenge_method === "S256" ? await sha256Base64url(input.codeVerifier) : input.codeVerifier;
    if (!timingSafeEqual(expected, row.code_challenge)) return invalid("The code verifier is invalid");
  }
  host.sql.exec("UPDATE auth_codes SET used = 1 WHERE hash = ?", hash);
  host.sql.exec("DELETE FROM auth_codes WHERE expires_at < ?", Date.now());
  return ok(await insertToken(host, input.app, row.scopes.split(" ")));
}

/** The CredentialAccount entity as JSON; only a locked account keeps follow requests (unlocking accepts them). */
export function credentialAccountJson(host: AccountHost, account: AccountRecord, o: Origin): string {
  const requests = account.locked ? host.sql.exec<{ n: number }>("SELECT count(*) AS n FROM follow_requests").one().n : 0;
  return JSON.stringify(serializeCredentialAccount(account, o, requests));
}
