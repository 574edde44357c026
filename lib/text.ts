import { tokenize, type MultiToken } from "linkifyjs";

/**
 * Plain text → the HTML Mastodon sends in `note`, `content` and field values: everything
 * escaped, http(s) URLs linked the way Mastodon links them, blank lines → paragraphs,
 * single newlines → `<br />`. Pure; no I/O.
 *
 * Extension point: statuses pass `renderToken` to turn mention and hashtag tokens (from the
 * linkifyjs plugins) into links; returning undefined falls back to the default rendering.
 */
export interface RenderOptions {
  renderToken?: (token: MultiToken) => string | undefined;
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]);
}

/** Only these schemes become links; `example.com` without a scheme stays text, as in Mastodon. */
const LINKED_SCHEMES = /^https?:\/\//i;

/** Visible part of a link's text; the rest is hidden by Mastodon's `invisible` class. */
const DISPLAY_LENGTH = 30;

/** A URL as Mastodon renders it: scheme hidden, long paths shortened with an ellipsis. */
export function renderUrl(url: string): string {
  const scheme = url.match(/^https?:\/\/(www\.)?/i)?.[0] ?? "";
  const rest = url.slice(scheme.length);
  const shown = rest.slice(0, DISPLAY_LENGTH);
  const hidden = rest.slice(DISPLAY_LENGTH);
  return (
    `<a href="${escapeHtml(url)}" target="_blank" rel="nofollow noopener noreferrer" translate="no">` +
    `<span class="invisible">${escapeHtml(scheme)}</span>` +
    `<span class="${hidden ? "ellipsis" : ""}">${escapeHtml(shown)}</span>` +
    `<span class="invisible">${escapeHtml(hidden)}</span></a>`
  );
}

function renderTokens(tokens: MultiToken[], options: RenderOptions): string {
  let out = "";
  for (const token of tokens) {
    const custom = options.renderToken?.(token);
    if (custom !== undefined) out += custom;
    else if (token.t === "nl") out += "<br />";
    else if (token.t === "url" && LINKED_SCHEMES.test(token.toString())) out += renderUrl(token.toString());
    else out += escapeHtml(token.toString());
  }
  return out;
}

function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

/** Multi-line text (bios, posts): paragraphs in `<p>`; "" for blank input. */
export function textToHtml(text: string, options: RenderOptions = {}): string {
  const trimmed = normalizeNewlines(text).trim();
  if (trimmed === "") return "";
  return trimmed
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${renderTokens(tokenize(paragraph), options)}</p>`)
    .join("");
}

/** One-line text (profile field values): links, no paragraphs. */
export function inlineTextToHtml(text: string, options: RenderOptions = {}): string {
  return renderTokens(tokenize(normalizeNewlines(text)), options);
}
