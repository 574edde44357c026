import { find } from "linkifyjs";
import { escapeHtml, renderUrl } from "./text";

/**
 * Status text → Mastodon's HTML, with links (linkifyjs finds them), @mentions and #hashtags.
 * Pure: the caller resolves mentions (which accounts exist) and passes their profile URLs.
 */

/** `@user` or `@user@domain` (a port is allowed for local development), not inside a word or URL path. */
const MENTION_RE = /(?<![=/\p{L}\p{N}_])@([a-z0-9_]+(?:[a-z0-9_.-]*[a-z0-9_])?)(?:@([\p{L}\p{N}_-]+(?:\.[\p{L}\p{N}_-]+)*(?::\d{1,5})?))?/giu;
/** `#tag`: letters, digits, marks and underscores, at least one non-digit. */
const HASHTAG_RE = /(?<![=/)\p{L}\p{N}_&])#([\p{L}\p{M}\p{N}_]*[\p{L}\p{M}_][\p{L}\p{M}\p{N}_]*)/gu;
const LINKED_SCHEMES = /^https?:\/\//i;
/** Mastodon counts every link as this many characters, whatever its length. */
export const URL_LENGTH = 23;

export interface ParsedMention {
  username: string;
  /** null when written without a domain. */
  domain: string | null;
}

type Segment =
  | { kind: "text"; value: string }
  | { kind: "url"; value: string; linked: boolean }
  | { kind: "mention"; value: string; mention: ParsedMention }
  | { kind: "tag"; value: string; name: string };

interface Span {
  start: number;
  end: number;
  segment: Segment;
}

function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

/** Splits text into plain runs, links, mentions and hashtags (links win over overlaps). */
function segments(text: string): Segment[] {
  const spans: Span[] = find(text, "url").map((link) => ({
    start: link.start,
    end: link.end,
    segment: { kind: "url", value: link.value, linked: LINKED_SCHEMES.test(link.value) },
  }));
  const overlapsLink = (start: number, end: number) => spans.some((s) => start < s.end && end > s.start);
  const extra: Span[] = [];
  for (const m of text.matchAll(MENTION_RE)) {
    const start = m.index!;
    const end = start + m[0].length;
    if (!overlapsLink(start, end)) {
      extra.push({ start, end, segment: { kind: "mention", value: m[0], mention: { username: m[1], domain: m[2] ?? null } } });
    }
  }
  for (const m of text.matchAll(HASHTAG_RE)) {
    const start = m.index!;
    const end = start + m[0].length;
    if (!overlapsLink(start, end) && !extra.some((s) => start < s.end && end > s.start)) {
      extra.push({ start, end, segment: { kind: "tag", value: m[0], name: m[1] } });
    }
  }
  const all = [...spans, ...extra].sort((a, b) => a.start - b.start);
  const out: Segment[] = [];
  let at = 0;
  for (const span of all) {
    if (span.start < at) continue;
    if (span.start > at) out.push({ kind: "text", value: text.slice(at, span.start) });
    out.push(span.segment);
    at = span.end;
  }
  if (at < text.length) out.push({ kind: "text", value: text.slice(at) });
  return out;
}

/** Hashtag names as stored: NFKC, lower case, without '#', first occurrence order, unique. */
export function normalizeTag(name: string): string {
  return name.normalize("NFKC").toLowerCase();
}

export function extractTags(text: string): string[] {
  const names = segments(normalizeNewlines(text)).flatMap((s) => (s.kind === "tag" ? [normalizeTag(s.name)] : []));
  return [...new Set(names)];
}

/** Mentions as written, unique by `user@domain` (case-insensitive). */
export function extractMentions(text: string): ParsedMention[] {
  const seen = new Map<string, ParsedMention>();
  for (const s of segments(normalizeNewlines(text))) {
    if (s.kind !== "mention") continue;
    const key = mentionKey(s.mention);
    if (!seen.has(key)) seen.set(key, s.mention);
  }
  return [...seen.values()];
}

export function mentionKey(m: ParsedMention): string {
  return `${m.username}@${m.domain ?? ""}`.toLowerCase();
}

/** Length as Mastodon counts it: links are 23 characters, `@user@domain` counts as `@user`. */
export function statusLength(text: string): number {
  let n = 0;
  for (const s of segments(normalizeNewlines(text))) {
    if (s.kind === "url" && s.linked) n += URL_LENGTH;
    else if (s.kind === "mention") n += [...s.mention.username].length + 1;
    else n += [...s.value].length;
  }
  return n;
}

export interface StatusHtmlOptions {
  /** Profile URL of a mentioned account, or undefined to leave the mention as plain text. */
  mentionUrl: (m: ParsedMention) => string | undefined;
  tagUrl: (name: string) => string;
}

function renderSegment(s: Segment, options: StatusHtmlOptions): string {
  switch (s.kind) {
    case "url":
      return s.linked ? renderUrl(s.value) : escapeHtml(s.value);
    case "mention": {
      const url = options.mentionUrl(s.mention);
      if (!url) return escapeHtml(s.value);
      return `<span class="h-card" translate="no"><a href="${escapeHtml(url)}" class="u-url mention">@<span>${escapeHtml(s.mention.username)}</span></a></span>`;
    }
    case "tag":
      return `<a href="${escapeHtml(options.tagUrl(normalizeTag(s.name)))}" class="mention hashtag" rel="tag">#<span>${escapeHtml(s.name)}</span></a>`;
    case "text":
      return escapeHtml(s.value).replace(/\n/g, "<br />");
  }
}

/** Paragraphs in `<p>` (blank lines), single newlines as `<br />`; "" for blank text. */
export function renderStatusHtml(text: string, options: StatusHtmlOptions): string {
  const trimmed = normalizeNewlines(text).trim();
  if (trimmed === "") return "";
  return trimmed
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${segments(paragraph).map((s) => renderSegment(s, options)).join("")}</p>`)
    .join("");
}
