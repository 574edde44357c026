// GIF block walker: counts frames and rewrites the file without its metadata blocks.
// omggif (image.ts) decodes the pixels; this file only moves blocks, so it stays cheap on
// large animations.

import { ascii, u16le } from "./bytes";

const EXTENSION = 0x21;
const IMAGE = 0x2c;
const TRAILER = 0x3b;
const GRAPHIC_CONTROL = 0xf9;
const APPLICATION = 0xff;

export interface GifLayout {
  width: number;
  height: number;
  frames: number;
  /** [start, end) byte ranges worth keeping: header, palette, frames and their timing, looping. */
  kept: Array<[number, number]>;
}

/** Walks the block structure; null when the bytes are not a well-formed GIF up to its last frame. */
export function readGifLayout(b: Uint8Array): GifLayout | null {
  if (b.length < 13 || !/^GIF8[79]a$/.test(ascii(b, 0, 6))) return null;
  const width = u16le(b, 6);
  const height = u16le(b, 8);
  let at = 13 + paletteBytes(b[10]);
  const kept: Array<[number, number]> = [[0, at]];
  let frames = 0;
  while (at < b.length) {
    const block = b[at];
    if (block === TRAILER) break;
    if (block === IMAGE) {
      const end = skipImage(b, at);
      if (end < 0) return frames > 0 ? { width, height, frames, kept } : null;
      kept.push([at, end]);
      frames++;
      at = end;
    } else if (block === EXTENSION && at + 1 < b.length) {
      const end = skipSubBlocks(b, at + 2);
      if (end < 0) return frames > 0 ? { width, height, frames, kept } : null;
      if (isKeptExtension(b, at)) kept.push([at, end]);
      at = end;
    } else {
      return frames > 0 ? { width, height, frames, kept } : null;
    }
  }
  return { width, height, frames, kept };
}

/** The GIF minus comments, plain text and application blocks other than the looping one. */
export function stripGifMetadata(b: Uint8Array, layout: GifLayout): Uint8Array {
  const size = layout.kept.reduce((n, [s, e]) => n + (e - s), 0) + 1;
  const out = new Uint8Array(size);
  let at = 0;
  for (const [s, e] of layout.kept) {
    out.set(b.subarray(s, e), at);
    at += e - s;
  }
  out[at] = TRAILER;
  return out;
}

function paletteBytes(flags: number): number {
  return flags & 0x80 ? 3 * (1 << ((flags & 0x07) + 1)) : 0;
}

function skipImage(b: Uint8Array, at: number): number {
  if (at + 10 > b.length) return -1;
  const dataStart = at + 10 + paletteBytes(b[at + 9]) + 1; // +1: LZW minimum code size
  return dataStart > b.length ? -1 : skipSubBlocks(b, dataStart);
}

/** Index just past a run of sub-blocks ending with a zero-length one, or -1 if truncated. */
function skipSubBlocks(b: Uint8Array, at: number): number {
  while (at < b.length) {
    const length = b[at];
    at += 1 + length;
    if (length === 0) return at;
  }
  return -1;
}

function isKeptExtension(b: Uint8Array, at: number): boolean {
  const label = b[at + 1];
  if (label === GRAPHIC_CONTROL) return true;
  if (label !== APPLICATION || b[at + 2] !== 11) return false;
  const app = ascii(b, at + 3, 11);
  return app === "NETSCAPE2.0" || app === "ANIMEXTS1.0";
}
