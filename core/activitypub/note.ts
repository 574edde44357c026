import type { AccountSnapshot, MentionRecord, StatusRecord } from "../../schemas/records";
import { actorUri, type Origin } from "../serializers/account";
import { statusUri, statusUrl, tagUrl } from "../serializers/status";
import { AS_PUBLIC, withContext } from "../../lib/federation/context";
import { snowflakeTime } from "../../lib/ids";
import type { MediaRecord } from "../../schemas/media";
import { mediaUrl, mimeOfKey } from "../media/files";

/**
 * A local status as an ActivityPub Note (Question when it has a poll), addressed by visibility
 * as Mastodon does (ActivityPub::TagManager#to/#cc). Pure: everything comes in as arguments.
 */
export interface NoteOptions {
  /**
   * The replied-to status's ActivityPub id. When omitted, it is derived for parents whose
   * author we can name from the record (a self-reply or a local mentioned author); pass it
   * for anything else (remote parents).
   */
  inReplyToUri?: string | null;
  /** "Now" for deciding whether a poll is closed (tests). */
  now?: number;
}

/** The actor URI of an account snapshot: stored for remote accounts, derived for local ones. */
export function accountUri(a: Pick<AccountSnapshot, "username" | "uri">, o: Origin): string {
  return a.uri ?? actorUri(o, a.username);
}

export function followersUri(a: Pick<AccountSnapshot, "username" | "uri">, o: Origin): string {
  return `${accountUri(a, o)}/followers`;
}

/** A mentioned account's actor URI; null for a remote mention stored without one. */
export function mentionUri(m: MentionRecord, o: Origin): string | null {
  if (m.uri) return m.uri;
  return m.domain === null ? actorUri(o, m.username) : null;
}

function mentionUris(s: StatusRecord, o: Origin): string[] {
  return s.mentions.map((m) => mentionUri(m, o)).filter((u): u is string => u !== null);
}

/**
 * `to`/`cc` by visibility: public → to Public, cc followers; unlisted → to followers, cc
 * Public; private → to followers; direct → to the mentioned actors only. Mentioned actors are
 * added to `cc` for every visibility but direct, and a boost also cc's the boosted author.
 */
export function addressing(s: StatusRecord, o: Origin): { to: string[]; cc: string[] } {
  const followers = followersUri(s.account, o);
  const mentioned = mentionUris(s, o);
  let to: string[];
  let cc: string[];
  switch (s.visibility) {
    case "public":
      [to, cc] = [[AS_PUBLIC], [followers]];
      break;
    case "unlisted":
      [to, cc] = [[followers], [AS_PUBLIC]];
      break;
    case "private":
      [to, cc] = [[followers], []];
      break;
    case "direct":
      [to, cc] = [mentioned, []];
      break;
  }
  if (s.reblog) cc.unshift(accountUri(s.reblog.account, o));
  if (s.visibility !== "direct") cc.push(...mentioned);
  return { to: unique(to), cc: unique(cc).filter((u) => !to.includes(u)) };
}

/** The parent's URI when the record alone names it: a self-reply, or a reply to a local mentioned author. */
export function derivedParentUri(s: StatusRecord, o: Origin): string | null {
  if (!s.in_reply_to_id) return null;
  if (s.in_reply_to_account_id === s.account.id && !s.account.domain) {
    return `${actorUri(o, s.account.username)}/statuses/${s.in_reply_to_id}`;
  }
  const parentAuthor = s.mentions.find((m) => m.id === s.in_reply_to_account_id);
  if (parentAuthor && parentAuthor.domain === null) return `${actorUri(o, parentAuthor.username)}/statuses/${s.in_reply_to_id}`;
  return null;
}

/**
 * Mastodon's conversation tag for a local thread (OStatus::TagManager#unique_tag): the
 * thread root's id and the day it was created (the root id is a snowflake, so it carries it).
 */
export function conversationUri(s: StatusRecord, o: Origin): string {
  let day: string;
  try {
    day = new Date(snowflakeTime(s.conversation_id)).toISOString().slice(0, 10);
  } catch {
    day = s.created_at.slice(0, 10);
  }
  return `tag:${o.domain},${day}:objectId=${s.conversation_id}:objectType=Conversation`;
}

export function mentionTag(m: MentionRecord, o: Origin) {
  const href = mentionUri(m, o) ?? m.url ?? null;
  return { type: "Mention", href, name: `@${m.username}@${m.domain ?? o.domain}` };
}

export function hashtagTag(name: string, o: Origin) {
  return { type: "Hashtag", href: tagUrl(o, name), name: `#${name}` };
}

/** The Note (or Question) of a status that is not a boost, without `@context`. */
export function noteObject(s: StatusRecord, o: Origin, options: NoteOptions = {}): Record<string, unknown> {
  const id = statusUri(o, s);
  const { to, cc } = addressing(s, o);
  const inReplyTo = s.in_reply_to_id ? (options.inReplyToUri !== undefined ? options.inReplyToUri : derivedParentUri(s, o)) : null;
  return {
    id,
    type: s.poll ? "Question" : "Note",
    summary: s.spoiler_text || null,
    inReplyTo,
    published: s.created_at,
    ...(s.edited_at ? { updated: s.edited_at } : {}),
    url: statusUrl(o, s),
    attributedTo: accountUri(s.account, o),
    to,
    cc,
    sensitive: s.sensitive,
    conversation: conversationUri(s, o),
    content: s.content,
    ...(s.language ? { contentMap: { [s.language]: s.content } } : {}),
    attachment: (s.media_attachments ?? []).map((m) => documentOf(m, o)),
    tag: [...s.mentions.map((m) => mentionTag(m, o)).filter((t) => t.href !== null), ...s.tags.map((t) => hashtagTag(t, o))],
    replies: {
      id: `${id}/replies`,
      type: "Collection",
      first: { type: "CollectionPage", partOf: `${id}/replies`, items: [] as string[] },
    },
    likes: { id: `${id}/likes`, type: "Collection", totalItems: s.favourites_count },
    shares: { id: `${id}/shares`, type: "Collection", totalItems: s.reblogs_count },
    ...(s.poll ? questionFields(s.poll, options.now ?? Date.now()) : {}),
    ...quoteFields(s, o),
    interactionPolicy: { canQuote: { automaticApproval: quoteApproval(s, o), manualApproval: [] as string[] } },
  };
}

/**
 * The quoted status under FEP-044f's `quote` and the two older names Mastodon also writes, with
 * the quoted author's authorization stamp once there is one. A quote that was revoked, rejected
 * or whose status is gone is not sent.
 */
function quoteFields(s: StatusRecord, o: Origin): Record<string, unknown> {
  const q = s.quote;
  if (!q || !q.quoted_status || (q.state !== "accepted" && q.state !== "pending")) return {};
  const uri = statusUri(o, q.quoted_status);
  const stamp = q.state !== "accepted" ? null : q.quoted_status.account.domain === null ? quoteAuthorizationUri(o, q.quoted_status, s.id) : (q.authorization ?? null);
  return { quote: uri, quoteUri: uri, _misskey_quote: uri, ...(stamp ? { quoteAuthorization: stamp } : {}) };
}

/** Where we serve the stamp with which a local status's author authorized a quote of it. */
export function quoteAuthorizationUri(o: Origin, quoted: StatusRecord, quotingId: string): string {
  return `${statusUri(o, quoted)}/quotes/${quotingId}`;
}

/** The stamp a quoted author gives a quote (FEP-044f), served at its id. */
export function quoteAuthorizationDocument(o: Origin, quoted: StatusRecord, quotingId: string, quotingUri: string) {
  return withContext({
    id: quoteAuthorizationUri(o, quoted, quotingId),
    type: "QuoteAuthorization",
    attributedTo: accountUri(quoted.account, o),
    interactingObject: quotingUri,
    interactionTarget: statusUri(o, quoted),
  });
}

/** Who may quote without asking, as FEP-044f's `automaticApproval` (the author always may). */
function quoteApproval(s: StatusRecord, o: Origin): string[] {
  const author = accountUri(s.account, o);
  if (s.visibility === "private" || s.visibility === "direct") return [author];
  if (s.quote_policy === "public") return [AS_PUBLIC];
  if (s.quote_policy === "followers") return [followersUri(s.account, o), author];
  return [author];
}

/** The Note served at the status's URI, with the `@context`. */
export function noteDocument(s: StatusRecord, o: Origin, options: NoteOptions = {}) {
  return withContext(noteObject(s, o, options));
}

function questionFields(poll: NonNullable<StatusRecord["poll"]>, now: number): Record<string, unknown> {
  const choices = poll.options.map((opt) => ({
    type: "Note",
    name: opt.title,
    replies: { type: "Collection", totalItems: opt.votes_count },
  }));
  const closed = poll.expires_at !== null && Date.parse(poll.expires_at) <= now;
  return {
    [poll.multiple ? "anyOf" : "oneOf"]: choices,
    ...(poll.expires_at ? { endTime: poll.expires_at } : {}),
    ...(closed ? { closed: poll.expires_at } : {}),
    votersCount: poll.voters_count,
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** An attachment as Mastodon federates it: a Document with its type, alt text, blurhash, focal point and size. */
export function documentOf(m: MediaRecord, o: Origin): Record<string, unknown> {
  const url = m.key ? mediaUrl(m.key, o.origin, o.mediaOrigin) : m.remote_url;
  const original = m.meta.original;
  return {
    type: "Document",
    mediaType: mediaTypeOf(m),
    url,
    name: m.description,
    blurhash: m.blurhash,
    ...(m.meta.focus ? { focalPoint: [m.meta.focus.x, m.meta.focus.y] } : {}),
    ...(original?.width && original?.height ? { width: original.width, height: original.height } : {}),
  };
}

/** From the stored key's extension (ours), else the type the remote server gave. */
function mediaTypeOf(m: MediaRecord): string | null {
  return (m.key && mimeOfKey(m.key)) || m.mime_type || null;
}
