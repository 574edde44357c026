// ISO base media files (MP4, MOV, M4A): a box walker that reads moov/mvhd, each trak's tkhd,
// mdhd, hdlr, stts and stsd, and blanks the boxes that hold tags and location.

import { ascii, u16be, u32be, u64be } from "./bytes";
import type { ContainerInfo, ScrubReport } from "./container-info";

interface Box {
  type: string;
  /** Start of the box header. */
  start: number;
  /** Start of the payload (after size, type, and a 64-bit size if any). */
  body: number;
  end: number;
}

/** The boxes directly inside [from, to); stops at the first malformed size. */
function boxesIn(b: Uint8Array, from: number, to: number): Box[] {
  const boxes: Box[] = [];
  let at = from;
  while (at + 8 <= to) {
    let size = u32be(b, at);
    let body = at + 8;
    if (size === 1) {
      if (at + 16 > to) break;
      size = u64be(b, at + 8);
      body = at + 16;
    } else if (size === 0) {
      size = to - at; // extends to the end
    }
    if (size < body - at || at + size > to) break;
    boxes.push({ type: ascii(b, at + 4, 4), start: at, body, end: at + size });
    at += size;
  }
  return boxes;
}

function child(b: Uint8Array, parent: Box, type: string): Box | undefined {
  return boxesIn(b, parent.body, parent.end).find((x) => x.type === type);
}

function path(b: Uint8Array, from: Box, types: string[]): Box | undefined {
  let at: Box | undefined = from;
  for (const type of types) at = at && child(b, at, type);
  return at;
}

/** Timescale and duration of an mvhd or mdhd box (same layout up to there). */
function timing(b: Uint8Array, box: Box): { timescale: number; duration: number } {
  const v1 = b[box.body] === 1;
  const at = box.body + 4 + (v1 ? 16 : 8);
  return { timescale: u32be(b, at), duration: v1 ? u64be(b, at + 4) : u32be(b, at + 4) };
}

export function readBmffInfo(b: Uint8Array): ContainerInfo | null {
  const top = boxesIn(b, 0, b.length);
  const moov = top.find((x) => x.type === "moov");
  if (!moov) return null;
  const info: ContainerInfo = { hasVideo: false, hasAudio: false };
  const mvhd = child(b, moov, "mvhd");
  if (mvhd) {
    const t = timing(b, mvhd);
    if (t.timescale > 0 && t.duration > 0) info.duration = t.duration / t.timescale;
  }
  for (const trak of boxesIn(b, moov.body, moov.end).filter((x) => x.type === "trak")) readTrack(b, trak, info);
  return info;
}

function readTrack(b: Uint8Array, trak: Box, info: ContainerInfo): void {
  const mdia = child(b, trak, "mdia");
  const hdlr = mdia && child(b, mdia, "hdlr");
  const handler = hdlr ? ascii(b, hdlr.body + 8, 4) : "";
  const stbl = mdia && path(b, mdia, ["minf", "stbl"]);
  if (handler === "vide" && !info.hasVideo) {
    info.hasVideo = true;
    Object.assign(info, displaySize(b, trak));
    const mdhd = mdia && child(b, mdia, "mdhd");
    const stts = stbl && child(b, stbl, "stts");
    if (mdhd && stts) info.fps = frameRate(b, timing(b, mdhd), stts);
  } else if (handler === "soun" && !info.hasAudio) {
    info.hasAudio = true;
    const stsd = stbl && child(b, stbl, "stsd");
    const entry = stsd && stsd.body + 16; // full box header 4, entry count 4, entry size 4 + format 4
    if (entry && entry + 28 <= stsd.end) {
      // MP4 fixes the sample entry's channel count at 2; AAC's own config (in esds) has the real one.
      info.audioChannels = aacChannels(b, entry + 28, stsd.end) ?? u16be(b, entry + 16);
      info.audioSampleRate = u16be(b, entry + 24); // 16.16 fixed point: the integer half
    }
  }
}

/** Channel configuration from the AudioSpecificConfig in an esds box among [from, to). */
function aacChannels(b: Uint8Array, from: number, to: number): number | undefined {
  const esds = boxesIn(b, from, to).find((x) => x.type === "esds");
  if (!esds) return undefined;
  let at = esds.body + 4;
  while (at < esds.end) {
    const tag = b[at++];
    let size = 0;
    for (let i = 0; i < 4; i++) {
      const byte = b[at++];
      size = (size << 7) | (byte & 0x7f);
      if (!(byte & 0x80)) break;
    }
    if (tag === 0x03) at = afterEsHeader(b, at);
    else if (tag === 0x04) at += 13;
    else if (tag === 0x05) return (b[at + 1] >> 3) & 0x0f || undefined;
    else at += size;
  }
  return undefined;
}

/** ES_Descriptor: ES_ID, flags, then optional dependency id, URL and OCR id before its children. */
function afterEsHeader(b: Uint8Array, at: number): number {
  const flags = b[at + 2];
  at += 3;
  if (flags & 0x80) at += 2;
  if (flags & 0x40) at += 1 + b[at];
  if (flags & 0x20) at += 2;
  return at;
}

/** tkhd width/height (16.16), swapped when the matrix turns the picture a quarter (phone portrait video). */
function displaySize(b: Uint8Array, trak: Box): { width?: number; height?: number } {
  const tkhd = child(b, trak, "tkhd");
  if (!tkhd) return {};
  const v1 = b[tkhd.body] === 1;
  const matrix = tkhd.body + (v1 ? 52 : 40);
  if (matrix + 44 > tkhd.end) return {};
  const width = u32be(b, matrix + 36) >>> 16;
  const height = u32be(b, matrix + 40) >>> 16;
  const quarterTurn = u32be(b, matrix) === 0 && u32be(b, matrix + 4) !== 0;
  return quarterTurn ? { width: height, height: width } : { width, height };
}

/** Samples over media duration, from the time-to-sample table. */
function frameRate(b: Uint8Array, t: { timescale: number; duration: number }, stts: Box): number | undefined {
  const entries = u32be(b, stts.body + 4);
  let samples = 0;
  let ticks = 0;
  for (let i = 0; i < entries; i++) {
    const at = stts.body + 8 + i * 8;
    if (at + 8 > stts.end) break;
    samples += u32be(b, at);
    ticks += u32be(b, at) * u32be(b, at + 4);
  }
  const duration = ticks || t.duration;
  return duration > 0 && t.timescale > 0 ? Math.round((samples * t.timescale * 100) / duration) / 100 : undefined;
}

/** Boxes that hold tags, titles, location (©xyz, loci, Apple's mdta keys) and XMP. */
const TAG_BOXES = new Set(["udta", "meta", "uuid", "XMP_"]);

/**
 * Turns every tag box at the top level, in moov and in each trak into a `free` box of the same
 * size with zeroed contents, IN PLACE. Sizes and offsets stay as they were, so chunk offsets
 * (stco/co64) remain valid without rewriting the file.
 */
export function scrubBmff(b: Uint8Array): ScrubReport {
  const removed: string[] = [];
  const blank = (box: Box, where: string) => {
    removed.push(`${where}${box.type}`);
    b.fill(0, box.body, box.end);
    b.set([0x66, 0x72, 0x65, 0x65], box.start + 4); // "free"
  };
  for (const box of boxesIn(b, 0, b.length)) {
    if (TAG_BOXES.has(box.type)) blank(box, "");
    if (box.type !== "moov") continue;
    for (const inner of boxesIn(b, box.body, box.end)) {
      if (TAG_BOXES.has(inner.type)) blank(inner, "moov/");
      if (inner.type !== "trak") continue;
      for (const t of boxesIn(b, inner.body, inner.end)) if (TAG_BOXES.has(t.type)) blank(t, "moov/trak/");
    }
  }
  return { bytes: b, removed, left: [] };
}
