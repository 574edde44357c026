import type { Migration } from "../migrations";

/** Account object storage, in order. Never edit a shipped migration: append a new one. */
export const ACCOUNT_MIGRATIONS: readonly Migration[] = [
  (sql) => {
    sql.exec(`CREATE TABLE account (
      id TEXT PRIMARY KEY,
      username TEXT NOT NULL,
      email TEXT NOT NULL,
      display_name TEXT NOT NULL DEFAULT '',
      note TEXT NOT NULL DEFAULT '',
      note_html TEXT NOT NULL DEFAULT '',
      fields TEXT NOT NULL DEFAULT '[]',
      locked INTEGER NOT NULL DEFAULT 0,
      bot INTEGER NOT NULL DEFAULT 0,
      discoverable INTEGER NOT NULL DEFAULT 1,
      indexable INTEGER NOT NULL DEFAULT 1,
      hide_collections INTEGER NOT NULL DEFAULT 0,
      privacy TEXT NOT NULL DEFAULT 'public',
      sensitive INTEGER NOT NULL DEFAULT 0,
      language TEXT,
      role TEXT NOT NULL DEFAULT 'user',
      approved INTEGER NOT NULL DEFAULT 1,
      avatar_url TEXT,
      header_url TEXT,
      created_at TEXT NOT NULL,
      last_status_at TEXT,
      statuses_count INTEGER NOT NULL DEFAULT 0,
      followers_count INTEGER NOT NULL DEFAULT 0,
      following_count INTEGER NOT NULL DEFAULT 0
    )`);
    sql.exec(`CREATE TABLE keys (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      rsa_public_pem TEXT NOT NULL,
      rsa_private_jwk TEXT NOT NULL,
      ed25519_public_multibase TEXT NOT NULL,
      ed25519_private_jwk TEXT NOT NULL
    )`);
    sql.exec(`CREATE TABLE credentials (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      password_hash TEXT NOT NULL,
      salt TEXT NOT NULL,
      iterations INTEGER NOT NULL
    )`);
    sql.exec(`CREATE TABLE tokens (
      hash TEXT PRIMARY KEY,
      client_id TEXT NOT NULL,
      app_name TEXT NOT NULL,
      app_website TEXT,
      scopes TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`);
    sql.exec(`CREATE TABLE auth_codes (
      hash TEXT PRIMARY KEY,
      client_id TEXT NOT NULL,
      redirect_uri TEXT NOT NULL,
      scopes TEXT NOT NULL,
      code_challenge TEXT,
      code_challenge_method TEXT,
      expires_at INTEGER NOT NULL,
      used INTEGER NOT NULL DEFAULT 0
    )`);
    sql.exec(`CREATE TABLE sessions (
      hash TEXT PRIMARY KEY,
      csrf TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    )`);
    sql.exec(`CREATE TABLE sign_in_failures (at INTEGER NOT NULL)`);
  },
];
