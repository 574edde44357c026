/**
 * Storage of the Mastodon 4.6 client surface, appended to ACCOUNT_MIGRATIONS:
 * - profile settings the Profile entity shows (image descriptions, which profile tabs to show);
 * - featured collections this account curates (`collections`, `collection_items`, each item a
 *   snapshot of the featured account) and those it is featured in (`featured_in`, kept by the
 *   featured account so it can list and revoke them);
 * - annual reports (`annual_reports`) and the years whose report is being generated.
 */
export function clientSurfaceSchema(sql: SqlStorage): void {
  sql.exec("ALTER TABLE account ADD COLUMN avatar_description TEXT NOT NULL DEFAULT ''");
  sql.exec("ALTER TABLE account ADD COLUMN header_description TEXT NOT NULL DEFAULT ''");
  sql.exec("ALTER TABLE account ADD COLUMN show_media INTEGER NOT NULL DEFAULT 1");
  sql.exec("ALTER TABLE account ADD COLUMN show_media_replies INTEGER NOT NULL DEFAULT 1");
  sql.exec("ALTER TABLE account ADD COLUMN show_featured INTEGER NOT NULL DEFAULT 1");
  sql.exec(`CREATE TABLE collections (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', language TEXT,
    sensitive INTEGER NOT NULL DEFAULT 0, discoverable INTEGER NOT NULL DEFAULT 1, tag_name TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
  )`);
  sql.exec(`CREATE TABLE collection_items (
    id TEXT PRIMARY KEY, collection_id TEXT NOT NULL, account_id TEXT NOT NULL, state TEXT NOT NULL,
    snapshot TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (collection_id, account_id)
  )`);
  sql.exec("CREATE INDEX collection_items_account ON collection_items (account_id)");
  sql.exec(`CREATE TABLE featured_in (
    item_id TEXT PRIMARY KEY, collection_id TEXT NOT NULL, owner_id TEXT NOT NULL, created_at TEXT NOT NULL
  )`);
  sql.exec(`CREATE TABLE annual_reports (
    year INTEGER PRIMARY KEY, schema_version INTEGER NOT NULL, data TEXT NOT NULL, accounts TEXT NOT NULL,
    viewed INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL
  )`);
  sql.exec("CREATE TABLE annual_report_requests (year INTEGER PRIMARY KEY, requested_at INTEGER NOT NULL)");
}
