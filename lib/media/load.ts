// The steps every image job starts with: recognise the bytes, refuse what is too large before
// decoding, decode, and learn which way is up.

import { detectMedia } from "./detect";
import { headerDimensions, type HeaderSize } from "./dimensions";
import { decodeImage } from "./decode";
import { readOrientation } from "./exif";
import { MEDIA_LIMITS } from "./limits";
import { coverCrop, viewOf, type PixelView } from "./pixels";
import { resize } from "./resize";
import { stripImageMetadata } from "./strip-image";
import { fail, ok, type MediaResult } from "./result";

export interface LoadedImage {
  mime: string;
  animated: boolean;
  /** Decoded pixels, seen upright (EXIF orientation applied by the view, not by copying). */
  upright: PixelView;
  orientation: number;
  /** The uploaded bytes minus metadata, or null when the format cannot be stripped losslessly. */
  stripped: Uint8Array | null;
  /** Size as displayed (after orientation). */
  width: number;
  height: number;
}

export async function loadImage(bytes: Uint8Array, matrixLimit: number = MEDIA_LIMITS.image_matrix_limit): Promise<MediaResult<LoadedImage>> {
  const detected = await detectMedia(bytes);
  if (!detected || detected.kind !== "image") return fail("Not a supported image: JPEG, PNG, GIF, WebP or AVIF are accepted");
  if (!detected.decodable) return fail(`${detected.mime} images cannot be processed here: upload JPEG, PNG, WebP or AVIF`);
  const size = headerDimensions(bytes, detected.mime);
  if (!size || size.width < 1 || size.height < 1) return fail("The image's dimensions cannot be read");
  if (size.animated) return fail("Animated WebP images are not supported: upload a GIF or a video");
  const { limit, kind } = decodeLimit(detected.mime, size, matrixLimit);
  if (size.width * size.height > limit) {
    return fail(`The ${kind} is ${size.width}×${size.height} pixels; at most ${limit.toLocaleString("en")} pixels are accepted`);
  }
  const stripped = stripImageMetadata(bytes, detected.mime);
  // libjpeg draws a truncated JPEG with a grey bottom and only warns; a JPEG must reach its end marker.
  if (!stripped && detected.mime === "image/jpeg") return fail("The JPEG is truncated or malformed");
  const stored = await decodeImage(bytes, detected.mime);
  if (stored.width * stored.height > matrixLimit) return fail("The image is larger than its header says");
  const orientation = readOrientation(bytes, detected.mime);
  const upright = viewOf(stored, orientation);
  return ok({ mime: detected.mime, animated: detected.animated, upright, stripped, orientation, width: upright.width, height: upright.height });
}

/** Decoders that need more memory a pixel than the rest get lower limits (limits.ts has the figures). */
function decodeLimit(mime: string, size: HeaderSize, matrixLimit: number): { limit: number; kind: string } {
  if (size.progressive) return { limit: Math.min(matrixLimit, MEDIA_LIMITS.progressive_jpeg_matrix_limit), kind: "progressive JPEG" };
  if (mime === "image/avif") return { limit: Math.min(matrixLimit, MEDIA_LIMITS.avif_matrix_limit), kind: "AVIF image" };
  return { limit: matrixLimit, kind: "image" };
}

/** Upright pixels at exactly outW×outH; `cover` crops the centre to the target's aspect first. */
export function uprightAt(image: LoadedImage, outW: number, outH: number, cover = false): PixelView {
  const source = image.upright;
  if (!cover && outW === source.width && outH === source.height) return source;
  const from = cover ? coverCrop(source.width, source.height, outW, outH) : undefined;
  return viewOf(resize(source, outW, outH, from));
}
