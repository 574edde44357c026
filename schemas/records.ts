import type { MediaRecord } from "./media";
/**
 * Plain records that objects return over RPC. Serializers in `core/serializers/` turn them
 * into Mastodon entities; nothing here knows the instance's domain or HTTP.
 */
export type Role = "user" | "moderator" | "admin" | "owner";
export type Visibility = "public" | "unlisted" | "private" | "direct";

export interface ProfileField {
  name: string;
  /** Plain text as the owner typed it (CredentialAccount `source.fields`). */
  value: string;
  /** Rendered HTML with links (Account `fields`). */
  value_html: string;
  verified_at: string | null;
}

export interface AccountRecord {
  id: string;
  username: string;
  /** null for local accounts; the remote host for remote ones. */
  domain: string | null;
  email: string;
  display_name: string;
  note: string;
  note_html: string;
  fields: ProfileField[];
  locked: boolean;
  bot: boolean;
  discoverable: boolean;
  indexable: boolean;
  hide_collections: boolean;
  privacy: Visibility;
  sensitive: boolean;
  language: string | null;
  role: Role;
  approved: boolean;
  /** A media key of ours (local accounts, core/media/files.ts) or a remote URL; null: the default image. */
  avatar_url: string | null;
  header_url: string | null;
  /** The first frame of an animated avatar or header; absent or null: the same as the image. */
  avatar_static_url?: string | null;
  header_static_url?: string | null;
  /** Websites allowed to credit this (local) account as author; absent: none. */
  attribution_domains?: string[];
  /** Actor URIs of the accounts this one says it also is (`alsoKnownAs`, local accounts); absent: none. */
  also_known_as?: string[];
  /** The account this one moved to (its snapshot at the time of the move); absent: not moved. */
  moved?: AccountSnapshot;
  /** Default quote policy of new posts (`source.quote_policy`); absent: public. */
  quote_policy?: QuotePolicy;
  created_at: string;
  last_status_at: string | null;
  statuses_count: number;
  followers_count: number;
  following_count: number;
  public_key_pem: string;
  /** Set only when a moderator suspended the account: its public fields are then blanked. */
  suspended?: true;
  /** Set only when a moderator limited (silenced) the account. */
  limited?: true;
  /** Set only when a moderator disabled the account's login (never part of a snapshot). */
  login_disabled?: true;
}

export interface TokenRecord {
  client_id: string;
  app_name: string;
  app_website: string | null;
  scopes: string[];
  created_at: number;
}

export interface AppRecord {
  id: string;
  client_id: string;
  name: string;
  website: string | null;
  redirect_uris: string[];
  scopes: string[];
  created_at: string;
}

/**
 * An account as embedded in other records (statuses, notifications, timelines): everything
 * public, nothing secret. `uri`/`url` are null for local accounts (derived from the origin at
 * serialization) and set for remote ones.
 */
export type AccountSnapshot = Omit<AccountRecord, "email" | "public_key_pem" | "approved" | "login_disabled"> & {
  uri?: string | null;
  url?: string | null;
};

export function toSnapshot(a: AccountRecord): AccountSnapshot {
  const { email: _e, public_key_pem: _k, approved: _a, login_disabled: _d, ...rest } = a;
  return rest;
}

export interface MentionRecord {
  id: string;
  username: string;
  /** null for local accounts */
  domain: string | null;
  url?: string | null;
  /** ActivityPub actor id of a remote mentioned account (federation addresses it); null/absent for local ones. */
  uri?: string | null;
}

export interface PollRecord {
  id: string;
  expires_at: string | null;
  multiple: boolean;
  options: { title: string; votes_count: number }[];
  votes_count: number;
  voters_count: number;
}

/**
 * A status as stored by its author and copied into timelines, threads and notifications.
 * Viewer-specific fields (favourited, bookmarked...) are not part of it: see ViewerFlags.
 */
export interface StatusRecord {
  id: string;
  /** ActivityPub id: null for local statuses (derived from the origin), set for remote ones. */
  uri: string | null;
  url: string | null;
  account: AccountSnapshot;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  /** Root of the thread: the id of the first status in the reply chain. */
  conversation_id: string;
  /** For a boost: the boosted status. Content fields of the boost itself are empty. */
  reblog: StatusRecord | null;
  content: string;
  spoiler_text: string;
  visibility: Visibility;
  sensitive: boolean;
  language: string | null;
  created_at: string;
  edited_at: string | null;
  replies_count: number;
  reblogs_count: number;
  favourites_count: number;
  mentions: MentionRecord[];
  /** Hashtag names, lower case, without '#'. */
  tags: string[];
  poll: PollRecord | null;
  application: { name: string; website: string | null } | null;
  /** Absent in statuses stored before media existed. */
  media_attachments?: MediaRecord[];
  /** The preview card of the status's first link (objects/link-cards); absent until fetched. */
  card?: PreviewCardRecord | null;
  /** The status this one quotes (Mastodon 4.5 quote posts); absent or null: none. */
  quote?: QuoteRecord | null;
  /** Who may quote this status; absent: nobody but its author (statuses from before quotes). */
  quote_policy?: QuotePolicy;
  /** Accepted quotes of this status (live on its author's side). */
  quotes_count?: number;
}

/** A link's preview card as fetched and cached per URL (Mastodon's PreviewCard). */
export interface PreviewCardRecord {
  /** The link as it appears in statuses (normalised); the key of the card's cache. */
  url: string;
  title: string;
  description: string;
  type: "link" | "photo" | "video" | "rich";
  author_name: string;
  author_url: string;
  provider_name: string;
  provider_url: string;
  /** Sanitised: one iframe at most (video embeds), else "". */
  html: string;
  width: number;
  height: number;
  /** The remote image's own address (never copied here). */
  image: string | null;
  embed_url: string;
  blurhash: string | null;
  language: string | null;
  published_at: string | null;
  /** `fediverse:creator` of the page, resolved to an account when we know it. */
  authors: { name: string; url: string; account: AccountSnapshot | null }[];
}

export type QuotePolicy = "public" | "followers" | "nobody";
export type QuoteState = "pending" | "accepted" | "rejected" | "revoked" | "deleted" | "unauthorized" | "blocked_account" | "muted_account";

/**
 * A quote as the quoting status carries it: the quoted status's snapshot (its own quote kept
 * shallow) while the quote stands, its id and ActivityPub id always.
 */
export interface QuoteRecord {
  state: QuoteState;
  quoted_status_id: string | null;
  /** ActivityPub id of the quoted status (what federation names). */
  quoted_uri: string | null;
  quoted_status: StatusRecord | null;
  /** The QuoteAuthorization's id once the quoted author approved (federation). */
  authorization?: string | null;
}

/** What makes one boost differ from another; everything else of a boost is empty. */
export interface BoostOf {
  id: string;
  /** The Announce's id for a remote boost; null for a local one. */
  uri: string | null;
  account: AccountSnapshot;
  /** The boosted status (never itself a boost). */
  original: StatusRecord;
  visibility: Visibility;
  created_at: string;
  application: StatusRecord["application"];
}

/** A boost as a StatusRecord (local boosts and remote Announces alike). */
export function boostRecord(b: BoostOf): StatusRecord {
  return {
    id: b.id,
    uri: b.uri,
    url: null,
    account: b.account,
    in_reply_to_id: null,
    in_reply_to_account_id: null,
    conversation_id: b.original.conversation_id,
    reblog: b.original,
    content: "",
    spoiler_text: "",
    visibility: b.visibility,
    sensitive: false,
    language: null,
    created_at: b.created_at,
    edited_at: null,
    replies_count: 0,
    reblogs_count: 0,
    favourites_count: 0,
    mentions: [],
    tags: [],
    poll: null,
    application: b.application,
  };
}

/** What a viewer's own object knows about a status: computed there, handed to serializers. */
export interface ViewerFlags {
  favourited: boolean;
  reblogged: boolean;
  bookmarked: boolean;
  muted: boolean;
  pinned?: boolean;
  /** Poll choices of the viewer, if any. */
  own_votes?: number[];
  /** Whether the viewer follows the author, known for statuses only followers may quote. */
  follows_author?: boolean;
  /** The viewer blocks or mutes the author of the status this one quotes. */
  quote_hidden?: "blocked_account" | "muted_account";
}

/** A local custom emoji. `url`/`static_url` are absolute or start with "/" (then on our origin). */
export interface CustomEmojiRecord {
  shortcode: string;
  url: string;
  static_url: string;
  visible_in_picker: boolean;
  category: string | null;
}

// ----- timelines, notifications, filters, markers, conversations (timelines work) -----

export type FilterContext = "home" | "notifications" | "public" | "thread" | "account";
export type FilterAction = "warn" | "hide" | "blur";

export interface FilterKeywordRecord {
  id: string;
  keyword: string;
  whole_word: boolean;
}

export interface FilterStatusRecord {
  id: string;
  status_id: string;
}

export interface FilterRecord {
  id: string;
  title: string;
  context: FilterContext[];
  filter_action: FilterAction;
  expires_at: string | null;
  keywords: FilterKeywordRecord[];
  statuses: FilterStatusRecord[];
}

/** A filter that matched a status (FilterResult), computed by the viewer's object. */
export interface FilterMatch {
  filter: FilterRecord;
  keyword_matches: string[] | null;
  status_matches: string[] | null;
}

/**
 * A page of statuses as the viewer may see them: flags per status id (boosted statuses
 * included) and filter matches (action warn) per top-level status id.
 */
export interface ViewedStatuses {
  statuses: StatusRecord[];
  flags: Record<string, ViewerFlags>;
  filtered: Record<string, FilterMatch[]>;
}

/** Ids bounding the rows a page was read from (before visibility filtering), for `Link`. */
export interface PageCursor {
  newest: string;
  oldest: string;
}

export type TimelinePage = ViewedStatuses & { cursor: PageCursor | null };

export type NotificationType =
  | "mention"
  | "status"
  | "reblog"
  | "follow"
  | "follow_request"
  | "favourite"
  | "poll"
  | "update"
  | "quote"
  | "quoted_update"
  | "admin.sign_up"
  | "admin.report";

/** The report an `admin.report` notification carries, as stored with it. */
export interface NotificationReport {
  report: { id: string; createdAt: string; category: ReportCategory; comment: string; forwarded: boolean; statusIds: string[]; ruleIds: string[] };
  target: AccountSnapshot;
}

export interface NotificationRecord {
  id: string;
  type: NotificationType;
  created_at: string;
  group_key: string;
  account: AccountSnapshot;
  status: StatusRecord | null;
  /** `admin.report` only. */
  report?: NotificationReport | null;
}

/** A sender's filtered notifications awaiting a decision (Mastodon's NotificationRequest). */
export interface NotificationRequestRecord {
  id: string;
  created_at: string;
  updated_at: string;
  account: AccountSnapshot;
  notifications_count: number;
  last_status: StatusRecord | null;
}

export interface NotificationGroupRecord {
  group_key: string;
  type: NotificationType;
  notifications_count: number;
  most_recent_notification_id: string;
  page_min_id: string;
  page_max_id: string;
  latest_page_notification_at: string;
  /** Newest first. */
  sample_account_ids: string[];
  status_id: string | null;
  /** `admin.report` only. */
  report?: NotificationReport | null;
}

export interface MarkerRecord {
  last_read_id: string;
  version: number;
  updated_at: string;
}

export interface ConversationRecord {
  id: string;
  unread: boolean;
  /** The other participants (the viewer alone when talking to themself). */
  accounts: AccountSnapshot[];
  last_status: StatusRecord;
}

/** An account as moderators see it: the record and why the person asked to join. */
export interface ModerationView {
  account: AccountRecord;
  reason: string | null;
  moderation: ModerationState;
}

/** What moderators did to a local account (Mastodon's suspended_at, silenced_at, sensitized_at, disabled). */
export interface ModerationState {
  suspendedAt: string | null;
  silencedAt: string | null;
  sensitizedAt: string | null;
  disabled: boolean;
}

/** A moderator's change to an account's state; each given flag is set or cleared. */
export interface ModerationChange {
  suspended?: boolean;
  silenced?: boolean;
  sensitized?: boolean;
  disabled?: boolean;
}

/** An account others may see: approved, and not suspended. */
export function isListedAccount(a: Pick<AccountRecord, "approved" | "suspended"> | null | undefined): boolean {
  return !!a && a.approved && !a.suspended;
}

export interface ModerationReport extends ReportRecord {
  forwarded: boolean;
  actionTakenByAccountId: string | null;
  assignedAccountId: string | null;
  updatedAt: string;
}

export interface V1FilterRecord {
  keyword: FilterKeywordRecord;
  filter: FilterRecord;
}

export interface ListRecord {
  id: string;
  title: string;
  replies_policy: RepliesPolicy;
  exclusive: boolean;
}

/** Everything the Relationship entity says, as the viewer's own tables know it. */
export interface RelationshipRecord {
  id: string;
  following: boolean;
  showing_reblogs: boolean;
  notifying: boolean;
  languages: string[] | null;
  followed_by: boolean;
  blocking: boolean;
  blocked_by: boolean;
  muting: boolean;
  muting_notifications: boolean;
  muting_expires_at: string | null;
  requested: boolean;
  requested_by: boolean;
  domain_blocking: boolean;
  endorsed: boolean;
  note: string;
}

export interface NewReport {
  /** The Flag's id (null for a local report). */
  activityId: string | null;
  /** The reporting account (a remote account's local id, e.g. the other server's instance actor). */
  reporterId: string;
  reporterUri: string | null;
  targetAccountId: string;
  statusIds: string[];
  comment: string;
  /** spam, legal, violation or other (a local report's; a Flag's is other). */
  category?: ReportCategory;
  /** Ids of the instance rules broken (category violation). */
  ruleIds?: string[];
  /** A local report about a remote account sent on to its server as a Flag. */
  forwarded?: boolean;
  /** The reported account's server, when it is remote. */
  targetDomain?: string | null;
}

export type ReportCategory = "spam" | "legal" | "violation" | "other";

export interface ReportRecord extends NewReport {
  id: string;
  createdAt: string;
  actionTakenAt: string | null;
}

/**
 * The viewer's lists: titles and policies, and members, who must be accounts the viewer follows
 * or has asked to follow (Mastodon's ListAccount looks the follow up and 404s without one).
 * The list timelines themselves (list_entries) are filled by the timelines fan-out; adding a
 * member backfills its recent posts, as Mastodon's merge does.
 */
export type RepliesPolicy = "followed" | "list" | "none";

export interface NotificationPage {
  notifications: NotificationRecord[];
  flags: Record<string, ViewerFlags>;
  filtered: Record<string, FilterMatch[]>;
  cursor: PageCursor | null;
}

/**
 * Hashtags an account follows (followed_tags) and features on its profile (featured_tags).
 * Names arrive normalized (lower case, without '#'). Featured tag statistics are computed from
 * the account's own public and unlisted statuses, so they are always current.
 */
export interface TagRelation {
  following: boolean;
  featuring: boolean;
}

export interface FeaturedTagRecord {
  id: string;
  name: string;
  /** The featuring account's username (the entity's URL is its profile filtered by the tag). */
  username: string;
  statuses_count: number;
  last_status_at: string | null;
}

/** Posts per week, as the instance's activity counts them: this account's statuses, boosts left out. */
export interface WeekPosts {
  /** The week's Monday 00:00 UTC, as an ISO instant. */
  week: string;
  posts: number;
}

/** Whether a status carries media (the `only_media` filters and the `:media` streams). */
export function hasMedia(s: StatusRecord): boolean {
  const media = (s as { media_attachments?: unknown[] }).media_attachments;
  return Array.isArray(media) && media.length > 0;
}

export interface ScheduledRecord {
  id: string;
  scheduled_at: string;
  params: ScheduledParams;
  /** The uploads it holds, published with it. */
  media_attachments?: MediaRecord[];
}

/** ScheduledStatus `params` (Mastodon stores the request's options as given). */
export interface ScheduledParams {
  text: string;
  poll: { options: string[]; expires_in: number; multiple: boolean; hide_totals: boolean } | null;
  media_ids: string[] | null;
  sensitive: boolean | null;
  spoiler_text: string | null;
  visibility: Visibility;
  scheduled_at: null;
  in_reply_to_id: string | null;
  language: string | null;
  application_id: number;
  idempotency: string | null;
  with_rate_limit: boolean;
}

/** A status as its stored snapshot JSON, with its id for paging: what reads pass between objects. */
export type SnapshotEntry = {
  id: string;
  snapshot: string;
};

export const snapshotEntries = (records: StatusRecord[]): SnapshotEntry[] => records.map((s) => ({ id: s.id, snapshot: JSON.stringify(s) }));
