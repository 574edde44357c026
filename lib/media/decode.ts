// Bytes of a detected image type → RGBA pixels, stored orientation (EXIF not applied yet).

import { GifReader } from "omggif";
import { toArrayBuffer } from "./bytes";
import { decodeAvif, decodeJpeg, decodePng, decodeWebp } from "./codecs";
import type { Pixels } from "./pixels";

export async function decodeImage(bytes: Uint8Array, mime: string): Promise<Pixels> {
  switch (mime) {
    case "image/jpeg": return decodeJpeg(toArrayBuffer(bytes));
    case "image/png": return decodePng(bytes);
    case "image/webp": return decodeWebp(toArrayBuffer(bytes));
    case "image/avif": return decodeAvif(toArrayBuffer(bytes));
    case "image/gif": return decodeGifFirstFrame(bytes);
    default: throw new Error(`no decoder for ${mime}`);
  }
}

/** The first frame drawn on the GIF's canvas (areas it does not cover stay transparent). */
function decodeGifFirstFrame(bytes: Uint8Array): Pixels {
  const reader = new GifReader(bytes);
  const data = new Uint8ClampedArray(reader.width * reader.height * 4);
  reader.decodeAndBlitFrameRGBA(0, data);
  return { data, width: reader.width, height: reader.height };
}
