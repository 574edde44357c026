import type { QuoteRecord, StatusRecord, ViewerFlags } from "../../schemas/records";
import { serializeAccount, type Origin } from "./account";
import { serializeMediaAttachment } from "./media";
import { serializePreviewCard } from "./preview-card";

export const NO_FLAGS: ViewerFlags = { favourited: false, reblogged: false, bookmarked: false, muted: false };

export function statusUri(o: Origin, s: StatusRecord): string {
  return s.uri ?? `${o.origin}/users/${s.account.username}/statuses/${s.id}`;
}

export function statusUrl(o: Origin, s: StatusRecord): string {
  return s.url ?? `${o.origin}/@${s.account.username}/${s.id}`;
}

export function tagUrl(o: Origin, name: string): string {
  return `${o.origin}/tags/${encodeURIComponent(name)}`;
}

/**
 * Status entity (https://docs.joinmastodon.org/entities/Status/). Pure: the viewer's flags for
 * the status (and for the boosted status) are computed beforehand by the viewer's object.
 * `flagsFor` returns the flags of a status id; omit it for anonymous viewers.
 */
export function serializeStatus(
  s: StatusRecord,
  o: Origin,
  flagsFor?: (id: string) => ViewerFlags | undefined,
  inQuote = false,
): Record<string, unknown> {
  const flags = flagsFor?.(s.id) ?? NO_FLAGS;
  const anonymous = !flagsFor;
  return {
    id: s.id,
    uri: statusUri(o, s),
    url: s.reblog ? null : statusUrl(o, s),
    created_at: s.created_at,
    edited_at: s.edited_at,
    account: serializeAccount(s.account, o),
    content: s.content,
    text: null,
    visibility: s.visibility,
    sensitive: s.sensitive,
    spoiler_text: s.spoiler_text,
    language: s.language,
    in_reply_to_id: s.in_reply_to_id,
    in_reply_to_account_id: s.in_reply_to_account_id,
    reblog: s.reblog ? serializeStatus(s.reblog, o, flagsFor) : null,
    replies_count: s.replies_count,
    reblogs_count: s.reblogs_count,
    favourites_count: s.favourites_count,
    quotes_count: s.quotes_count ?? 0,
    media_attachments: (s.media_attachments ?? []).map((m) => serializeMediaAttachment(m, o)),
    mentions: s.mentions.map((m) => ({
      id: m.id,
      username: m.username,
      acct: m.domain ? `${m.username}@${m.domain}` : m.username,
      url: m.url ?? `${o.origin}/@${m.username}`,
    })),
    tags: s.tags.map((name) => ({ name, url: tagUrl(o, name) })),
    emojis: [] as unknown[],
    card: s.card ? serializePreviewCard(s.card, o) : null,
    poll: s.poll ? serializePoll(s.poll, flags.own_votes) : null,
    application: s.application,
    ...quoteFields(s, o, flagsFor, inQuote),
    ...(anonymous ? {} : viewerFields(flags)),
  };
}

/** `quote` and `quote_approval`, which depend on the viewer (rendered.ts renders them per viewer). */
export function quoteFields(s: StatusRecord, o: Origin, flagsFor?: (id: string) => ViewerFlags | undefined, inQuote = false) {
  return {
    quote: s.quote ? serializeQuote(s.quote, o, flagsFor, inQuote, flagsFor?.(s.id)?.quote_hidden) : null,
    quote_approval: serializeQuoteApproval(s, flagsFor ? (flagsFor(s.id) ?? NO_FLAGS) : null),
  };
}

/**
 * Quote, or ShallowQuote inside a quoted status (Mastodon never nests a status twice). The
 * quoted status shows only while the quote stands.
 */
function serializeQuote(q: QuoteRecord, o: Origin, flagsFor: ((id: string) => ViewerFlags | undefined) | undefined, shallow: boolean, hidden?: QuoteRecord["state"]) {
  const accepted = q.state === "accepted";
  // A standing quote of someone the viewer blocks or mutes says so; clients hide it behind a notice.
  const state = accepted && hidden ? hidden : q.state;
  if (shallow) return { state, quoted_status_id: accepted ? q.quoted_status_id : null };
  return { state, quoted_status: accepted && q.quoted_status ? serializeStatus(q.quoted_status, o, flagsFor, true) : null };
}

/**
 * QuoteApproval: who is quoted automatically under the status's policy, and what that means for
 * the viewer (`pinned` is set only on the viewer's own statuses). A remote status without a
 * known policy is `unknown`; a local one from before quotes existed admits nobody.
 */
function serializeQuoteApproval(s: StatusRecord, flags: ViewerFlags | null) {
  const remoteUnknown = s.quote_policy === undefined && s.account.domain !== null;
  const policy = s.quote_policy ?? "nobody";
  const automatic = policy === "nobody" ? [] : [policy];
  let current: string;
  if (!flags) current = "unknown";
  else if (flags.pinned !== undefined) current = "automatic";
  else if (s.visibility === "private" || s.visibility === "direct" || s.reblog) current = "denied";
  else if (remoteUnknown) current = "unknown";
  else if (policy === "public") current = "automatic";
  else if (policy === "followers") current = flags.follows_author === undefined ? "unknown" : flags.follows_author ? "automatic" : "denied";
  else current = "denied";
  return { automatic, manual: [] as string[], current_user: current };
}

/** The fields of a Status that depend on who is looking (besides the poll's votes). */
export function viewerFields(flags: ViewerFlags) {
  return {
    favourited: flags.favourited,
    reblogged: flags.reblogged,
    bookmarked: flags.bookmarked,
    muted: flags.muted,
    ...(flags.pinned !== undefined ? { pinned: flags.pinned } : {}),
  };
}

export function serializePoll(p: NonNullable<StatusRecord["poll"]>, ownVotes?: number[]) {
  const expired = p.expires_at !== null && Date.parse(p.expires_at) <= Date.now();
  return {
    id: p.id,
    expires_at: p.expires_at,
    expired,
    multiple: p.multiple,
    votes_count: p.votes_count,
    voters_count: p.multiple ? p.voters_count : null,
    options: p.options.map((opt) => ({ title: opt.title, votes_count: opt.votes_count })),
    emojis: [] as unknown[],
    ...(ownVotes !== undefined ? { voted: ownVotes.length > 0, own_votes: ownVotes } : {}),
  };
}
