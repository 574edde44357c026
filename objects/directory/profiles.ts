import type { AccountSnapshot } from "../../schemas/records";
import { containsPattern, rankCandidates } from "../../lib/account-search";

/**
 * Public profile copies in the directory, for account search and the profile directory: each
 * account object sends its snapshot (objects/account/directory-sync.ts) when its profile or
 * counts change. Results come back as snapshots, so a search is one call to this object.
 */
export function addProfileColumns(sql: SqlStorage): void {
  sql.exec("ALTER TABLE accounts ADD COLUMN display_name TEXT NOT NULL DEFAULT ''");
  sql.exec("ALTER TABLE accounts ADD COLUMN display_name_lower TEXT NOT NULL DEFAULT ''");
  sql.exec("ALTER TABLE accounts ADD COLUMN note TEXT NOT NULL DEFAULT ''");
  sql.exec("ALTER TABLE accounts ADD COLUMN discoverable INTEGER NOT NULL DEFAULT 0");
  sql.exec("ALTER TABLE accounts ADD COLUMN followers_count INTEGER NOT NULL DEFAULT 0");
  sql.exec("ALTER TABLE accounts ADD COLUMN statuses_count INTEGER NOT NULL DEFAULT 0");
  sql.exec("ALTER TABLE accounts ADD COLUMN last_status_at TEXT");
  sql.exec("ALTER TABLE accounts ADD COLUMN snapshot TEXT");
  sql.exec("CREATE INDEX accounts_by_last_status_at ON accounts (last_status_at)");
}

export function writeProfile(sql: SqlStorage, s: AccountSnapshot): void {
  sql.exec(
    `UPDATE accounts SET display_name = ?, display_name_lower = ?, note = ?, discoverable = ?, followers_count = ?,
       statuses_count = ?, last_status_at = ?, snapshot = ? WHERE id = ?`,
    s.display_name,
    s.display_name.toLowerCase(),
    s.note,
    s.discoverable ? 1 : 0,
    s.followers_count,
    s.statuses_count,
    s.last_status_at,
    JSON.stringify(s),
    s.id,
  );
}

/** Listed at all: registered, approved, with a profile copy, neither suspended nor silenced by a moderator. */
const LISTED = "state = 'active' AND approved = 1 AND snapshot IS NOT NULL AND suspended_at IS NULL AND silenced_at IS NULL";
/** How many matches are ranked: plenty for a local instance, bounded for a short term. */
const MAX_CANDIDATES = 500;

interface ProfileRow {
  [key: string]: SqlStorageValue;
  id: string;
  username: string;
  display_name: string;
  followers_count: number;
  snapshot: string;
}

export interface ProfileSearch {
  term: string;
  limit: number;
  offset: number;
  /** Accounts the searcher must not see (blocks both ways). */
  exclude: string[];
}

export function searchProfiles(sql: SqlStorage, input: ProfileSearch): AccountSnapshot[] {
  if (!input.term) return [];
  const pattern = containsPattern(input.term);
  const rows = sql
    .exec<ProfileRow>(
      `SELECT id, username, display_name, followers_count, snapshot FROM accounts
       WHERE ${LISTED} AND (username_lower LIKE ? ESCAPE '\\' OR display_name_lower LIKE ? ESCAPE '\\')
       ORDER BY followers_count DESC LIMIT ?`,
      pattern,
      pattern,
      MAX_CANDIDATES,
    )
    .toArray();
  const excluded = new Set(input.exclude);
  return rankCandidates(input.term, rows.filter((r) => !excluded.has(r.id)))
    .slice(input.offset, input.offset + input.limit)
    .map((r) => JSON.parse(r.snapshot) as AccountSnapshot);
}

export interface DirectoryPage {
  order: "active" | "new";
  limit: number;
  offset: number;
  exclude: string[];
}

/** Discoverable accounts, recently active first (never-posted last) or newest first. */
export function browseProfiles(sql: SqlStorage, input: DirectoryPage): AccountSnapshot[] {
  const order =
    input.order === "new" ? "created_at DESC, id DESC" : "last_status_at IS NULL, last_status_at DESC, id DESC";
  const excluded = new Set(input.exclude);
  // Fetch enough to fill the page after dropping excluded accounts.
  const rows = sql
    .exec<{ id: string; snapshot: string }>(
      `SELECT id, snapshot FROM accounts WHERE ${LISTED} AND discoverable = 1 ORDER BY ${order} LIMIT ?`,
      input.offset + input.limit + excluded.size,
    )
    .toArray();
  return rows
    .filter((r) => !excluded.has(r.id))
    .slice(input.offset, input.offset + input.limit)
    .map((r) => JSON.parse(r.snapshot) as AccountSnapshot);
}

/** Usernames of listed accounts that asked search engines to keep out (`indexable` false): robots.txt. */
export function noindexUsernames(sql: SqlStorage, limit = 5000): string[] {
  return sql
    .exec<{ username: string }>(
      `SELECT username FROM accounts WHERE ${LISTED} AND json_extract(snapshot, '$.indexable') = 0 ORDER BY username LIMIT ?`,
      limit,
    )
    .toArray()
    .map((r) => r.username);
}
