import type { QuotePolicy, Visibility } from "../../schemas/records";
import type { Origin } from "../serializers/account";
import { isPublicCollection } from "../../lib/federation/context";
import { escapeHtml } from "../../lib/text";
import { htmlToText, sanitizeHtml } from "../../lib/federation/sanitize";
import { localUsernameOf } from "./uris";

/**
 * A remote AS2 object → the fields a remote StatusRecord is built from. Pure and synchronous:
 * the activity handler (phase 3) resolves accounts and the parent, then stores the status.
 * Content comes out as the peer sent it; run `sanitizeInboundStatus` before storing it.
 * Conversion follows Mastodon (ActivityPub::Activity::Create and Parser::StatusParser).
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export interface InboundMention {
  href: string;
  name: string | null;
}

export interface InboundAttachment {
  type: string;
  url: string;
  mediaType: string | null;
  /** Alt text. */
  name: string | null;
  blurhash: string | null;
  focalPoint: [number, number] | null;
  width: number | null;
  height: number | null;
}

export interface InboundPoll {
  expires_at: string | null;
  multiple: boolean;
  options: { title: string; votes_count: number }[];
  votes_count: number;
  voters_count: number;
}

export interface InboundStatus {
  uri: string;
  /** The HTML page of the status (`url`), else its id. */
  url: string;
  /** The AS2 type as received (Note, Question, Article...). */
  type: string;
  /** The author's actor URI. */
  actor: string;
  /** HTML as received: sanitize before storing (`sanitizeInboundStatus`). */
  content: string;
  spoiler_text: string;
  sensitive: boolean;
  language: string | null;
  visibility: Visibility;
  created_at: string;
  edited_at: string | null;
  in_reply_to_uri: string | null;
  conversation: string | null;
  /** Every Mention tag. */
  mentions: InboundMention[];
  /** Local usernames that are both in a Mention tag and addressed: only these are notified. */
  local_mentions: string[];
  /** Local usernames addressed in to/cc (with or without a Mention tag): who may see it. */
  local_recipients: string[];
  /** Hashtag names, lower case, without '#'. */
  tags: string[];
  emojis: { shortcode: string; url: string }[];
  attachments: InboundAttachment[];
  poll: InboundPoll | null;
  /** The quoted status: FEP-044f `quote`, else the older `quoteUrl`, `quoteUri`, `_misskey_quote`. */
  quote_uri: string | null;
  /** The quoted author's stamp (`quoteAuthorization`), to be verified. */
  quote_authorization: string | null;
  /** Who may quote it (`interactionPolicy.canQuote`); absent when the author's server does not say. */
  quote_policy?: QuotePolicy;
}

export interface InboundContext {
  /** The activity's actor (already verified as the signer). */
  actor: string;
  /** The actor's followers collection, from its actor document (private posts address it). */
  actorFollowers?: string | null;
  /** The enclosing activity: its to/cc stand in when the object has none (as Mastodon reads them). */
  activity?: Record<string, unknown> | null;
  /** This instance, to recognise local accounts. */
  local: Origin;
  now?: number;
}

export const NOTE_TYPES = ["Note", "Question"] as const;
/** Mastodon converts these into statuses: title and link (plus summary), not their body. */
export const CONVERTED_TYPES = ["Article", "Page", "Image", "Video", "Audio", "Event"] as const;
const MAX_ATTACHMENTS = 4;

/** JSON-LD features that can smuggle statements past a plain-JSON reader. */
const JSON_LD_TRICKS = ["@graph", "@included", "@reverse"];

/** An error message when the document (or its embedded object) uses `@graph`/`@included`/`@reverse`. */
export function jsonLdTrick(doc: unknown): string | null {
  if (!isRecord(doc)) return null;
  for (const key of JSON_LD_TRICKS) if (key in doc) return `${key} is not accepted`;
  if (isRecord(doc.object)) return jsonLdTrick(doc.object);
  return null;
}

export function sameHost(a: string, b: string): boolean {
  const ha = hostOf(a);
  return ha !== null && ha === hostOf(b);
}

export function inboundStatus(object: unknown, ctx: InboundContext): Parsed<InboundStatus> {
  if (!isRecord(object)) return failure("object must be an embedded object");
  const trick = jsonLdTrick(object);
  if (trick) return failure(trick);
  const type = primaryType(object.type);
  if (!type) return failure(`unsupported object type ${JSON.stringify(object.type)}`);
  const uri = idOf(object.id);
  if (!uri || hostOf(uri) === null) return failure("object id must be an http(s) URL");
  if (!sameHost(uri, ctx.actor)) return failure("object id must have the host of the actor");
  const authors = asArray(object.attributedTo).map(idOf).filter((v): v is string => v !== null);
  if (authors.length > 0 && !authors.includes(ctx.actor)) return failure("attributedTo must be the actor");

  const converted = (CONVERTED_TYPES as readonly string[]).includes(type);
  const url = pageUrl(object.url, ctx.actor) ?? uri;
  const summary = firstText(object.summary, object.summaryMap) ?? "";
  const to = audience(object.to ?? ctx.activity?.to);
  const cc = audience(object.cc ?? ctx.activity?.cc);
  const mentions = mentionTags(object.tag);
  const addressed = new Set([...to, ...cc]);
  const localRecipients = uniqueStrings([...addressed].map((a) => localUsernameOf(ctx.local, a)));
  const localMentions = uniqueStrings(mentions.filter((m) => addressed.has(m.href)).map((m) => localUsernameOf(ctx.local, m.href)));
  const now = ctx.now ?? Date.now();
  const createdAt = isoDate(object.published) ?? new Date(now).toISOString();

  return {
    ok: true,
    value: {
      uri,
      url,
      type,
      actor: ctx.actor,
      content: converted ? convertedContent(object, summary, url) : (firstText(object.content, object.contentMap) ?? ""),
      spoiler_text: converted ? "" : summary,
      sensitive: object.sensitive === true || (!converted && summary.trim() !== ""),
      language: languageOf(object),
      visibility: visibilityOf(to, cc, ctx),
      created_at: createdAt,
      edited_at: isoDate(object.updated),
      in_reply_to_uri: idOf(object.inReplyTo),
      conversation: typeof object.conversation === "string" ? object.conversation : (idOf(object.context) ?? null),
      mentions,
      local_mentions: localMentions,
      local_recipients: localRecipients,
      tags: hashtags(object.tag),
      emojis: emojiTags(object.tag),
      attachments: attachments(object.attachment),
      poll: type === "Question" ? pollOf(object, now) : null,
      quote_uri: idOf(object.quote) ?? idOf(object.quoteUrl) ?? idOf(object.quoteUri) ?? idOf(object._misskey_quote),
      quote_authorization: idOf(object.quoteAuthorization),
      ...quotePolicyOf(object.interactionPolicy, ctx),
    },
  };
}

/** `interactionPolicy.canQuote.automaticApproval` read as Mastodon's three policies. */
function quotePolicyOf(policy: unknown, ctx: InboundContext): { quote_policy?: QuotePolicy } {
  if (!isRecord(policy) || !isRecord(policy.canQuote)) return {};
  const automatic = asArray(policy.canQuote.automaticApproval).map(idOf);
  if (automatic.some((a) => a !== null && isPublicCollection(a))) return { quote_policy: "public" };
  if (ctx.actorFollowers && automatic.includes(ctx.actorFollowers)) return { quote_policy: "followers" };
  return { quote_policy: "nobody" };
}

/**
 * A poll vote (Create(Note{name, inReplyTo}) with no content): the question and the option's
 * title, or null when the object is an ordinary reply.
 */
export function pollVoteOf(object: unknown): { questionUri: string; choice: string } | null {
  if (!isRecord(object) || primaryType(object.type) !== "Note") return null;
  const questionUri = idOf(object.inReplyTo);
  const hasContent = typeof object.content === "string" && object.content.trim() !== "";
  if (!questionUri || hasContent || typeof object.name !== "string" || object.name === "") return null;
  return { questionUri, choice: object.name };
}

/** Sanitizes the HTML of a converted status; content warnings and poll options become plain text. */
export async function sanitizeInboundStatus(s: InboundStatus): Promise<InboundStatus> {
  const [content, spoiler, titles] = await Promise.all([
    sanitizeHtml(s.content),
    htmlToText(s.spoiler_text),
    Promise.all((s.poll?.options ?? []).map((opt) => htmlToText(opt.title))),
  ]);
  const poll = s.poll ? { ...s.poll, options: s.poll.options.map((opt, i) => ({ ...opt, title: titles[i] })) } : null;
  return { ...s, content, spoiler_text: spoiler, poll };
}

// ----- conversion details -----

/** Mastodon's rendering of an Article/Page/...: the title as a heading, the summary, a link. */
function convertedContent(object: Record<string, unknown>, summary: string, url: string): string {
  const title = firstText(object.name, object.nameMap);
  const parts: string[] = [];
  if (title) parts.push(`<h2>${escapeHtml(title)}</h2>`);
  if (summary.trim()) parts.push(summary.trim().startsWith("<") ? summary : `<p>${summary}</p>`);
  parts.push(`<p><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>`);
  return parts.join("");
}

function visibilityOf(to: string[], cc: string[], ctx: InboundContext): Visibility {
  if (to.some(isPublicCollection)) return "public";
  if (cc.some(isPublicCollection)) return "unlisted";
  const followers = ctx.actorFollowers ?? `${ctx.actor}/followers`;
  if (to.includes(followers) || cc.includes(followers)) return "private";
  return "direct";
}

function languageOf(object: Record<string, unknown>): string | null {
  for (const map of [object.contentMap, object.nameMap, object.summaryMap]) {
    if (isRecord(map)) {
      const first = Object.keys(map)[0];
      if (first && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(first)) return first;
    }
  }
  return null;
}

function pollOf(object: Record<string, unknown>, now: number): InboundPoll | null {
  const multiple = object.anyOf !== undefined;
  const choices = asArray(multiple ? object.anyOf : object.oneOf).filter(isRecord);
  const options = choices
    .map((c) => ({ title: typeof c.name === "string" ? c.name : "", votes_count: totalItems(c.replies) }))
    .filter((opt) => opt.title !== "");
  if (options.length === 0) return null;
  const votes = options.reduce((sum, opt) => sum + opt.votes_count, 0);
  const closedAt = isoDate(object.closed);
  const endTime = isoDate(object.endTime);
  // `closed` may be a boolean in some implementations: closed with no date means "now".
  const expiresAt = endTime ?? closedAt ?? (object.closed === true ? new Date(now).toISOString() : null);
  const voters = typeof object.votersCount === "number" && object.votersCount >= 0 ? Math.floor(object.votersCount) : votes;
  return { expires_at: expiresAt, multiple, options, votes_count: votes, voters_count: voters };
}

function totalItems(collection: unknown): number {
  const n = isRecord(collection) ? collection.totalItems : undefined;
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? Math.floor(n) : 0;
}

function mentionTags(tags: unknown): InboundMention[] {
  const out: InboundMention[] = [];
  for (const tag of asArray(tags)) {
    if (!isRecord(tag) || !hasType(tag, "Mention")) continue;
    const href = idOf(tag.href);
    if (!href || out.some((m) => m.href === href)) continue;
    out.push({ href, name: typeof tag.name === "string" ? tag.name : null });
  }
  return out;
}

const HASHTAG_NAME = /^[\p{L}\p{N}_\p{M}]+$/u;

function hashtags(tags: unknown): string[] {
  const names = asArray(tags)
    .filter((t): t is Record<string, unknown> => isRecord(t) && hasType(t, "Hashtag") && typeof t.name === "string")
    .map((t) => (t.name as string).replace(/^#/, "").toLowerCase())
    .filter((name) => HASHTAG_NAME.test(name));
  return [...new Set(names)];
}

function emojiTags(tags: unknown): { shortcode: string; url: string }[] {
  const out: { shortcode: string; url: string }[] = [];
  for (const tag of asArray(tags)) {
    if (!isRecord(tag) || !hasType(tag, "Emoji") || typeof tag.name !== "string") continue;
    const icon = asArray(tag.icon).find(isRecord);
    const url = icon ? idOf(icon.url) : null;
    const shortcode = tag.name.replace(/^:|:$/g, "");
    if (url && /^[A-Za-z0-9_]+$/.test(shortcode)) out.push({ shortcode, url });
  }
  return out;
}

function attachments(value: unknown): InboundAttachment[] {
  const out: InboundAttachment[] = [];
  for (const item of asArray(value)) {
    if (!isRecord(item)) continue;
    const link = asArray(item.url).map(linkOf).find((l) => l !== null) ?? null;
    if (!link) continue;
    const focal = Array.isArray(item.focalPoint) && item.focalPoint.length === 2 && item.focalPoint.every((n) => typeof n === "number")
      ? (item.focalPoint as [number, number])
      : null;
    out.push({
      type: primaryString(item.type) ?? "Document",
      url: link.href,
      mediaType: typeof item.mediaType === "string" ? item.mediaType : link.mediaType,
      name: typeof item.name === "string" && item.name !== "" ? item.name : null,
      blurhash: typeof item.blurhash === "string" ? item.blurhash : null,
      focalPoint: focal,
      width: positiveInt(item.width),
      height: positiveInt(item.height),
    });
    if (out.length === MAX_ATTACHMENTS) break;
  }
  return out;
}

/** `url` may be a string, a Link, or a list of them; prefer the text/html one, on the actor's host. */
function pageUrl(value: unknown, actor: string): string | null {
  const links = asArray(value).map(linkOf).filter((l): l is { href: string; mediaType: string | null } => l !== null);
  const chosen = links.find((l) => l.mediaType === "text/html") ?? links[0];
  return chosen && sameHost(chosen.href, actor) ? chosen.href : null;
}

function linkOf(value: unknown): { href: string; mediaType: string | null } | null {
  if (typeof value === "string") return hostOf(value) ? { href: value, mediaType: null } : null;
  if (!isRecord(value)) return null;
  const href = typeof value.href === "string" ? value.href : null;
  if (!href || !hostOf(href)) return null;
  return { href, mediaType: typeof value.mediaType === "string" ? value.mediaType : null };
}

// ----- JSON helpers -----

function failure(error: string): Parsed<never> {
  return { ok: false, error };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function asArray(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

/** A string id, or the `id` of an embedded object. */
function idOf(v: unknown): string | null {
  if (typeof v === "string" && v !== "") return v;
  if (isRecord(v) && typeof v.id === "string" && v.id !== "") return v.id;
  return null;
}

function primaryString(v: unknown): string | null {
  const first = asArray(v).find((t) => typeof t === "string");
  return typeof first === "string" ? first : null;
}

function hasType(obj: Record<string, unknown>, type: string): boolean {
  return asArray(obj.type).includes(type);
}

/** The first supported type of the object (types may be an array). */
function primaryType(v: unknown): string | null {
  const supported: readonly string[] = [...NOTE_TYPES, ...CONVERTED_TYPES];
  const found = asArray(v).find((t) => typeof t === "string" && supported.includes(t));
  return typeof found === "string" ? found : null;
}

/** `content`, else the first value of the language map. */
function firstText(plain: unknown, map: unknown): string | null {
  if (typeof plain === "string" && plain !== "") return plain;
  if (isRecord(map)) {
    const first = Object.values(map).find((v) => typeof v === "string" && v !== "");
    if (typeof first === "string") return first;
  }
  return null;
}

function audience(v: unknown): string[] {
  return asArray(v).map(idOf).filter((x): x is string => x !== null);
}

function hostOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.host.toLowerCase() : null;
  } catch {
    return null;
  }
}

function isoDate(v: unknown): string | null {
  if (typeof v !== "string") return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function positiveInt(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.floor(v) : null;
}

function uniqueStrings(values: (string | null)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== null))];
}
