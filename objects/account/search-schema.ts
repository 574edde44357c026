import { createSearchIndex } from "../search-index";

/**
 * Search work, appended to ACCOUNT_MIGRATIONS. What an account may full-text search
 * of its own object (Mastodon's rule): its statuses and boosts, its favourites and bookmarks,
 * and statuses that mentioned it. Home is left out on purpose: Mastodon does not search it,
 * and an account that turned `indexable` off must not become searchable by all its followers.
 *
 * Triggers on those tables put the status id in `search_dirty`, in the same transaction as
 * the change, whatever code makes it; the index itself is brought up to date from the dirty
 * ids before each search (objects/account/search.ts), because the text must be stripped of
 * HTML, which SQLite cannot do inside a trigger. Mentions are kept in `search_mentions`
 * (filled from mention notifications), so that clearing notifications does not forget them.
 *
 * A last trigger queues `trends.counts` when a recent public status's favourites or boosts
 * change (objects/account/search.ts sends the live counts to the public timeline). A burst of
 * changes within a second is one job; a job already due (maybe running) absorbs nothing, so the
 * last change is always sent. The interaction code wakes the alarm after its transaction.
 */
export function searchSchema(sql: SqlStorage): void {
  createSearchIndex(sql);
  sql.exec("CREATE TABLE search_dirty (status_id TEXT PRIMARY KEY)");
  sql.exec("CREATE TABLE search_mentions (status_id TEXT PRIMARY KEY, snapshot TEXT NOT NULL)");
  // The status each source row is about (a boost is about the boosted status).
  const sources: [table: string, statusId: (row: "NEW" | "OLD") => string][] = [
    ["statuses", (r) => `COALESCE(${r}.reblog_of_id, ${r}.id)`],
    ["favourites", (r) => `${r}.status_id`],
    ["bookmarks", (r) => `${r}.status_id`],
    ["search_mentions", (r) => `${r}.status_id`],
  ];
  const markDirty = (id: string) => `BEGIN INSERT OR IGNORE INTO search_dirty (status_id) VALUES (${id}); END`;
  for (const [table, statusId] of sources) {
    sql.exec(`CREATE TRIGGER search_${table}_insert AFTER INSERT ON ${table} ${markDirty(statusId("NEW"))}`);
    sql.exec(`CREATE TRIGGER search_${table}_update AFTER UPDATE OF snapshot ON ${table} ${markDirty(statusId("NEW"))}`);
    sql.exec(`CREATE TRIGGER search_${table}_delete AFTER DELETE ON ${table} ${markDirty(statusId("OLD"))}`);
  }
  sql.exec(`CREATE TRIGGER search_mention_notification AFTER INSERT ON notifications
    WHEN NEW.type = 'mention' AND NEW.status_id IS NOT NULL AND NEW.status_snapshot IS NOT NULL
    BEGIN INSERT OR REPLACE INTO search_mentions (status_id, snapshot) VALUES (NEW.status_id, NEW.status_snapshot); END`);
  sql.exec(`CREATE TRIGGER trends_counts AFTER UPDATE OF favourites_count, reblogs_count ON statuses
    WHEN NEW.visibility = 'public' AND NEW.reblog_of_id IS NULL AND NEW.in_reply_to_id IS NULL
      AND NEW.created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')
      AND NOT EXISTS (SELECT 1 FROM outbox WHERE kind = 'trends.counts' AND payload = json_object('id', NEW.id)
                      AND next_at > CAST(unixepoch('subsec') * 1000 AS INTEGER))
    BEGIN
      INSERT INTO outbox (kind, payload, next_at) VALUES ('trends.counts', json_object('id', NEW.id), CAST(unixepoch('subsec') * 1000 AS INTEGER) + 1000);
    END`);
  // Accounts that existed before this migration: everything is to be indexed.
  sql.exec(`INSERT OR IGNORE INTO search_mentions (status_id, snapshot)
    SELECT status_id, status_snapshot FROM notifications WHERE type = 'mention' AND status_id IS NOT NULL AND status_snapshot IS NOT NULL`);
  sql.exec("INSERT OR IGNORE INTO search_dirty (status_id) SELECT COALESCE(reblog_of_id, id) FROM statuses");
  sql.exec("INSERT OR IGNORE INTO search_dirty (status_id) SELECT status_id FROM favourites UNION SELECT status_id FROM bookmarks");
}
