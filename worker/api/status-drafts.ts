import type { Ctx } from "../context";
import { ApiError } from "../../lib/result";
import { findLocalUsername } from "../directory-cache";
import { remoteAccountById, resolveHandle } from "../federation/resolve";
import { accountStub } from "../../core/stubs";
import { serializeAccount } from "../../core/serializers/account";
import { POLL_LIMITS, POSTING_LANGUAGES, STATUS_LIMITS } from "../../core/instance-settings";
import { tagUrl } from "../../core/serializers/status";
import { extractMentions, extractTags, mentionKey, renderStatusHtml, statusLength, type ParsedMention } from "../../lib/status-text";
import { type CreateStatusParams, type EditStatusParams, parseTime } from "../../schemas/statuses";
import type { MentionRecord } from "../../schemas/records";
import { MEDIA_WITH_POLL, type EditDraft, type PollDraft, type StatusDraft } from "../../objects/account/statuses";
import { MEDIA_LIMITS } from "../../lib/media/limits";
import { parseFocus, type MediaAttributes, type MediaChange } from "../../schemas/media";

/**
 * Turns validated request parameters into the drafts the account's object stores: Mastodon's
 * rules (length, poll limits, media), mentions resolved through the directory, the text
 * rendered to HTML. Every refusal is a 422 naming what was wrong.
 */

const invalid = (message: string) => new ApiError(422, `Validation failed: ${message}`);

interface RenderedText {
  content: string;
  mentions: MentionRecord[];
  tags: string[];
}

/** Remote mentions resolved per post (each may need a WebFinger and an actor fetch). */
const MAX_REMOTE_MENTIONS = 10;

function isLocal(c: Ctx, m: ParsedMention): boolean {
  return m.domain === null || m.domain.toLowerCase() === c.domain.toLowerCase();
}

/**
 * Renders text with links, hashtags and mentions of existing accounts: local ones through the
 * directory, `@user@domain` of another server through WebFinger and its actor document
 * (federation); a mention that cannot be resolved stays plain text.
 */
export async function renderText(c: Ctx, text: string): Promise<RenderedText> {
  const all = extractMentions(text);
  const parsed = all.filter((m) => isLocal(c, m));
  const found = await Promise.all(parsed.map((m) => findLocalUsername(c.env, m.username)));
  const urls = new Map<string, string>();
  const mentions = new Map<string, MentionRecord>();
  parsed.forEach((m, i) => {
    const entry = found[i];
    if (!entry || !entry.approved) return;
    urls.set(mentionKey(m), `${c.origin}/@${entry.username}`);
    mentions.set(entry.id, { id: entry.id, username: entry.username, domain: null });
  });
  const remote = all.filter((m) => !isLocal(c, m)).slice(0, MAX_REMOTE_MENTIONS);
  const resolved = await Promise.all(remote.map((m) => resolveHandle(c.env, c, `${m.username}@${m.domain}`)));
  remote.forEach((m, i) => {
    const account = resolved[i];
    if (!account) return;
    urls.set(mentionKey(m), account.url ?? account.uri ?? "");
    mentions.set(account.id, { id: account.id, username: account.username, domain: account.domain, url: account.url ?? null, uri: account.uri ?? null });
  });
  const content = renderStatusHtml(text, {
    mentionUrl: (m) => urls.get(mentionKey(m)),
    tagUrl: (name) => tagUrl(c, name),
  });
  return { content, mentions: [...mentions.values()], tags: extractTags(text) };
}

/**
 * `allowed_mentions` (Mastodon 4.5): a post that would mention anyone not listed is refused with
 * 422 and the accounts it would have reached, so the client can ask before sending.
 */
async function checkAllowedMentions(c: Ctx, allowed: string[], mentions: MentionRecord[]): Promise<void> {
  const unexpected = mentions.filter((m) => !allowed.includes(m.id));
  if (unexpected.length === 0) return;
  const accounts = await Promise.all(
    unexpected.map((m) => (m.domain === null ? accountStub(c.env, m.id).get() : remoteAccountById(c.env, c, m.id))),
  );
  throw new ApiError(422, "Post would be sent to unexpected accounts", {
    unexpected_accounts: accounts.filter((a) => a !== null).map((a) => serializeAccount(a, c)),
  });
}

function checkText(text: string, spoiler: string, hasMedia: boolean): void {
  // A post may be media alone (Mastodon: text is required only without attachments).
  if (text.trim() === "" && !hasMedia) throw invalid("Text can't be blank");
  if (statusLength(text) + [...spoiler].length > STATUS_LIMITS.max_characters) {
    throw invalid(`Text character limit of ${STATUS_LIMITS.max_characters} exceeded`);
  }
}

/**
 * Up to the advertised number of attachments, never with a poll (as Mastodon); whether each id
 * is one of the caller's free uploads is checked by the account's object when it attaches them.
 */
function checkMedia(ids: string[] | undefined, poll: unknown): string[] {
  const unique = [...new Set((ids ?? []).filter((id) => id !== ""))];
  if (unique.some((id) => !/^\d{1,20}$/.test(id))) throw new ApiError(422, `Media ${unique.join(", ")} not found or already attached to another post`);
  if (unique.length > STATUS_LIMITS.max_media_attachments) throw invalid(`You cannot attach more than ${STATUS_LIMITS.max_media_attachments} files`);
  if (unique.length && poll) throw new ApiError(422, MEDIA_WITH_POLL);
  return unique;
}

function checkPoll(poll: CreateStatusParams["poll"]): PollDraft | null {
  if (!poll) return null;
  const options = poll.options.map((o) => o.trim());
  if (options.length < 2) throw invalid("Poll options must have more than one item");
  if (options.length > POLL_LIMITS.max_options) throw invalid(`Poll options can't contain more than ${POLL_LIMITS.max_options} items`);
  if (options.some((o) => o === "")) throw invalid("Poll options can't be blank");
  if (options.some((o) => [...o].length > POLL_LIMITS.max_characters_per_option)) {
    throw invalid(`Poll options cannot be longer than ${POLL_LIMITS.max_characters_per_option} characters each`);
  }
  if (new Set(options).size !== options.length) throw invalid("Poll options contain duplicate items");
  if (poll.expires_in < POLL_LIMITS.min_expiration) throw invalid("Poll expires at is too soon");
  if (poll.expires_in > POLL_LIMITS.max_expiration) throw invalid("Poll expires at is too far into the future");
  return { options, expires_in: poll.expires_in, multiple: poll.multiple ?? false, hide_totals: poll.hide_totals ?? false };
}

/** `en`, `en-US`, `EN` → `en`; unknown or absent → null (the account's default applies). */
function language(value: string | null | undefined): string | null {
  if (!value) return null;
  const primary = value.trim().split(/[-_]/)[0].toLowerCase();
  return POSTING_LANGUAGES.includes(primary) ? primary : null;
}

/** The scheduled time as ISO 8601, or a 422 when it cannot be read. */
function scheduledAt(value: string | undefined): string | null {
  if (value === undefined) return null;
  const at = parseTime(value);
  if (at === null) throw invalid("Scheduled at is not a valid date and time");
  return new Date(at).toISOString();
}

export async function newStatusDraft(c: Ctx, p: CreateStatusParams): Promise<{ draft: StatusDraft; scheduledAt: string | null }> {
  const text = p.status ?? "";
  const spoiler = p.spoiler_text ?? "";
  const mediaIds = checkMedia(p.media_ids, p.poll);
  const poll = checkPoll(p.poll);
  checkText(text, spoiler, mediaIds.length > 0);
  const at = scheduledAt(p.scheduled_at);
  const rendered = await renderText(c, text);
  if (p.allowed_mentions) await checkAllowedMentions(c, p.allowed_mentions, rendered.mentions);
  return {
    scheduledAt: at,
    draft: {
      text,
      content: rendered.content,
      spoiler_text: spoiler,
      visibility: p.visibility ?? null,
      sensitive: p.sensitive ?? null,
      language: language(p.language),
      in_reply_to_id: p.in_reply_to_id ?? null,
      mentions: rendered.mentions,
      tags: rendered.tags,
      poll,
      media_ids: mediaIds,
      quoted_status_id: p.quoted_status_id ?? null,
      quote_policy: p.quote_approval_policy ?? null,
    },
  };
}

/** An edit changes only what it names; a missing `poll` removes the poll, as in Mastodon. */
export async function editDraft(c: Ctx, p: EditStatusParams): Promise<EditDraft> {
  const mediaIds = p.media_ids !== undefined ? checkMedia(p.media_ids, p.poll) : undefined;
  const poll = checkPoll(p.poll);
  const edit: EditDraft = { poll };
  if (mediaIds !== undefined) edit.media_ids = mediaIds;
  if (p.media_attributes) edit.media_attributes = mediaAttributes(p.media_attributes);
  if (p.status !== undefined) {
    // Whether the status keeps media is the object's to know; blank text with no media is refused there.
    checkText(p.status, p.spoiler_text ?? "", (mediaIds ?? ["kept"]).length > 0);
    const rendered = await renderText(c, p.status);
    Object.assign(edit, { text: p.status, content: rendered.content, mentions: rendered.mentions, tags: rendered.tags });
  }
  if (p.spoiler_text !== undefined) edit.spoiler_text = p.spoiler_text;
  if (p.sensitive !== undefined) edit.sensitive = p.sensitive;
  if (p.language !== undefined) edit.language = language(p.language);
  if (p.quoted_status_id !== undefined) edit.quoted_status_id = p.quoted_status_id;
  if (p.quote_approval_policy !== undefined) edit.quote_policy = p.quote_approval_policy;
  return edit;
}

/** `media_attributes[]`: alt text within the limit and a focus point, per attachment id. */
function mediaAttributes(list: MediaAttributes): ({ id: string } & MediaChange)[] {
  return list.map((a) => {
    if (a.description !== undefined && [...a.description].length > MEDIA_LIMITS.description_limit) {
      throw invalid(`Description is too long (maximum is ${MEDIA_LIMITS.description_limit} characters)`);
    }
    const focus = parseFocus(a.focus);
    if (focus === null) throw invalid("Focus must be two numbers between -1.0 and 1.0, as x,y");
    return { id: a.id, ...(a.description !== undefined ? { description: a.description } : {}), ...(focus ? { focus } : {}) };
  });
}
