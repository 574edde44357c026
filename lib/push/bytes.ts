import { base64url } from "../crypto";

/** Byte helpers for Web Push: base64 in both alphabets, UTF-8. */

export const utf8 = new TextEncoder();
export const encodeBase64url = base64url;

const BASE64_URL_ALPHABET = /^[A-Za-z0-9_-]*$/;
const BASE64_STANDARD_ALPHABET = /^[A-Za-z0-9+/]*$/;

/**
 * Decodes base64url (RFC 4648 §5, as browsers give `p256dh` and `auth`) or standard base64 with
 * `+/` and `=` padding (as some apps send them). The two alphabets may not be mixed; padding is
 * optional but, when present, must be complete. Returns null for anything else.
 */
export function decodeBase64Flexible(text: string): Uint8Array | null {
  const unpadded = text.replace(/={1,2}$/, "");
  if (unpadded !== text && text.length % 4 !== 0) return null;
  const isUrl = BASE64_URL_ALPHABET.test(unpadded);
  const isStandard = BASE64_STANDARD_ALPHABET.test(unpadded);
  if (!isUrl && !isStandard) return null;
  if (unpadded.length % 4 === 1) return null;
  const standard = unpadded.replace(/-/g, "+").replace(/_/g, "/");
  const padded = standard + "=".repeat((4 - (standard.length % 4)) % 4);
  try {
    const binary = atob(padded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

/** Big-endian unsigned integer of `size` bytes (2 or 4 here). */
export function uintBytes(value: number, size: 2 | 4): Uint8Array {
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  if (size === 2) view.setUint16(0, value);
  else view.setUint32(0, value);
  return out;
}

export function toBytes(payload: Uint8Array | string): Uint8Array {
  return typeof payload === "string" ? utf8.encode(payload) : payload;
}
