// Image width and height from the headers, read before decoding so an oversized image is
// refused before its pixels take memory.

import { ascii, u16be, u16le, u32be } from "./bytes";

export interface HeaderSize {
  width: number;
  height: number;
  /** A progressive JPEG: its decoder keeps every coefficient of the image besides the pixels. */
  progressive?: boolean;
  /** An animated WebP (VP8X animation flag): the WebP decoder reads still images only. */
  animated?: boolean;
}

export function headerDimensions(b: Uint8Array, mime: string): HeaderSize | null {
  switch (mime) {
    case "image/jpeg": return jpegSize(b);
    case "image/png": return b.length >= 24 ? { width: u32be(b, 16), height: u32be(b, 20) } : null;
    case "image/gif": return b.length >= 10 ? { width: u16le(b, 6), height: u16le(b, 8) } : null;
    case "image/webp": return webpSize(b);
    case "image/avif": return avifSize(b);
    default: return null;
  }
}

function jpegSize(b: Uint8Array): HeaderSize | null {
  let at = 2;
  while (at + 9 <= b.length) {
    if (b[at] !== 0xff) return null;
    const marker = b[at + 1];
    if (marker === 0xff) { at++; continue; }
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return { width: u16be(b, at + 7), height: u16be(b, at + 5), progressive: (marker & 0x03) === 0x02 };
    if (marker === 0xda || marker === 0xd9) return null;
    at += 2 + u16be(b, at + 2);
  }
  return null;
}

function webpSize(b: Uint8Array): HeaderSize | null {
  const chunk = ascii(b, 12, 4);
  if (chunk === "VP8X" && b.length >= 30) return { width: 1 + u24le(b, 24), height: 1 + u24le(b, 27), animated: (b[20] & 0x02) !== 0 };
  if (chunk === "VP8 " && b.length >= 30) return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  if (chunk === "VP8L" && b.length >= 25) {
    const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) };
  }
  return null;
}

function u24le(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);
}

/** The largest `ispe` (image spatial extent) property: the primary image, not a grid tile. */
function avifSize(b: Uint8Array): HeaderSize | null {
  let best: { width: number; height: number } | null = null;
  const end = Math.min(b.length - 16, 1 << 20);
  for (let at = 4; at < end; at++) {
    if (b[at] !== 0x69 || ascii(b, at, 4) !== "ispe") continue;
    const size = { width: u32be(b, at + 8), height: u32be(b, at + 12) };
    if (!best || size.width * size.height > best.width * best.height) best = size;
  }
  return best;
}
