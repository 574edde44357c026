/**
 * Tables of data export and import (appended to ACCOUNT_MIGRATIONS): CSV imports with one row
 * per uploaded line and the removals an overwrite makes first (imports.ts), and the account
 * archives with their R2 key and expiry (archive.ts).
 */
export function portabilitySchema(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE imports (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, mode TEXT NOT NULL, filename TEXT NOT NULL, state TEXT NOT NULL,
    total INTEGER NOT NULL, processed INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
    origin TEXT NOT NULL, created_at TEXT NOT NULL, finished_at TEXT
  )`);
  sql.exec(`CREATE TABLE import_rows (
    import_id TEXT NOT NULL, line INTEGER NOT NULL, row TEXT NOT NULL, item TEXT,
    state TEXT NOT NULL DEFAULT 'pending', error TEXT, PRIMARY KEY (import_id, line)
  )`);
  sql.exec("CREATE INDEX import_rows_pending ON import_rows (import_id, state, line)");
  sql.exec(`CREATE TABLE import_removals (
    import_id TEXT NOT NULL, seq INTEGER NOT NULL, removal TEXT NOT NULL, PRIMARY KEY (import_id, seq)
  )`);
  sql.exec(`CREATE TABLE archives (
    id TEXT PRIMARY KEY, state TEXT NOT NULL, origin TEXT NOT NULL, r2_key TEXT, size INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, finished_at TEXT, expires_at TEXT
  )`);
}
