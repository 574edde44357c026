import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "../migrations";
import { fail, ok, type Result } from "../../lib/result";
import type { AppRecord } from "../../schemas/records";
import { randomSecret, sha256Base64url, timingSafeEqual } from "../../lib/crypto";
import { hasScope } from "../../lib/scopes";
import { mintAppToken } from "../../lib/tokens";
import { snowflake } from "../../lib/ids";

/**
 * One OAuth application (`idFromName(client_id)`): its secret, redirect URIs, scopes and its
 * client_credentials tokens. Nothing instance-wide sits on the sign-in path.
 */
const MIGRATIONS: readonly Migration[] = [
  (sql) => {
    sql.exec(`CREATE TABLE app (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      app_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      client_secret_hash TEXT NOT NULL,
      name TEXT NOT NULL,
      website TEXT,
      redirect_uris TEXT NOT NULL,
      scopes TEXT NOT NULL,
      created_at TEXT NOT NULL
    )`);
    sql.exec(`CREATE TABLE tokens (hash TEXT PRIMARY KEY, scopes TEXT NOT NULL, created_at INTEGER NOT NULL)`);
  },
];

export interface NewApp {
  clientId: string;
  name: string;
  website: string | null;
  redirectUris: string[];
  scopes: string[];
}

export interface AppToken {
  access_token: string;
  scopes: string[];
  created_at: number;
}

export class AppObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  /** Creates the app and returns it with its client secret (shown once, stored hashed). */
  async create(input: NewApp): Promise<Result<{ app: AppRecord; clientSecret: string }>> {
    if (this.row()) return fail(422, "Application already exists");
    const clientSecret = randomSecret();
    this.sql.exec(
      `INSERT INTO app (id, app_id, client_id, client_secret_hash, name, website, redirect_uris, scopes, created_at)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)`,
      snowflake(),
      input.clientId,
      await sha256Base64url(clientSecret),
      input.name,
      input.website,
      JSON.stringify(input.redirectUris),
      input.scopes.join(" "),
      new Date().toISOString(),
    );
    return ok({ app: this.record()!, clientSecret });
  }

  async get(): Promise<AppRecord | null> {
    return this.record();
  }

  /** The app if `clientSecret` is its secret; 401 invalid_client otherwise (Elk re-registers on it). */
  async authenticate(clientSecret: string): Promise<Result<AppRecord>> {
    const row = this.row();
    if (!row || !timingSafeEqual(await sha256Base64url(clientSecret), row.client_secret_hash)) {
      return invalidClient();
    }
    return ok(this.record()!);
  }

  async issueToken(clientSecret: string, scopes: string[]): Promise<Result<AppToken>> {
    const app = await this.authenticate(clientSecret);
    if (!app.ok) return app;
    const token = mintAppToken(app.value.client_id);
    const createdAt = Math.floor(Date.now() / 1000);
    this.sql.exec("INSERT INTO tokens (hash, scopes, created_at) VALUES (?, ?, ?)", await sha256Base64url(token), scopes.join(" "), createdAt);
    return ok({ access_token: token, scopes, created_at: createdAt });
  }

  /** Checks an app token (client_credentials) and, if given, a required scope. */
  async authorize(token: string, scope: string | null): Promise<Result<{ app: AppRecord; scopes: string[] }>> {
    const app = this.record();
    const row = app
      ? this.sql.exec<{ scopes: string }>("SELECT scopes FROM tokens WHERE hash = ?", await sha256Base64url(token)).toArray()[0]
      : undefined;
    if (!app || !row) return fail(401, "The access token is invalid");
    const scopes = row.scopes.split(" ");
    if (scope && !hasScope(scopes, scope)) return fail(403, "This action is outside the authorized scopes");
    return ok({ app, scopes });
  }

  async revokeToken(token: string): Promise<void> {
    this.sql.exec("DELETE FROM tokens WHERE hash = ?", await sha256Base64url(token));
  }

  private row() {
    return this.sql
      .exec<{
        app_id: string;
        client_id: string;
        client_secret_hash: string;
        name: string;
        website: string | null;
        redirect_uris: string;
        scopes: string;
        created_at: string;
      }>("SELECT * FROM app")
      .toArray()[0];
  }

  private record(): AppRecord | null {
    const row = this.row();
    if (!row) return null;
    return {
      id: row.app_id,
      client_id: row.client_id,
      name: row.name,
      website: row.website,
      redirect_uris: JSON.parse(row.redirect_uris) as string[],
      scopes: row.scopes.split(" "),
      created_at: row.created_at,
    };
  }
}

export function invalidClient(): Result<never> {
  return fail(401, "invalid_client", {
    error_description:
      "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
  });
}
