import type { Migration } from "../migrations";
import { OUTBOX_TABLE_SQL } from "../outbox";
import { statusesExtraSchema } from "./status-rows";
import { federationOutSchema } from "./federation-schema";
import { searchSchema } from "./search-schema";
import { surfaceSchema } from "./surface-schema";
import { portabilitySchema } from "./portability-schema";
import { moderationStateSchema } from "./moderation";
import { adminNotificationsSchema } from "./admin-notifications";
import { clientSurfaceSchema } from "./client-surface-schema";
import { quotesSchema } from "./quote-rules";
import { ACTIVITY_TABLE_SQL } from "./activity";
import { mediaSchema } from "./media";
import { PUSH_SUBSCRIPTIONS_TABLE_SQL } from "./push-subscriptions";
import { USER_DOMAIN_BLOCKS_TABLE_SQL } from "./user-domain-blocks";
import { NOTIFICATION_FILTERING_SQL } from "./notification-policy";
import { aliasesColumn } from "./aliases";
import { movingColumns } from "./moving";
import { deletionColumn } from "./deletion";

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
  (sql) => {
    sql.exec(OUTBOX_TABLE_SQL);
  },
  socialSchema,
  (sql) => {
    // Why the person asked to join (approval-mode registrations), shown to moderators.
    sql.exec("ALTER TABLE account ADD COLUMN registration_reason TEXT");
  },
  timelineIndexes,
  statusesExtraSchema,
  federationOutSchema,
  searchSchema,
  (sql) => {
    sql.exec(ACTIVITY_TABLE_SQL);
  },
  (sql) => {
    mediaSchema(sql);
    // Avatars and headers stored here: the static (first-frame) rendition of an animated one.
    sql.exec("ALTER TABLE account ADD COLUMN avatar_static_url TEXT");
    sql.exec("ALTER TABLE account ADD COLUMN header_static_url TEXT");
  },
  // Web Push subscriptions, one per access token (push-subscriptions.ts).
  (sql) => {
    sql.exec(PUSH_SUBSCRIPTIONS_TABLE_SQL);
  },
  attributionDomainsColumn,
  surfaceSchema,
  userDomainBlocksSchema,
  notificationFilteringSchema,
  portabilitySchema,
  // Suspension, silencing, sensitizing, disabling (moderation.ts).
  moderationStateSchema,
  // The report of an admin.report notification (admin-notifications.ts).
  adminNotificationsSchema,
  clientSurfaceSchema,
  // Aliases (`alsoKnownAs`), moving and deletion of the account (aliases.ts, moving.ts, deletion.ts).
  aliasesColumn,
  movingColumns,
  deletionColumn,
  quotesSchema,
];

/** A user's own domain blocks (user-domain-blocks.ts). */
function userDomainBlocksSchema(sql: SqlStorage): void {
  sql.exec(USER_DOMAIN_BLOCKS_TABLE_SQL);
}

/** Notification policy, requests and accepted senders; filtered notifications are kept aside (notification-policy.ts). */
function notificationFilteringSchema(sql: SqlStorage): void {
  for (const statement of NOTIFICATION_FILTERING_SQL) sql.exec(statement);
}

/**
 * Timelines work: status ids are compared as numbers (a remote status from before
 * 2018 has a shorter id), so feeds are ordered by an index on CAST(id AS INTEGER); boosts in
 * lists can be found by original; direct conversations remember their statuses so that a
 * delete can fall back to the previous one.
 */
function timelineIndexes(sql: SqlStorage): void {
  sql.exec("CREATE INDEX home_order ON home (CAST(id AS INTEGER))");
  sql.exec("ALTER TABLE list_entries ADD COLUMN reblog_of_id TEXT");
  sql.exec("CREATE INDEX list_entries_order ON list_entries (list_id, CAST(id AS INTEGER))");
  sql.exec("CREATE INDEX list_entries_reblog_of ON list_entries (reblog_of_id)");
  sql.exec("CREATE INDEX notifications_status ON notifications (status_id)");
  sql.exec("CREATE INDEX conversations_order ON conversations (CAST(last_status_id AS INTEGER))");
  sql.exec(`CREATE TABLE conversation_statuses (
    conversation_id TEXT NOT NULL, status_id TEXT NOT NULL, snapshot TEXT NOT NULL,
    PRIMARY KEY (conversation_id, status_id)
  )`);
  sql.exec("CREATE INDEX conversation_statuses_status ON conversation_statuses (status_id)");
  sql.exec("CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id)");
  sql.exec("CREATE INDEX filter_statuses_filter ON filter_statuses (filter_id)");
}

/**
 * Posting, timelines, social graph and notifications. Snapshots are StatusRecord /
 * AccountSnapshot JSON (schemas/records.ts) copied in at write time: reads never call another
 * object per item. `account_id` columns hold local or remote account ids alike.
 */
function socialSchema(sql: SqlStorage): void {
  // This account's own statuses and boosts. `snapshot` is the StatusRecord minus live counts.
  sql.exec(`CREATE TABLE statuses (
    id TEXT PRIMARY KEY,
    snapshot TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    visibility TEXT NOT NULL,
    reblog_of_id TEXT,
    in_reply_to_id TEXT,
    in_reply_to_account_id TEXT,
    conversation_id TEXT NOT NULL,
    has_media INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    pinned_at TEXT,
    replies_count INTEGER NOT NULL DEFAULT 0,
    reblogs_count INTEGER NOT NULL DEFAULT 0,
    favourites_count INTEGER NOT NULL DEFAULT 0
  )`);
  sql.exec("CREATE INDEX statuses_reblog_of ON statuses (reblog_of_id)");
  sql.exec("CREATE TABLE status_mentions (status_id TEXT NOT NULL, account_id TEXT NOT NULL, PRIMARY KEY (status_id, account_id))");
  sql.exec("CREATE TABLE status_tags (status_id TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (status_id, tag))");
  sql.exec("CREATE INDEX status_tags_tag ON status_tags (tag, status_id)");
  sql.exec(`CREATE TABLE status_edits (
    id INTEGER PRIMARY KEY AUTOINCREMENT, status_id TEXT NOT NULL, snapshot TEXT NOT NULL, created_at TEXT NOT NULL
  )`);
  sql.exec("CREATE INDEX status_edits_status ON status_edits (status_id, id)");
  // Who interacted with this account's statuses (author side).
  sql.exec(`CREATE TABLE favourited_by (
    status_id TEXT NOT NULL, account_id TEXT NOT NULL, id TEXT NOT NULL, snapshot TEXT NOT NULL,
    PRIMARY KEY (status_id, account_id)
  )`);
  sql.exec(`CREATE TABLE reblogged_by (
    status_id TEXT NOT NULL, account_id TEXT NOT NULL, reblog_id TEXT NOT NULL, snapshot TEXT NOT NULL,
    PRIMARY KEY (status_id, account_id)
  )`);
  sql.exec(`CREATE TABLE poll_votes (
    status_id TEXT NOT NULL, account_id TEXT NOT NULL, choice INTEGER NOT NULL,
    PRIMARY KEY (status_id, account_id, choice)
  )`);
  // What this account did to others' statuses (viewer side).
  sql.exec(`CREATE TABLE favourites (
    status_id TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, author_id TEXT NOT NULL, snapshot TEXT NOT NULL
  )`);
  sql.exec(`CREATE TABLE bookmarks (
    status_id TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, author_id TEXT NOT NULL, snapshot TEXT NOT NULL
  )`);
  sql.exec("CREATE TABLE own_votes (status_id TEXT PRIMARY KEY, choices TEXT NOT NULL)");
  sql.exec("CREATE TABLE muted_conversations (conversation_id TEXT PRIMARY KEY)");
  sql.exec(`CREATE TABLE idempotency_keys (key TEXT PRIMARY KEY, status_id TEXT NOT NULL, created_at INTEGER NOT NULL)`);
  sql.exec(`CREATE TABLE scheduled_statuses (
    id TEXT PRIMARY KEY, scheduled_at TEXT NOT NULL, params TEXT NOT NULL, created_at TEXT NOT NULL
  )`);
  // Home timeline: entry id = status id (a boost's own id for boosts).
  sql.exec(`CREATE TABLE home (
    id TEXT PRIMARY KEY,
    author_id TEXT NOT NULL,
    reblog_of_id TEXT,
    snapshot TEXT NOT NULL
  )`);
  sql.exec("CREATE INDEX home_author ON home (author_id)");
  sql.exec("CREATE INDEX home_reblog_of ON home (reblog_of_id)");
  // Social graph. `state` is 'accepted' or 'requested'.
  sql.exec(`CREATE TABLE following (
    account_id TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, state TEXT NOT NULL,
    reblogs INTEGER NOT NULL DEFAULT 1, notify INTEGER NOT NULL DEFAULT 0, languages TEXT,
    snapshot TEXT NOT NULL
  )`);
  sql.exec(`CREATE TABLE followers (
    account_id TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, snapshot TEXT NOT NULL, inbox TEXT, shared_inbox TEXT
  )`);
  sql.exec(`CREATE TABLE follow_requests (
    account_id TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, snapshot TEXT NOT NULL
  )`);
  sql.exec("CREATE TABLE blocks (account_id TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, snapshot TEXT NOT NULL)");
  sql.exec("CREATE TABLE blocked_by (account_id TEXT PRIMARY KEY)");
  sql.exec(`CREATE TABLE mutes (
    account_id TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, notifications INTEGER NOT NULL DEFAULT 1,
    expires_at TEXT, snapshot TEXT NOT NULL
  )`);
  sql.exec("CREATE TABLE endorsements (account_id TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, snapshot TEXT NOT NULL)");
  sql.exec("CREATE TABLE account_notes (account_id TEXT PRIMARY KEY, comment TEXT NOT NULL)");
  // Lists and their timelines.
  sql.exec(`CREATE TABLE lists (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, replies_policy TEXT NOT NULL DEFAULT 'list',
    exclusive INTEGER NOT NULL DEFAULT 0
  )`);
  sql.exec("CREATE TABLE list_accounts (list_id TEXT NOT NULL, account_id TEXT NOT NULL, PRIMARY KEY (list_id, account_id))");
  sql.exec("CREATE INDEX list_accounts_account ON list_accounts (account_id)");
  sql.exec(`CREATE TABLE list_entries (
    list_id TEXT NOT NULL, id TEXT NOT NULL, author_id TEXT NOT NULL, snapshot TEXT NOT NULL,
    PRIMARY KEY (list_id, id)
  )`);
  // Notifications: snapshots of the acting account and of the status.
  sql.exec(`CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    from_account_id TEXT NOT NULL,
    from_snapshot TEXT NOT NULL,
    status_id TEXT,
    status_snapshot TEXT,
    group_key TEXT NOT NULL,
    created_at TEXT NOT NULL
  )`);
  sql.exec("CREATE INDEX notifications_group ON notifications (group_key, id)");
  sql.exec("CREATE INDEX notifications_from ON notifications (from_account_id)");
  sql.exec(`CREATE TABLE markers (
    timeline TEXT PRIMARY KEY, last_read_id TEXT NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL
  )`);
  // Filters v2.
  sql.exec(`CREATE TABLE filters (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, context TEXT NOT NULL, filter_action TEXT NOT NULL,
    expires_at TEXT
  )`);
  sql.exec(`CREATE TABLE filter_keywords (
    id TEXT PRIMARY KEY, filter_id TEXT NOT NULL, keyword TEXT NOT NULL, whole_word INTEGER NOT NULL DEFAULT 1
  )`);
  sql.exec("CREATE TABLE filter_statuses (id TEXT PRIMARY KEY, filter_id TEXT NOT NULL, status_id TEXT NOT NULL)");
  // Direct-message conversations.
  sql.exec(`CREATE TABLE conversations (
    id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL UNIQUE, participants TEXT NOT NULL,
    last_status_id TEXT NOT NULL, last_status TEXT NOT NULL, unread INTEGER NOT NULL DEFAULT 1
  )`);
  sql.exec("CREATE TABLE followed_tags (name TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE)");
  sql.exec("CREATE TABLE featured_tags (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
}

/** Websites allowed to credit the account as author (a JSON list of host names). */
export function attributionDomainsColumn(sql: SqlStorage): void {
  sql.exec("ALTER TABLE account ADD COLUMN attribution_domains TEXT NOT NULL DEFAULT '[]'");
}
