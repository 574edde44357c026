import { hex } from "../../lib/bytes";

/**
 * Where media files live: keys in the MEDIA bucket, and the URLs they are served at. Keys carry
 * 128 random bits, so a file cannot be found without being shown its URL. Local records hold
 * keys, never URLs: the origin is known only where a request is answered.
 */

/** Path prefix of served media (`GET /system/<key>`, worker/api/media-files.ts). */
export const MEDIA_PATH_PREFIX = "/system/";

const EXTENSIONS: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/gif": "gif",
  "image/webp": "webp",
  "image/avif": "avif",
  "video/mp4": "mp4",
  "video/quicktime": "mov",
  "video/webm": "webm",
  "video/ogg": "ogv",
  "audio/mpeg": "mp3",
  "audio/ogg": "ogg",
  "audio/wav": "wav",
  "audio/flac": "flac",
  "audio/mp4": "m4a",
  "audio/aac": "aac",
};

function randomHex(bytes = 16): string {
  return hex(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** A fresh folder for one upload's files: `media/<32 hex>` (or `avatars/...`, `headers/...`). */
export function newMediaFolder(kind: "media" | "avatars" | "headers" | "pending"): string {
  return `${kind}/${randomHex()}`;
}

/** `<folder>/<name>.<ext>` for a file of type `mime`. */
export function fileKey(folder: string, name: string, mime: string): string {
  return `${folder}/${name}.${EXTENSIONS[mime] ?? "bin"}`;
}

/** Only keys we make are served: a folder, 32 hex digits, a plain file name. */
export function isMediaKey(key: string): boolean {
  return /^(media|avatars|headers)\/[0-9a-f]{32}\/[a-z]+\.[a-z0-9]{2,4}$/.test(key);
}

/** The URL of a stored file: under the configured media origin (an R2 custom domain) or ours. */
export function mediaUrl(key: string, origin: string, mediaOrigin?: string): string {
  return mediaOrigin ? `${mediaOrigin.replace(/\/$/, "")}/${key}` : `${origin}${MEDIA_PATH_PREFIX}${key}`;
}

/** An avatar or header as stored on an account: a key of ours, or a remote account's URL. */
export function profileImageUrl(stored: string, origin: string, mediaOrigin?: string): string {
  return isMediaKey(stored) ? mediaUrl(stored, origin, mediaOrigin) : stored;
}

/** The type of a file we stored, from its key's extension. */
export function mimeOfKey(key: string): string | null {
  const ext = key.slice(key.lastIndexOf(".") + 1);
  return Object.entries(EXTENSIONS).find(([, e]) => e === ext)?.[0] ?? null;
}
