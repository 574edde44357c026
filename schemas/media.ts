import { z } from "zod";

/**
 * Media attachments as stored and exchanged: a record per upload (local) or per attachment of a
 * remote status, and the request parameters of the media API.
 */

export type MediaType = "image" | "gifv" | "video" | "audio" | "unknown";

/** Sizes as Mastodon's `meta.original` / `meta.small` report them. */
export interface MediaSize {
  width?: number;
  height?: number;
  size?: string;
  aspect?: number;
  duration?: number;
  frame_rate?: string;
  bitrate?: number;
}

export interface MediaMeta {
  original?: MediaSize;
  small?: MediaSize;
  focus?: { x: number; y: number };
  /** Seconds, for video and audio (Mastodon repeats it at the top level). */
  length?: string;
  duration?: number;
  fps?: number;
  size?: string;
  width?: number;
  height?: number;
  aspect?: number;
  audio_encode?: string;
  audio_bitrate?: string;
  audio_channels?: string;
}

/**
 * One attachment. Local files are named by their storage key (`media/<hex>/original.jpg`) and
 * made into URLs at serialization, since objects do not know the origin; remote ones carry
 * absolute URLs. `key` is null while an upload is still processing.
 */
export interface MediaRecord {
  id: string;
  type: MediaType;
  /** Storage key of the served file (local), or null (processing, or remote). */
  key: string | null;
  /** Storage key of the preview (an image's small version, or a video's uploaded thumbnail). */
  preview_key: string | null;
  /** The file on its origin server (remote media only). */
  remote_url: string | null;
  /** The preview on its origin server (remote media only). */
  preview_remote_url: string | null;
  /** The type a remote server declared (`mediaType`); ours is known from the key. */
  mime_type?: string | null;
  meta: MediaMeta;
  description: string | null;
  blurhash: string | null;
}

/** `focus=x,y` with both in [-1, 1], as Mastodon reads it; undefined when absent. */
export function parseFocus(value: unknown): { x: number; y: number } | null | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") return null;
  const parts = value.split(",").map((p) => Number(p.trim()));
  if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n) || n < -1 || n > 1)) return null;
  return { x: parts[0], y: parts[1] };
}

const optionalText = z.preprocess((v) => (v === null ? undefined : v), z.string({ error: "must be a string" }).optional());

/** Text parameters of `POST /api/v{1,2}/media` and `PUT /api/v1/media/:id` (the files are read apart). */
export const mediaParamsSchema = z.object({
  description: optionalText,
  focus: optionalText,
});

/** `media_attributes[]` of a status edit: alt text and focus of attachments the status keeps. */
export const mediaAttributesSchema = z
  .array(
    z.object({
      id: z.preprocess((v) => (typeof v === "number" ? String(v) : v), z.string().regex(/^\d{1,20}$/, "must be an id made of digits")),
      description: optionalText,
      focus: optionalText,
    }),
  )
  .max(16, "has too many entries");

export type MediaAttributes = z.output<typeof mediaAttributesSchema>;

/** What changes on an upload that is not yet attached (`PUT /api/v1/media/:id`), or on an attached one in an edit. */
export interface MediaChange {
  description?: string;
  focus?: { x: number; y: number };
  /** A new thumbnail, already stored (video and audio). */
  thumbnail?: { key: string; meta: MediaSize };
}
