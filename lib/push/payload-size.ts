import { aes128gcmBodyBytes } from "./aes128gcm";
import { aesgcmBodyBytes } from "./aesgcm";
import { utf8 } from "./bytes";
import { failWith, succeed, type PushResult } from "./result";

/**
 * Push services must accept message bodies of 4096 bytes (RFC 8030 §7.2) and may refuse larger
 * ones (413), so no encrypted body we send is larger. What that leaves for the plaintext depends on
 * the coding's overhead: 103 bytes for `aes128gcm` (3993 left), 18 for `aesgcm` (4078 left).
 */
export type ContentEncoding = "aes128gcm" | "aesgcm";

export const MAX_PUSH_BODY_BYTES = 4096;

export function isContentEncoding(value: unknown): value is ContentEncoding {
  return value === "aes128gcm" || value === "aesgcm";
}

export function encryptedBodyBytes(encoding: ContentEncoding, plaintextBytes: number): number {
  return encoding === "aes128gcm" ? aes128gcmBodyBytes(plaintextBytes) : aesgcmBodyBytes(plaintextBytes);
}

/** The largest plaintext, in bytes, that fits the 4096-byte body limit under `encoding`. */
export function maxPlaintextBytes(encoding: ContentEncoding): number {
  return MAX_PUSH_BODY_BYTES - encryptedBodyBytes(encoding, 0);
}

/**
 * The longest prefix of `text` whose UTF-8 form has at most `maxBytes` bytes, never splitting a
 * character (surrogate pairs stay whole). When it must cut, it ends with `ellipsis` (counted).
 */
export function truncateUtf8(text: string, maxBytes: number, ellipsis = "…"): string {
  if (utf8.encode(text).length <= maxBytes) return text;
  const budget = maxBytes - utf8.encode(ellipsis).length;
  if (budget <= 0) return "";
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = utf8.encode(char).length;
    if (used + size > budget) break;
    used += size;
    end += char.length;
  }
  return text.slice(0, end) + ellipsis;
}

/**
 * Serializes a JSON payload so that it fits `encoding`'s limit, shortening the string at
 * `payload[field]` (e.g. a notification's `body`) as little as needed. Fails when it cannot fit
 * even with that field emptied, or when the field is not a string.
 */
export function fitJsonPayload(
  payload: Record<string, unknown>,
  field: string,
  encoding: ContentEncoding,
): PushResult<string> {
  const limit = maxPlaintextBytes(encoding);
  const whole = JSON.stringify(payload);
  const wholeBytes = utf8.encode(whole).length;
  if (wholeBytes <= limit) return succeed(whole);
  const value = payload[field];
  if (typeof value !== "string") {
    return failWith("payload_too_large", `payload is ${wholeBytes} bytes, over ${limit}, and "${field}" is not a string to shorten`);
  }
  const withoutField = utf8.encode(JSON.stringify({ ...payload, [field]: "" })).length;
  if (withoutField > limit) {
    return failWith("payload_too_large", `payload is ${withoutField} bytes over ${limit} even with "${field}" empty`);
  }
  // JSON escaping can make a character cost more than its UTF-8 bytes; shrink until it fits.
  let budget = limit - withoutField;
  for (;;) {
    const candidate = JSON.stringify({ ...payload, [field]: truncateUtf8(value, budget) });
    const excess = utf8.encode(candidate).length - limit;
    if (excess <= 0) return succeed(candidate);
    budget -= excess;
  }
}
