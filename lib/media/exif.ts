// Reads the one EXIF field we act on, Orientation (tag 0x0112 in IFD0), from the places
// JPEG, PNG and WebP keep EXIF. A dozen lines of TIFF walking instead of a general EXIF library,
// since nothing else in EXIF is kept.

import { ascii, u16be, u16le, u32be, u32le } from "./bytes";

const ORIENTATION_TAG = 0x0112;

/** EXIF orientation 1..8; 1 (upright) when absent or unreadable. */
export function readOrientation(bytes: Uint8Array, mime: string): number {
  const tiff = findExifTiff(bytes, mime);
  const value = tiff ? orientationFromTiff(tiff) : 1;
  return value >= 1 && value <= 8 ? value : 1;
}

function findExifTiff(b: Uint8Array, mime: string): Uint8Array | null {
  if (mime === "image/jpeg") return jpegExif(b);
  if (mime === "image/png") return pngExif(b);
  if (mime === "image/webp") return webpExif(b);
  return null;
}

function jpegExif(b: Uint8Array): Uint8Array | null {
  let at = 2;
  while (at + 4 <= b.length && b[at] === 0xff) {
    const marker = b[at + 1];
    if (marker === 0xda || marker === 0xd9) return null; // image data starts: no EXIF before it
    const length = u16be(b, at + 2);
    if (marker === 0xe1 && ascii(b, at + 4, 6) === "Exif\0\0") return b.subarray(at + 10, at + 2 + length);
    at += 2 + length;
  }
  return null;
}

function pngExif(b: Uint8Array): Uint8Array | null {
  let at = 8;
  while (at + 8 <= b.length) {
    const length = u32be(b, at);
    const type = ascii(b, at + 4, 4);
    if (type === "eXIf") return b.subarray(at + 8, at + 8 + length);
    if (type === "IDAT" || type === "IEND") return null;
    at += 12 + length;
  }
  return null;
}

function webpExif(b: Uint8Array): Uint8Array | null {
  let at = 12;
  while (at + 8 <= b.length) {
    const length = u32le(b, at + 4);
    if (ascii(b, at, 4) === "EXIF") {
      const body = b.subarray(at + 8, at + 8 + length);
      return ascii(body, 0, 6) === "Exif\0\0" ? body.subarray(6) : body;
    }
    at += 8 + length + (length & 1);
  }
  return null;
}

function orientationFromTiff(t: Uint8Array): number {
  if (t.length < 8) return 1;
  const little = ascii(t, 0, 2) === "II";
  if (!little && ascii(t, 0, 2) !== "MM") return 1;
  const u16 = (at: number) => (little ? u16le(t, at) : u16be(t, at));
  const u32 = (at: number) => (little ? u32le(t, at) : u32be(t, at));
  const ifd = u32(4);
  if (ifd + 2 > t.length) return 1;
  const entries = u16(ifd);
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > t.length) return 1;
    if (u16(entry) === ORIENTATION_TAG) return u16(entry + 8);
  }
  return 1;
}
