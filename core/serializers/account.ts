import { profileImageUrl } from "../media/files";
import type { AccountRecord, AccountSnapshot, Role } from "../../schemas/records";

/** Where an instance's public URLs start. Serializers take it instead of knowing the request. */
export interface Origin {
  /** e.g. `https://example.com` or `http://127.0.0.1:8787` */
  origin: string;
  /** host[:port], the `@domain` part of handles */
  domain: string;
  /** Where media files are served when not from `origin` (an R2 custom domain; MEDIA_ORIGIN). */
  mediaOrigin?: string;
}

export const MISSING_AVATAR_PATH = "/avatars/original/missing.png";
export const MISSING_HEADER_PATH = "/headers/original/missing.png";

export function actorUri(o: Origin, username: string): string {
  return `${o.origin}/users/${username}`;
}

export function profileUrl(o: Origin, username: string): string {
  return `${o.origin}/@${username}`;
}

/** Mastodon's role ids and permission bitmasks (app/models/user_role.rb). */
const ROLE_INFO: Record<Role, { id: string; name: string; permissions: string; color: string; highlighted: boolean }> = {
  user: { id: "-99", name: "", permissions: "65536", color: "", highlighted: false },
  moderator: { id: "1", name: "Moderator", permissions: "1308", color: "", highlighted: false },
  admin: { id: "2", name: "Admin", permissions: "983036", color: "", highlighted: true },
  owner: { id: "3", name: "Owner", permissions: "1048575", color: "", highlighted: true },
};

export function serializeRole(role: Role) {
  return { ...ROLE_INFO[role] };
}

/** Account entity (https://docs.joinmastodon.org/entities/Account/) from a stored record. */
export function serializeAccount(a: AccountSnapshot, o: Origin): AccountEntity {
  const local = a.domain === null;
  const image = (stored: string | null | undefined, missing: string) => (stored ? profileImageUrl(stored, o.origin, o.mediaOrigin) : `${o.origin}${missing}`);
  const avatar = image(a.avatar_url, MISSING_AVATAR_PATH);
  const header = image(a.header_url, MISSING_HEADER_PATH);
  const role = ROLE_INFO[a.role];
  return {
    id: a.id,
    username: a.username,
    acct: local ? a.username : `${a.username}@${a.domain}`,
    display_name: a.display_name,
    locked: a.locked,
    bot: a.bot,
    discoverable: a.discoverable,
    indexable: a.indexable,
    group: false,
    hide_collections: a.hide_collections,
    noindex: !a.indexable,
    created_at: midnightOf(a.created_at),
    note: a.note_html,
    url: a.url ?? profileUrl(o, a.username),
    uri: a.uri ?? actorUri(o, a.username),
    avatar,
    avatar_static: a.avatar_static_url ? image(a.avatar_static_url, MISSING_AVATAR_PATH) : avatar,
    header,
    header_static: a.header_static_url ? image(a.header_static_url, MISSING_HEADER_PATH) : header,
    followers_count: a.followers_count,
    following_count: a.following_count,
    statuses_count: a.statuses_count,
    last_status_at: a.last_status_at ? a.last_status_at.slice(0, 10) : null,
    emojis: [] as unknown[],
    fields: a.fields.map((f) => ({ name: f.name, value: f.value_html, verified_at: f.verified_at })),
    roles: local && role.highlighted ? [{ id: role.id, name: role.name, color: role.color }] : [],
    // Moderation, as Mastodon shows it: suspended accounts are blank, limited ones behind a warning.
    ...(a.suspended ? { suspended: true as const } : {}),
    ...(a.limited ? { limited: true as const } : {}),
    // The account it moved to, as Mastodon: present only when moved, never nested further.
    ...(a.moved ? { moved: serializeAccount({ ...a.moved, moved: undefined }, o) } : {}),
  };
}

export interface AccountEntity {
  id: string;
  username: string;
  acct: string;
  display_name: string;
  locked: boolean;
  bot: boolean;
  discoverable: boolean;
  indexable: boolean;
  group: boolean;
  hide_collections: boolean;
  noindex: boolean;
  created_at: string;
  note: string;
  url: string;
  uri: string;
  avatar: string;
  avatar_static: string;
  header: string;
  header_static: string;
  followers_count: number;
  following_count: number;
  statuses_count: number;
  last_status_at: string | null;
  emojis: unknown[];
  fields: { name: string; value: string; verified_at: string | null | undefined }[];
  roles: { id: string; name: string; color: string }[];
  moved?: AccountEntity;
}

/** CredentialAccount: the Account plus `source` and `role`, only ever shown to its owner. */
export function serializeCredentialAccount(a: AccountRecord, o: Origin, followRequestsCount = 0) {
  return {
    ...serializeAccount(a, o),
    source: {
      privacy: a.privacy,
      sensitive: a.sensitive,
      language: a.language,
      note: a.note,
      fields: a.fields.map((f) => ({ name: f.name, value: f.value, verified_at: f.verified_at })),
      follow_requests_count: followRequestsCount,
      indexable: a.indexable,
      discoverable: a.discoverable,
      hide_collections: a.hide_collections,
      attribution_domains: a.attribution_domains ?? [],
      quote_policy: a.quote_policy ?? "public",
    },
    role: serializeRole(a.role),
  };
}

/** Mastodon reports account creation at midnight UTC of that day. */
function midnightOf(iso: string): string {
  return `${iso.slice(0, 10)}T00:00:00.000Z`;
}
