import type { DetectedMedia, ImageVariant } from "../../lib/media";
import { MEDIA_LIMITS } from "../../lib/media/limits";
import { headerDimensions } from "../../lib/media/dimensions";

/** The codecs load on the first upload, not with every request's Worker start (they are large). */
const media = () => import("../../lib/media");
import type { MediaMeta, MediaSize, MediaType } from "../../schemas/media";
import { fileKey, newMediaFolder } from "./files";

/**
 * From uploaded bytes to stored files: the type read from the bytes, images re-encoded without
 * metadata (lib/media), video and audio stored as uploaded minus their tags, everything put in
 * the MEDIA bucket under fresh unguessable keys. Runs in the Worker for uploads answered at once
 * and in the uploader's object for those processed later; it knows no account or status.
 */

export type Stored<T> = { ok: true; value: T } | { ok: false; error: string };

/** What an upload became: the files and what the API reports about them. */
export interface StoredMedia {
  type: MediaType;
  key: string;
  preview_key: string | null;
  meta: MediaMeta;
  blurhash: string | null;
}

export interface StoredProfileImage {
  key: string;
  static_key: string;
}

const MB = 1024 * 1024;
/** Images up to this many bytes are processed while the v2 upload waits; larger ones afterwards (202). */
export const SYNC_IMAGE_BYTES = 4 * MB;

const refuse = (error: string): Stored<never> => ({ ok: false, error });
const TYPE_ERROR = "Validation failed: File content type is invalid";

/** Reads what an upload is and checks it against the limits, before any decoding. */
export async function inspectUpload(bytes: Uint8Array): Promise<Stored<DetectedMedia>> {
  if (bytes.length === 0) return refuse("Validation failed: File is empty");
  const detected = await (await media()).detectMedia(bytes);
  if (!detected || !detected.decodable) return refuse(TYPE_ERROR);
  const limit = detected.kind === "image" ? MEDIA_LIMITS.image_size_limit : MEDIA_LIMITS.video_size_limit;
  if (bytes.length > limit) return refuse(`Validation failed: File file size must be less than ${Math.round(limit / MB)} MB`);
  if (detected.kind === "image") {
    const size = headerDimensions(bytes, detected.mime);
    if (size && size.width * size.height > MEDIA_LIMITS.image_matrix_limit) {
      return refuse(`Validation failed: File dimensions are too large (at most ${MEDIA_LIMITS.image_matrix_limit.toLocaleString("en")} pixels)`);
    }
  }
  return { ok: true, value: detected };
}

/** Whether the upload takes long enough to answer 202 and finish in the background. */
export function processesLater(detected: DetectedMedia, bytes: Uint8Array): boolean {
  return detected.kind === "image" && bytes.length > SYNC_IMAGE_BYTES;
}

/** Processes and stores an upload of any accepted kind (inspected first). */
export async function storeUpload(bucket: R2Bucket, bytes: Uint8Array, detected: DetectedMedia): Promise<Stored<StoredMedia>> {
  return detected.kind === "image" ? storeImage(bucket, bytes) : storeAudioVideo(bucket, bytes, detected);
}

async function storeImage(bucket: R2Bucket, bytes: Uint8Array): Promise<Stored<StoredMedia>> {
  const processed = await (await media()).processImage(bytes);
  if (!processed.ok) return refuse(`Validation failed: ${processed.error}`);
  const { original, small, blurhash } = processed.value;
  const folder = newMediaFolder("media");
  const key = fileKey(folder, "original", original.mime);
  const previewKey = fileKey(folder, "small", small.mime);
  await Promise.all([putFile(bucket, key, original.bytes, original.mime), putFile(bucket, previewKey, small.bytes, small.mime)]);
  return {
    ok: true,
    value: { type: "image", key, preview_key: previewKey, meta: { original: sizeOf(original), small: sizeOf(small) }, blurhash },
  };
}

async function storeAudioVideo(bucket: R2Bucket, bytes: Uint8Array, detected: DetectedMedia): Promise<Stored<StoredMedia>> {
  const { readContainerInfo, scrubContainerMetadata } = await media();
  const info = readContainerInfo(bytes, detected.mime);
  if (!info.ok) return refuse(`Validation failed: ${info.error}`);
  // Video with no picture track (an .mp4 holding only sound) is audio, as Mastodon says.
  const type: MediaType = detected.kind === "video" && info.value.hasVideo ? "video" : "audio";
  const scrubbed = scrubContainerMetadata(bytes.slice(), detected.mime).bytes;
  const key = fileKey(newMediaFolder("media"), "original", detected.mime);
  await putFile(bucket, key, scrubbed, detected.mime);
  const { duration, width, height, fps, bitrate } = info.value;
  const original: MediaSize = {
    ...(width && height ? { width, height, aspect: width / height, size: `${width}x${height}` } : {}),
    ...(duration !== undefined ? { duration } : {}),
    ...(fps ? { frame_rate: `${Math.round(fps * 1000)}/1000` } : {}),
    ...(bitrate ? { bitrate } : {}),
  };
  const meta: MediaMeta = {
    original,
    ...(duration !== undefined ? { length: clock(duration), duration } : {}),
    ...(fps ? { fps: Math.round(fps) } : {}),
    ...(width && height ? { width, height, size: `${width}x${height}`, aspect: width / height } : {}),
  };
  return { ok: true, value: { type, key, preview_key: null, meta, blurhash: null } };
}

/** A video's or audio's uploaded thumbnail: an image, stored as a preview. */
export async function storeThumbnail(bucket: R2Bucket, bytes: Uint8Array): Promise<Stored<{ key: string; meta: MediaSize; blurhash: string }>> {
  const inspected = await inspectUpload(bytes);
  if (!inspected.ok) return inspected;
  if (inspected.value.kind !== "image") return refuse("Validation failed: Thumbnail content type is invalid");
  const processed = await (await media()).processImage(bytes);
  if (!processed.ok) return refuse(`Validation failed: ${processed.error}`);
  const { small, blurhash } = processed.value;
  const key = fileKey(newMediaFolder("media"), "small", small.mime);
  await putFile(bucket, key, small.bytes, small.mime);
  return { ok: true, value: { key, meta: sizeOf(small), blurhash } };
}

/** An avatar (400×400) or header (1500×500), with its static rendition. */
export async function storeProfileImage(bucket: R2Bucket, bytes: Uint8Array, kind: "avatar" | "header"): Promise<Stored<StoredProfileImage>> {
  const inspected = await inspectUpload(bytes);
  if (!inspected.ok) return inspected;
  if (inspected.value.kind !== "image") return refuse(`Validation failed: ${kind === "avatar" ? "Avatar" : "Header"} content type is invalid`);
  const processed = await (await media()).processProfileImage(bytes, kind);
  if (!processed.ok) return refuse(`Validation failed: ${processed.error}`);
  const folder = newMediaFolder(kind === "avatar" ? "avatars" : "headers");
  const image = processed.value.image;
  const still = processed.value.static;
  const key = fileKey(folder, "original", image.mime);
  const staticKey = processed.value.animated ? fileKey(folder, "static", still.mime) : key;
  await putFile(bucket, key, image.bytes, image.mime);
  if (staticKey !== key) await putFile(bucket, staticKey, still.bytes, still.mime);
  return { ok: true, value: { key, static_key: staticKey } };
}

/** Keeps an upload's bytes until its processing job runs (uploads answered with 202). */
export async function storePending(bucket: R2Bucket, bytes: Uint8Array): Promise<string> {
  const key = `${newMediaFolder("pending")}/upload`;
  await bucket.put(key, bytes);
  return key;
}

export async function readPending(bucket: R2Bucket, key: string): Promise<Uint8Array | null> {
  const object = await bucket.get(key);
  return object ? new Uint8Array(await object.arrayBuffer()) : null;
}

/** Deletes files; missing ones are fine (a retried purge). */
export async function deleteFiles(bucket: R2Bucket, keys: (string | null | undefined)[]): Promise<void> {
  const present = [...new Set(keys.filter((k): k is string => typeof k === "string" && k !== ""))];
  for (let i = 0; i < present.length; i += 1000) await bucket.delete(present.slice(i, i + 1000));
}

function putFile(bucket: R2Bucket, key: string, bytes: Uint8Array, mime: string): Promise<R2Object> {
  return bucket.put(key, bytes, { httpMetadata: { contentType: mime, cacheControl: "public, max-age=31536000, immutable" } });
}

function sizeOf(v: ImageVariant): MediaSize {
  return { width: v.width, height: v.height, size: `${v.width}x${v.height}`, aspect: v.aspect };
}

/** 83.5 → "0:01:23.50", Mastodon's `meta.length`. */
function clock(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = (seconds % 60).toFixed(2).padStart(5, "0");
  return `${h}:${String(m).padStart(2, "0")}:${s}`;
}
