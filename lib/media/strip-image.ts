// Lossless metadata removal for images that need no new pixels (upright, within the size
// limit). Each format is rebuilt from a whitelist of the blocks that carry pixels or how to
// draw them; everything else (EXIF with GPS, XMP, IPTC, comments, ICC profiles, maker notes,
// thumbnails, bytes after the end marker such as motion-photo videos) is left behind. Re-encoding
// would give the same guarantee at ~1 s of CPU and a generation of JPEG loss. null when the
// structure is anything but plain: the caller then re-encodes from pixels.

import { ascii, u16be, u32be, u32le } from "./bytes";
import { concatBytes } from "../bytes";
import { readGifLayout, stripGifMetadata } from "./gif";

export function stripImageMetadata(bytes: Uint8Array, mime: string): Uint8Array | null {
  if (mime === "image/jpeg") return stripJpeg(bytes);
  if (mime === "image/gif") return stripGif(bytes);
  if (mime === "image/png") return stripPng(bytes);
  if (mime === "image/webp") return stripWebp(bytes);
  return null;
}

const SOS = 0xda;
const EOI = 0xd9;
const ADOBE_APP14 = 0xee;

/** JPEG markers kept: tables, frame header, restart interval, scans. */
function keepsJpegMarker(marker: number, b: Uint8Array, at: number): boolean {
  if (marker === 0xdb || marker === 0xc4 || marker === 0xcc || marker === 0xdd) return true;
  if (marker >= 0xc0 && marker <= 0xcf) return true; // SOFn (C4, C8, CC handled above or never standalone)
  // Adobe's APP14 says whether three channels are YCbCr or RGB: 12 bytes of flags, no text.
  return marker === ADOBE_APP14 && u16be(b, at + 2) === 14 && ascii(b, at + 4, 5) === "Adobe";
}

function stripJpeg(b: Uint8Array): Uint8Array | null {
  if (b[0] !== 0xff || b[1] !== 0xd8) return null;
  const parts: Uint8Array[] = [b.subarray(0, 2)];
  let at = 2;
  let frames = 0;
  while (at + 2 <= b.length) {
    if (b[at] !== 0xff) return null;
    const marker = b[at + 1];
    if (marker === 0xff) { at++; continue; } // fill byte
    if (marker === EOI) return frames === 1 ? concatBytes(...parts, b.subarray(at, at + 2)) : null;
    if (at + 4 > b.length) return null;
    const end = at + 2 + u16be(b, at + 2);
    if (end > b.length) return null;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) frames++;
    if (marker === SOS) {
      const dataEnd = endOfEntropyData(b, end);
      if (dataEnd < 0) return null;
      parts.push(b.subarray(at, dataEnd));
      at = dataEnd;
      continue;
    }
    if (keepsJpegMarker(marker, b, at)) parts.push(b.subarray(at, end));
    at = end;
  }
  return null; // no EOI: truncated
}

/** Entropy-coded data runs until a marker other than a stuffed 0xFF00 or a restart RSTn. */
function endOfEntropyData(b: Uint8Array, at: number): number {
  for (let i = at; i + 1 < b.length; i++) {
    if (b[i] !== 0xff) continue;
    const next = b[i + 1];
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) continue;
    return i;
  }
  return -1;
}

const PNG_KEPT = new Set(["IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "sBIT", "bKGD", "pHYs", "acTL", "fcTL", "fdAT"]);

function stripPng(b: Uint8Array): Uint8Array | null {
  const parts: Uint8Array[] = [b.subarray(0, 8)];
  let at = 8;
  while (at + 12 <= b.length) {
    const end = at + 12 + u32be(b, at);
    if (end > b.length) return null;
    const type = ascii(b, at + 4, 4);
    if (PNG_KEPT.has(type)) parts.push(b.subarray(at, end));
    if (type === "IEND") return concatBytes(...parts);
    at = end;
  }
  return null;
}

const WEBP_KEPT = new Set(["VP8 ", "VP8L", "VP8X", "ALPH", "ANIM", "ANMF"]);
const VP8X_ICC = 0x20;
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

function stripWebp(b: Uint8Array): Uint8Array | null {
  const parts: Uint8Array[] = [];
  let at = 12;
  while (at + 8 <= b.length) {
    const length = u32le(b, at + 4);
    const end = at + 8 + length + (length & 1);
    if (at + 8 + length > b.length) return null;
    const type = ascii(b, at, 4);
    if (WEBP_KEPT.has(type)) {
      const chunk = b.slice(at, Math.min(end, b.length));
      if (type === "VP8X") chunk[8] &= ~(VP8X_ICC | VP8X_EXIF | VP8X_XMP);
      parts.push(chunk);
    }
    at = end;
  }
  const body = concatBytes(...parts);
  const out = new Uint8Array(12 + body.length);
  out.set(b.subarray(0, 12));
  new DataView(out.buffer).setUint32(4, 4 + body.length, true);
  out.set(body, 12);
  return parts.length ? out : null;
}

function stripGif(b: Uint8Array): Uint8Array | null {
  const layout = readGifLayout(b);
  return layout ? stripGifMetadata(b, layout) : null;
}
