// One stored rendition of an image: encoded bytes and what the API reports about them.

import { encodeJpeg, encodePng } from "./codecs";
import { hasAlpha, materialize, type PixelView } from "./pixels";

export interface ImageVariant {
  bytes: Uint8Array;
  mime: string;
  width: number;
  height: number;
  /** Bytes. */
  size: number;
  /** width / height, as Mastodon's meta.aspect. */
  aspect: number;
}

export function variantOf(bytes: Uint8Array, mime: string, width: number, height: number): ImageVariant {
  return { bytes, mime, width, height, size: bytes.length, aspect: width / height };
}

/**
 * Output format when pixels must be encoded anew:
 * JPEG stays JPEG; PNG stays PNG (screenshots and drawings keep their sharp edges); GIF (static
 * frame) becomes PNG for the same reason; WebP and AVIF become JPEG, or PNG when they have
 * transparency (Mastodon also turns AVIF/HEIC into JPEG; we ship no WebP or AVIF encoder).
 */
export function outputMimeFor(inputMime: string, pixels: PixelView): "image/jpeg" | "image/png" {
  if (inputMime === "image/jpeg") return "image/jpeg";
  if (inputMime === "image/png" || inputMime === "image/gif") return "image/png";
  return hasAlpha(pixels) ? "image/png" : "image/jpeg";
}

/** Previews are JPEG unless transparency must survive. */
export function previewMimeFor(pixels: PixelView): "image/jpeg" | "image/png" {
  return hasAlpha(pixels) ? "image/png" : "image/jpeg";
}

export async function encodeVariant(pixels: PixelView, mime: "image/jpeg" | "image/png"): Promise<ImageVariant> {
  // The JPEG encoder reads a turned view in place; the PNG encoder needs rows in order.
  const bytes = mime === "image/jpeg" ? await encodeJpeg(pixels) : await encodePng(materialize(pixels));
  return variantOf(bytes, mime, pixels.width, pixels.height);
}
