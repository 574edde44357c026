import { DurableObject } from "cloudflare:workers";
import { migrate } from "../migrations";
import { ACCOUNT_MIGRATIONS } from "./schema";
import { toAccountRecord, toTokenRecord, type AccountRow, type TokenRow } from "./records";
import type { AccountRecord, Role, TokenRecord } from "../../schemas/records";
import { fail, ok, type Result } from "../../worker/http/errors";
import { generateActorKeys, hashPassword, PBKDF2_ITERATIONS, randomSecret, sha256Base64url, timingSafeEqual } from "../../lib/crypto";
import { hasScope } from "../../lib/scopes";
import { mintAccountHandle, mintUserToken } from "../../lib/tokens";

export interface NewAccount {
  id: string;
  username: string;
  email: string;
  password: string;
  role: Role;
  approved: boolean;
  locale?: string | null;
}

export interface AppInfo {
  clientId: string;
  name: string;
  website: string | null;
}

export interface IssuedToken {
  access_token: string;
  scopes: string[];
  created_at: number;
}

export interface Viewer {
  account: AccountRecord;
  token: TokenRecord;
}

const AUTH_CODE_TTL_MS = 10 * 60 * 1000;
const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
/** Sign-in failures allowed per account in the window before further attempts are refused. */
export const MAX_SIGN_IN_FAILURES = 5;
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;

/**
 * One local account: profile, keys, credentials, tokens and web sessions.
 * RPC methods return `Result` values; the Worker maps failures to HTTP in one place.
 */
export class AccountObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, ACCOUNT_MIGRATIONS);
    });
  }

  // ----- account lifecycle -----

  async create(input: NewAccount): Promise<Result<AccountRecord>> {
    if (this.row()) return fail(422, "Account already exists");
    const keys = await generateActorKeys();
    const salt = randomSecret(16);
    const passwordHash = await hashPassword(input.password, salt);
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        `INSERT INTO account (id, username, email, role, approved, language, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        input.id,
        input.username,
        input.email,
        input.role,
        input.approved ? 1 : 0,
        input.locale ?? null,
        new Date().toISOString(),
      );
      this.sql.exec(
        `INSERT INTO keys (id, rsa_public_pem, rsa_private_jwk, ed25519_public_multibase, ed25519_private_jwk) VALUES (1, ?, ?, ?, ?)`,
        keys.rsaPublicPem,
        keys.rsaPrivateJwk,
        keys.ed25519PublicMultibase,
        keys.ed25519PrivateJwk,
      );
      this.sql.exec(
        `INSERT INTO credentials (id, password_hash, salt, iterations) VALUES (1, ?, ?, ?)`,
        passwordHash,
        salt,
        PBKDF2_ITERATIONS,
      );
    });
    return ok(this.record()!);
  }

  /** The public record, or null if this object holds no account. */
  async get(): Promise<AccountRecord | null> {
    return this.record();
  }

  // ----- tokens -----

  /** Checks a bearer token and scope; the first step of every authenticated call. */
  async authorize(token: string, scope: string | null): Promise<Result<Viewer>> {
    const viewer = await this.viewer(token, scope);
    return viewer;
  }

  async issueToken(app: AppInfo, scopes: string[]): Promise<Result<IssuedToken>> {
    if (!this.row()) return fail(404, "Record not found");
    return ok(await this.insertToken(app, scopes));
  }

  /** Revokes a token if it belongs to `clientId`; RFC 7009 says unknown tokens are not an error. */
  async revokeToken(token: string, clientId: string): Promise<void> {
    const hash = await sha256Base64url(token);
    this.sql.exec("DELETE FROM tokens WHERE hash = ? AND client_id = ?", hash, clientId);
  }

  // ----- password, sessions and authorization codes (web sign-in) -----

  async checkPassword(password: string): Promise<Result<AccountRecord>> {
    const account = this.record();
    if (!account) return fail(401, "Invalid email or password");
    const now = Date.now();
    this.sql.exec("DELETE FROM sign_in_failures WHERE at < ?", now - SIGN_IN_WINDOW_MS);
    const failures = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM sign_in_failures").one().n;
    if (failures >= MAX_SIGN_IN_FAILURES) return fail(429, "Too many failed sign-in attempts; try again later");
    const cred = this.sql
      .exec<{ password_hash: string; salt: string; iterations: number }>("SELECT password_hash, salt, iterations FROM credentials")
      .one();
    const candidate = await hashPassword(password, cred.salt, cred.iterations);
    if (!timingSafeEqual(candidate, cred.password_hash)) {
      this.sql.exec("INSERT INTO sign_in_failures (at) VALUES (?)", now);
      return fail(401, "Invalid email or password");
    }
    this.sql.exec("DELETE FROM sign_in_failures");
    if (!account.approved) return fail(403, "Your account is awaiting approval");
    return ok(account);
  }

  async createSession(): Promise<{ session: string; csrf: string }> {
    const id = this.row()!.id;
    const session = mintAccountHandle(id);
    const csrf = randomSecret();
    const now = Date.now();
    this.sql.exec(
      "INSERT INTO sessions (hash, csrf, created_at, expires_at) VALUES (?, ?, ?, ?)",
      await sha256Base64url(session),
      csrf,
      now,
      now + SESSION_TTL_MS,
    );
    return { session, csrf };
  }

  async getSession(session: string): Promise<{ account: AccountRecord; csrf: string } | null> {
    const account = this.record();
    if (!account) return null;
    const row = this.sql
      .exec<{ csrf: string; expires_at: number }>("SELECT csrf, expires_at FROM sessions WHERE hash = ?", await sha256Base64url(session))
      .toArray()[0];
    if (!row || row.expires_at < Date.now()) return null;
    return { account, csrf: row.csrf };
  }

  async deleteSession(session: string): Promise<void> {
    this.sql.exec("DELETE FROM sessions WHERE hash = ?", await sha256Base64url(session));
  }

  async createAuthCode(input: {
    clientId: string;
    redirectUri: string;
    scopes: string[];
    codeChallenge: string | null;
    codeChallengeMethod: string | null;
  }): Promise<string> {
    const code = mintAccountHandle(this.row()!.id);
    this.sql.exec(
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

  /** Exchanges an authorization code once; a reused code is refused (RFC 6749 §4.1.2). */
  async exchangeCode(input: {
    code: string;
    app: AppInfo;
    redirectUri: string;
    codeVerifier: string | null;
  }): Promise<Result<IssuedToken>> {
    const hash = await sha256Base64url(input.code);
    const row = this.sql
      .exec<{
        client_id: string;
        redirect_uri: string;
        scopes: string;
        code_challenge: string | null;
        code_challenge_method: string | null;
        expires_at: number;
        used: number;
      }>("SELECT * FROM auth_codes WHERE hash = ?", hash)
      .toArray()[0];
    const invalid = (why: string) => fail(400, "invalid_grant", { error_description: why });
    if (!row || row.client_id !== input.app.clientId) return invalid("The authorization code is invalid");
    if (row.used) return invalid("The authorization code was already used");
    if (row.expires_at < Date.now()) return invalid("The authorization code has expired");
    if (row.redirect_uri !== input.redirectUri) return invalid("The redirect URI does not match the authorization request");
    if (row.code_challenge) {
      if (!input.codeVerifier) return invalid("The code verifier is missing");
      const expected =
        row.code_challenge_method === "S256" ? await sha256Base64url(input.codeVerifier) : input.codeVerifier;
      if (!timingSafeEqual(expected, row.code_challenge)) return invalid("The code verifier is invalid");
    }
    this.sql.exec("UPDATE auth_codes SET used = 1 WHERE hash = ?", hash);
    this.sql.exec("DELETE FROM auth_codes WHERE expires_at < ?", Date.now());
    return ok(await this.insertToken(input.app, row.scopes.split(" ")));
  }

  // ----- internals -----

  protected async viewer(token: string, scope: string | null): Promise<Result<Viewer>> {
    const account = this.record();
    const row = account
      ? this.sql.exec<TokenRow>("SELECT * FROM tokens WHERE hash = ?", await sha256Base64url(token)).toArray()[0]
      : undefined;
    if (!account || !row) return fail(401, "The access token is invalid");
    const record = toTokenRecord(row);
    if (scope && !hasScope(record.scopes, scope)) return fail(403, "This action is outside the authorized scopes");
    return ok({ account, token: record });
  }

  private async insertToken(app: AppInfo, scopes: string[]): Promise<IssuedToken> {
    const token = mintUserToken(this.row()!.id);
    const createdAt = Math.floor(Date.now() / 1000);
    this.sql.exec(
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

  protected row(): AccountRow | undefined {
    return this.sql
      .exec<AccountRow>("SELECT account.*, keys.rsa_public_pem FROM account JOIN keys ON keys.id = 1")
      .toArray()[0];
  }

  protected record(): AccountRecord | null {
    const row = this.row();
    return row ? toAccountRecord(row) : null;
  }
}
