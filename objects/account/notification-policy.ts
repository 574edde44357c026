import type { AccountSnapshot, StatusRecord } from "../../schemas/records";
import type { NotificationType } from "../../schemas/records";

/**
 * Mastodon 4.3's notification policy: per category of sender, notifications are accepted,
 * filtered (held out of the list and grouped into a request per sender) or dropped (never
 * stored). The policy lives in one row; absent, Mastodon's defaults apply.
 */

export const POLICY_KEYS = ["for_not_following", "for_not_followers", "for_new_accounts", "for_private_mentions", "for_limited_accounts"] as const;
export type PolicyKey = (typeof POLICY_KEYS)[number];
export type PolicyValue = "accept" | "filter" | "drop";
export type NotificationPolicy = Record<PolicyKey, PolicyValue>;

/** Mastodon's defaults for a new account. */
export const DEFAULT_POLICY: NotificationPolicy = {
  for_not_following: "accept",
  for_not_followers: "accept",
  for_new_accounts: "accept",
  for_private_mentions: "filter",
  for_limited_accounts: "filter",
};

export const NOTIFICATION_FILTERING_SQL = [
  `CREATE TABLE notification_policy (
    id INTEGER PRIMARY KEY CHECK (id = 1), for_not_following TEXT NOT NULL, for_not_followers TEXT NOT NULL,
    for_new_accounts TEXT NOT NULL, for_private_mentions TEXT NOT NULL, for_limited_accounts TEXT NOT NULL
  )`,
  // Senders whose notifications are always accepted (an accepted request).
  "CREATE TABLE notification_permissions (account_id TEXT PRIMARY KEY)",
  `CREATE TABLE notification_requests (
    account_id TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, from_snapshot TEXT NOT NULL,
    last_status_snapshot TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
  )`,
  "ALTER TABLE notifications ADD COLUMN filtered INTEGER NOT NULL DEFAULT 0",
  "CREATE INDEX notifications_filtered ON notifications (from_account_id, id) WHERE filtered = 1",
];

/** Types a policy applies to (Mastodon's `filterable` notification types). */
const FILTERABLE = new Set<NotificationType>(["mention", "reblog", "follow", "follow_request", "favourite"]);
const STAFF = new Set(["moderator", "admin", "owner"]);
const NEW_ACCOUNT_MS = 30 * 24 * 3600 * 1000;

export function readPolicy(sql: SqlStorage): NotificationPolicy {
  const row = sql.exec<Record<PolicyKey, string>>(`SELECT ${POLICY_KEYS.join(", ")} FROM notification_policy WHERE id = 1`).toArray()[0];
  return row ? (row as NotificationPolicy) : { ...DEFAULT_POLICY };
}

export function writePolicy(sql: SqlStorage, changes: Partial<NotificationPolicy>): NotificationPolicy {
  const policy = { ...readPolicy(sql), ...changes };
  sql.exec(
    `INSERT OR REPLACE INTO notification_policy (id, ${POLICY_KEYS.join(", ")}) VALUES (1, ${POLICY_KEYS.map(() => "?").join(", ")})`,
    ...POLICY_KEYS.map((k) => policy[k]),
  );
  return policy;
}

export type Disposition = "accept" | "filter" | "drop";

type SenderFacts = Record<PolicyKey, string | null> & { me: string; following: number; follower: number; permitted: number };

/**
 * Mastodon's NotifyService::FilterCondition for one notification, in one statement (the policy
 * and what relates the sender to this account). Never filtered: types the policy does not
 * cover, senders this account follows or accepted a request from, local staff, and mentions
 * replying to this account's own statuses. "Limited" accounts are those moderators silenced
 * (`limited` on the sender's snapshot).
 */
export function dispositionOf(sql: SqlStorage, input: { type: NotificationType; from: AccountSnapshot; status?: StatusRecord | null }): Disposition {
  if (!FILTERABLE.has(input.type)) return "accept";
  const from = input.from;
  if (!from.domain && STAFF.has(from.role)) return "accept";
  const facts = sql
    .exec<SenderFacts>(
      `SELECT ${POLICY_KEYS.map((k) => `p.${k}`).join(", ")}, (SELECT id FROM account) AS me,
         EXISTS (SELECT 1 FROM following WHERE account_id = ?1 AND state = 'accepted') AS following,
         EXISTS (SELECT 1 FROM followers WHERE account_id = ?1) AS follower,
         EXISTS (SELECT 1 FROM notification_permissions WHERE account_id = ?1) AS permitted
       FROM (SELECT 1) LEFT JOIN notification_policy AS p ON p.id = 1`,
      from.id,
    )
    .one();
  if (facts.following || facts.permitted) return "accept";
  const status = input.status ?? null;
  if (input.type === "mention" && status?.in_reply_to_account_id === facts.me) return "accept";
  const matches: Record<PolicyKey, boolean> = {
    for_not_following: true,
    for_not_followers: !facts.follower,
    for_new_accounts: Date.now() - Date.parse(from.created_at) < NEW_ACCOUNT_MS,
    for_private_mentions: input.type === "mention" && status?.visibility === "direct",
    for_limited_accounts: from.limited === true,
  };
  const applying = POLICY_KEYS.filter((k) => matches[k]).map((k) => (facts[k] ?? DEFAULT_POLICY[k]) as PolicyValue);
  if (applying.includes("drop")) return "drop";
  return applying.includes("filter") ? "filter" : "accept";
}
