import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "../migrations";
import { fail, ok, type Result } from "../../worker/http/errors";
import type { AccountRecord, Role } from "../../schemas/records";
import { snowflake } from "../../lib/ids";

/**
 * The instance-wide registry of local accounts: unique usernames and emails, id lookups and
 * counts. A singleton (`idFromName("directory")`): writes are rare (registrations), and the
 * Worker caches its username lookups. Profiles themselves live in each account's object.
 */
const MIGRATIONS: readonly Migration[] = [
  (sql) => {
    sql.exec(`CREATE TABLE accounts (
      id TEXT PRIMARY KEY,
      username TEXT NOT NULL,
      username_lower TEXT NOT NULL UNIQUE,
      email_lower TEXT NOT NULL UNIQUE,
      state TEXT NOT NULL DEFAULT 'pending',
      approved INTEGER NOT NULL DEFAULT 1,
      role TEXT NOT NULL DEFAULT 'user',
      created_at TEXT NOT NULL
    )`);
  },
];

export interface Registration {
  username: string;
  email: string;
  password: string;
  role: Role;
  approved: boolean;
  locale?: string | null;
}

export interface DirectoryEntry {
  id: string;
  username: string;
  approved: boolean;
  role: Role;
}

export class DirectoryObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  /**
   * Reserves the username and email, creates the account's object, then activates the entry.
   * If creation fails the reservation is released, so no half-registered account remains.
   */
  async register(input: Registration): Promise<Result<AccountRecord>> {
    const usernameLower = input.username.toLowerCase();
    const emailLower = input.email.toLowerCase();
    const taken = this.sql
      .exec<{ username_lower: string; email_lower: string }>(
        "SELECT username_lower, email_lower FROM accounts WHERE username_lower = ? OR email_lower = ?",
        usernameLower,
        emailLower,
      )
      .toArray();
    const details: Record<string, { error: string; description: string }[]> = {};
    if (taken.some((r) => r.username_lower === usernameLower)) {
      details.username = [{ error: "ERR_TAKEN", description: "is already taken" }];
    }
    if (taken.some((r) => r.email_lower === emailLower)) {
      details.email = [{ error: "ERR_TAKEN", description: "is already taken" }];
    }
    if (Object.keys(details).length > 0) {
      const summary = Object.entries(details).map(([k, v]) => `${k[0].toUpperCase()}${k.slice(1)} ${v[0].description}`);
      return fail(422, `Validation failed: ${summary.join(", ")}`, { details });
    }
    const id = snowflake();
    this.sql.exec(
      "INSERT INTO accounts (id, username, username_lower, email_lower, approved, role, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      id,
      input.username,
      usernameLower,
      emailLower,
      input.approved ? 1 : 0,
      input.role,
      new Date().toISOString(),
    );
    try {
      const stub = this.env.ACCOUNT.get(this.env.ACCOUNT.idFromName(id));
      const created = await stub.create({ id, ...input });
      if (!created.ok) {
        this.sql.exec("DELETE FROM accounts WHERE id = ?", id);
        return created;
      }
      this.sql.exec("UPDATE accounts SET state = 'active' WHERE id = ?", id);
      return created;
    } catch (err) {
      this.sql.exec("DELETE FROM accounts WHERE id = ?", id);
      throw err;
    }
  }

  async findByUsername(username: string): Promise<DirectoryEntry | null> {
    return this.entry("username_lower = ?", username.toLowerCase());
  }

  async findByEmail(email: string): Promise<DirectoryEntry | null> {
    return this.entry("email_lower = ?", email.toLowerCase());
  }

  async findById(id: string): Promise<DirectoryEntry | null> {
    return this.entry("id = ?", id);
  }

  async stats(): Promise<{ users: number }> {
    const users = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM accounts WHERE state = 'active'").one().n;
    return { users };
  }

  private entry(where: string, value: string): DirectoryEntry | null {
    const row = this.sql
      .exec<{ id: string; username: string; approved: number; role: string }>(
        `SELECT id, username, approved, role FROM accounts WHERE state = 'active' AND ${where}`,
        value,
      )
      .toArray()[0];
    return row ? { id: row.id, username: row.username, approved: row.approved === 1, role: row.role as Role } : null;
  }
}
