/**
 * How deeply JSON may nest in anything we parse from outside (API bodies, inbox POSTs).
 * Real payloads stay far below it: a Mastodon API body nests 3–4 levels, an ActivityPub
 * activity with an embedded object, its attachments and tags under ten.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether UTF-8 JSON text nests deeper than `limit`, by one linear pass over its bytes that
 * counts brackets outside strings (no recursion, no parse). Malformed text is not judged here:
 * JSON.parse refuses it afterwards. UTF-8 continuation bytes are never ASCII, so a byte scan is exact.
 */
export function jsonTooDeep(bytes: Uint8Array, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
