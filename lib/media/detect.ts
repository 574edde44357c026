// Media type from the bytes alone: never from a file name or a declared Content-Type.
// `file-type` reads the magic numbers (its core entry point takes a Uint8Array, no Node
// streams); this file maps its answer onto the types we accept and adds what it does not say:
// whether a GIF is animated. Anything not in the table (SVG, HTML, text, PDF...) is unrecognised.

import { fileTypeFromBuffer } from "file-type";
import { readGifLayout } from "./gif";

export type MediaKind = "image" | "video" | "audio";

export interface DetectedMedia {
  /** Canonical MIME type of what the bytes are. */
  mime: string;
  kind: MediaKind;
  /** GIF with more than one frame. */
  animated: boolean;
  /** Recognised but not decodable here (HEIC/HEIF: no decoder that runs in Workers). */
  decodable: boolean;
}

/** file-type's MIME → ours. Several of its names are non-standard or more specific than apps expect. */
const ACCEPTED: Record<string, { mime: string; kind: MediaKind; decodable?: false }> = {
  "image/jpeg": { mime: "image/jpeg", kind: "image" },
  "image/png": { mime: "image/png", kind: "image" },
  "image/apng": { mime: "image/png", kind: "image" },
  "image/webp": { mime: "image/webp", kind: "image" },
  "image/gif": { mime: "image/gif", kind: "image" },
  "image/avif": { mime: "image/avif", kind: "image" },
  "image/heic": { mime: "image/heic", kind: "image", decodable: false },
  "image/heif": { mime: "image/heif", kind: "image", decodable: false },
  "image/heic-sequence": { mime: "image/heic", kind: "image", decodable: false },
  "image/heif-sequence": { mime: "image/heif", kind: "image", decodable: false },
  "video/mp4": { mime: "video/mp4", kind: "video" },
  "video/x-m4v": { mime: "video/mp4", kind: "video" },
  "video/quicktime": { mime: "video/quicktime", kind: "video" },
  "video/webm": { mime: "video/webm", kind: "video" },
  "video/ogg": { mime: "video/ogg", kind: "video" },
  "audio/mpeg": { mime: "audio/mpeg", kind: "audio" },
  "audio/ogg": { mime: "audio/ogg", kind: "audio" },
  "audio/ogg; codecs=opus": { mime: "audio/ogg", kind: "audio" },
  "audio/wav": { mime: "audio/wav", kind: "audio" },
  "audio/flac": { mime: "audio/flac", kind: "audio" },
  "audio/x-flac": { mime: "audio/flac", kind: "audio" },
  "audio/mp4": { mime: "audio/mp4", kind: "audio" },
  "audio/x-m4a": { mime: "audio/mp4", kind: "audio" },
  "audio/aac": { mime: "audio/aac", kind: "audio" },
};

/** What the bytes are, or null when they are not a media type we accept. */
export async function detectMedia(bytes: Uint8Array): Promise<DetectedMedia | null> {
  let found: { mime: string } | undefined;
  try {
    found = await fileTypeFromBuffer(bytes);
  } catch {
    return null; // file-type gives up on some malformed inputs by throwing
  }
  const entry = found && ACCEPTED[found.mime];
  if (!entry) return null;
  // "GIF8" is four printable letters: a text starting with them is still not a GIF.
  const frames = entry.mime === "image/gif" ? (readGifLayout(bytes)?.frames ?? 0) : 1;
  if (frames === 0) return null;
  return { mime: entry.mime, kind: entry.kind, animated: frames > 1, decodable: entry.decodable ?? true };
}
