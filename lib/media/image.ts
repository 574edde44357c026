// Images attached to posts: the stored original (metadata-free, upright, within the pixel
// limit), a `small` preview within 640×640 and a BlurHash, as Mastodon's media attachments.
//
// Animated GIF decision: Mastodon turns animated GIFs into silent MP4 (`gifv`) with ffmpeg, and
// apps play a `gifv` URL with a video player, which cannot play a GIF. No H.264/VP9 encoder runs
// in a Worker within its CPU and memory budget, so an animated GIF stays a GIF: stored as uploaded
// minus its comment, plain-text and application blocks (NETSCAPE looping kept), with
// `animated: true`, to be served as type `image` (apps load `image` URLs with image loaders that
// animate GIFs; GoToSocial also serves GIFs as `image`, which Tusky shows animated), and a
// static first-frame `small` preview.

import { blurhashOf } from "./blurhash";
import { MEDIA_LIMITS } from "./limits";
import { loadImage, uprightAt, type LoadedImage } from "./load";
import { fitArea, fitBox } from "./pixels";
import { fail, guarded, ok, type MediaResult } from "./result";
import { oneAtATime } from "./serial";
import { encodeVariant, outputMimeFor, previewMimeFor, variantOf, type ImageVariant } from "./variant";

export type { ImageVariant } from "./variant";

export interface ProcessedImage {
  original: ImageVariant;
  small: ImageVariant;
  blurhash: string;
  /** An animated GIF kept as GIF (see the decision above). */
  animated: boolean;
}

export interface ImageOptions {
  /** Largest upload in bytes. */
  maxBytes?: number;
  /** Largest original kept, in pixels; larger ones are scaled down. */
  maxPixels?: number;
  /** Largest image accepted at all, in pixels. */
  matrixLimit?: number;
  /** The preview fits in this square. */
  smallBox?: number;
}

export function processImage(bytes: Uint8Array, options: ImageOptions = {}): Promise<MediaResult<ProcessedImage>> {
  return oneAtATime(() => guarded("The image could not be processed", () => processNow(bytes, options)));
}

async function processNow(bytes: Uint8Array, options: ImageOptions): Promise<MediaResult<ProcessedImage>> {
  const maxBytes = options.maxBytes ?? MEDIA_LIMITS.image_size_limit;
  if (bytes.length > maxBytes) return fail(`The image is larger than ${maxBytes.toLocaleString("en")} bytes`);
  const loaded = await loadImage(bytes, options.matrixLimit);
  if (!loaded.ok) return loaded;
  const image = loaded.value;
  const box = options.smallBox ?? MEDIA_LIMITS.small_preview_box;
  const previewSize = fitBox(image.width, image.height, box, box);
  const preview = uprightAt(image, previewSize.width, previewSize.height);
  const small = await encodeVariant(preview, previewMimeFor(preview));
  const original = await originalOf(image, options.maxPixels ?? MEDIA_LIMITS.image_output_pixel_limit);
  const animated = image.animated && original.mime === "image/gif"; // a GIF too large to keep became a still
  return ok({ original, small, blurhash: blurhashOf(preview), animated });
}

/** Kept byte for byte minus metadata when nothing about the pixels must change; otherwise encoded anew. */
async function originalOf(image: LoadedImage, maxPixels: number): Promise<ImageVariant> {
  const target = fitArea(image.width, image.height, maxPixels);
  const unchanged = image.orientation === 1 && target.width === image.width && target.height === image.height;
  if (unchanged && image.stripped) return variantOf(image.stripped, image.mime, image.width, image.height);
  const pixels = uprightAt(image, target.width, target.height);
  return encodeVariant(pixels, outputMimeFor(image.mime, pixels));
}
