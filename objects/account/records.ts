import type { AccountRecord, AccountSnapshot, ProfileField, QuotePolicy, Role, TokenRecord, Visibility } from "../../schemas/records";

/** Row shapes as SQLite returns them, and their conversion to the records objects hand out. */
export interface AccountRow {
  [key: string]: SqlStorageValue;
  id: string;
  username: string;
  email: string;
  display_name: string;
  note: string;
  note_html: string;
  fields: string;
  locked: number;
  bot: number;
  discoverable: number;
  indexable: number;
  hide_collections: number;
  privacy: string;
  sensitive: number;
  language: string | null;
  role: string;
  approved: number;
  avatar_url: string | null;
  header_url: string | null;
  avatar_static_url: string | null;
  header_static_url: string | null;
  attribution_domains: string;
  also_known_as: string;
  moved_to_snapshot: string | null;
  quote_policy: string | null;
  created_at: string;
  last_status_at: string | null;
  statuses_count: number;
  followers_count: number;
  following_count: number;
  rsa_public_pem: string;
  suspended_at: string | null;
  silenced_at: string | null;
  sensitized_at: string | null;
  disabled: number;
}

/** A record safe to share between calls: mutating it (instead of a copy) throws. */
export function frozenAccountRecord(row: AccountRow): Readonly<AccountRecord> {
  const record = toAccountRecord(row);
  record.fields.forEach((f) => Object.freeze(f));
  Object.freeze(record.fields);
  return Object.freeze(record);
}

export function toAccountRecord(row: AccountRow): AccountRecord {
  const record = fullAccountRecord(row);
  if (row.silenced_at) record.limited = true;
  if (row.disabled === 1) record.login_disabled = true;
  return row.suspended_at ? suspendedRecord(record) : record;
}

/**
 * What others see of a suspended account, as Mastodon serves it: the name and keys stay, the
 * profile is blank and the counts are zero, and `suspended` says why.
 */
function suspendedRecord(r: AccountRecord): AccountRecord {
  const { avatar_static_url: _a, header_static_url: _h, attribution_domains: _d, ...rest } = r;
  return {
    ...rest,
    display_name: "",
    note: "",
    note_html: "",
    fields: [],
    locked: false,
    bot: false,
    discoverable: false,
    indexable: false,
    avatar_url: null,
    header_url: null,
    last_status_at: null,
    statuses_count: 0,
    followers_count: 0,
    following_count: 0,
    suspended: true,
  };
}

function fullAccountRecord(row: AccountRow): AccountRecord {
  return {
    id: row.id,
    username: row.username,
    domain: null,
    email: row.email,
    display_name: row.display_name,
    note: row.note,
    note_html: row.note_html,
    fields: JSON.parse(row.fields) as ProfileField[],
    locked: row.locked === 1,
    bot: row.bot === 1,
    discoverable: row.discoverable === 1,
    indexable: row.indexable === 1,
    hide_collections: row.hide_collections === 1,
    privacy: row.privacy as Visibility,
    sensitive: row.sensitive === 1,
    language: row.language,
    role: row.role as Role,
    approved: row.approved === 1,
    avatar_url: row.avatar_url,
    header_url: row.header_url,
    ...(row.avatar_static_url ? { avatar_static_url: row.avatar_static_url } : {}),
    ...(row.header_static_url ? { header_static_url: row.header_static_url } : {}),
    ...(row.attribution_domains && row.attribution_domains !== "[]" ? { attribution_domains: JSON.parse(row.attribution_domains) as string[] } : {}),
    ...(row.also_known_as && row.also_known_as !== "[]" ? { also_known_as: JSON.parse(row.also_known_as) as string[] } : {}),
    ...(row.moved_to_snapshot ? { moved: JSON.parse(row.moved_to_snapshot) as AccountSnapshot } : {}),
    ...(row.quote_policy && row.quote_policy !== "public" ? { quote_policy: row.quote_policy as QuotePolicy } : {}),
    created_at: row.created_at,
    last_status_at: row.last_status_at,
    statuses_count: row.statuses_count,
    followers_count: row.followers_count,
    following_count: row.following_count,
    public_key_pem: row.rsa_public_pem,
  };
}

export interface TokenRow {
  [key: string]: SqlStorageValue;
  client_id: string;
  app_name: string;
  app_website: string | null;
  scopes: string;
  created_at: number;
}

export function toTokenRecord(row: TokenRow): TokenRecord {
  return {
    client_id: row.client_id,
    app_name: row.app_name,
    app_website: row.app_website,
    scopes: row.scopes.split(" "),
    created_at: row.created_at,
  };
}

/**
 * The account row with its public key, or undefined when no account lives in this object. A
 * deleted account (deletion.ts) keeps its row and keys for signing its last deliveries, but no
 * longer exists for anyone.
 */
export function readAccountRow(sql: SqlStorage): AccountRow | undefined {
  return sql.exec<AccountRow>("SELECT account.*, keys.rsa_public_pem FROM account JOIN keys ON keys.id = 1 WHERE account.deleted_at IS NULL").toArray()[0];
}

/** The row whether or not the account was deleted (the deletion's own jobs need it). */
export function readAccountRowEvenDeleted(sql: SqlStorage): AccountRow | undefined {
  return sql.exec<AccountRow>("SELECT account.*, keys.rsa_public_pem FROM account JOIN keys ON keys.id = 1").toArray()[0];
}
