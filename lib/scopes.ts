/** OAuth scopes as Mastodon defines them (https://docs.joinmastodon.org/api/oauth-scopes/). */
export const TOP_LEVEL_SCOPES = ["read", "write", "follow", "push", "profile", "admin:read", "admin:write"] as const;

const GRANULAR = {
  read: ["accounts", "blocks", "bookmarks", "collections", "favourites", "filters", "follows", "lists", "mutes", "notifications", "search", "statuses"],
  write: ["accounts", "blocks", "bookmarks", "collections", "conversations", "favourites", "filters", "follows", "lists", "media", "mutes", "notifications", "reports", "statuses"],
  "admin:read": ["accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks", "email_domain_blocks", "canonical_email_blocks"],
  "admin:write": ["accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks", "email_domain_blocks", "canonical_email_blocks"],
} as const;

/** The legacy `follow` scope grants these (Mastodon keeps it for old apps). */
const FOLLOW_GRANTS = ["read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes"];

export const ALL_SCOPES: string[] = [
  ...TOP_LEVEL_SCOPES,
  ...Object.entries(GRANULAR).flatMap(([parent, children]) => children.map((c) => `${parent}:${c}`)),
];

const KNOWN = new Set(ALL_SCOPES);

/** Splits a scope string (space or `+` separated); returns null if any scope is unknown. */
export function parseScopes(input: string | undefined | null, fallback = "read"): string[] | null {
  const raw = (input ?? "").trim() || fallback;
  const scopes = [...new Set(raw.split(/[\s+]+/).filter(Boolean))];
  return scopes.every((s) => KNOWN.has(s)) ? scopes : null;
}

/** True when `granted` contains `required` or a scope that implies it. */
export function hasScope(granted: readonly string[], required: string): boolean {
  if (granted.includes(required)) return true;
  const parent = required.slice(0, required.lastIndexOf(":"));
  if (required.includes(":") && granted.includes(parent)) return true;
  if (granted.includes("follow") && FOLLOW_GRANTS.includes(required)) return true;
  // `read` is enough for `profile` (Mastodon: profile is a subset of read:accounts).
  if (required === "profile" && (granted.includes("read") || granted.includes("read:accounts"))) return true;
  return false;
}

/** A scope list is acceptable for an app only if it is a subset of what the app registered. */
export function isSubsetOf(requested: readonly string[], registered: readonly string[]): boolean {
  return requested.every((s) => registered.includes(s) || hasScope(registered, s));
}
