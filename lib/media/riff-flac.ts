// WAV (RIFF WAVE: fmt and data chunks) and FLAC (STREAMINFO), and their tag blocks, which are
// blanked in place: renamed to the formats' own padding (JUNK, PADDING) with zeroed contents.

import { ascii, u16le, u32be, u32le } from "./bytes";
import type { ContainerInfo, ScrubReport } from "./container-info";

interface Chunk {
  id: string;
  body: number;
  length: number;
}

function* wavChunks(b: Uint8Array): Generator<Chunk> {
  let at = 12;
  while (at + 8 <= b.length) {
    const length = u32le(b, at + 4);
    yield { id: ascii(b, at, 4), body: at + 8, length: Math.min(length, b.length - at - 8) };
    at += 8 + length + (length & 1);
  }
}

export function readWavInfo(b: Uint8Array): ContainerInfo | null {
  let byteRate = 0;
  let dataBytes = -1;
  const info: ContainerInfo = { hasVideo: false, hasAudio: true };
  for (const c of wavChunks(b)) {
    if (c.id === "fmt " && c.length >= 16) {
      info.audioChannels = u16le(b, c.body + 2);
      info.audioSampleRate = u32le(b, c.body + 4);
      byteRate = u32le(b, c.body + 8);
    }
    if (c.id === "data") dataBytes = c.length;
  }
  if (!byteRate || dataBytes < 0) return null;
  info.duration = dataBytes / byteRate;
  info.bitrate = byteRate * 8;
  return info;
}

/** LIST (INFO tags), id3, bext (broadcast: originator, date), iXML and XMP chunks. */
const WAV_TAG_CHUNKS = new Set(["LIST", "id3 ", "ID3 ", "bext", "iXML", "_PMX", "cart"]);

export function scrubWav(b: Uint8Array): ScrubReport {
  const removed: string[] = [];
  for (const c of wavChunks(b)) {
    if (!WAV_TAG_CHUNKS.has(c.id)) continue;
    removed.push(c.id.trim());
    b.set([0x4a, 0x55, 0x4e, 0x4b], c.body - 8); // "JUNK"
    b.fill(0, c.body, c.body + c.length);
  }
  return { bytes: b, removed, left: [] };
}

interface FlacBlock {
  type: number;
  header: number;
  body: number;
  length: number;
}

function* flacBlocks(b: Uint8Array): Generator<FlacBlock> {
  let at = 4;
  while (at + 4 <= b.length) {
    const length = (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
    yield { type: b[at] & 0x7f, header: at, body: at + 4, length: Math.min(length, b.length - at - 4) };
    if (b[at] & 0x80) return; // last metadata block
    at += 4 + length;
  }
}

export function readFlacInfo(b: Uint8Array): ContainerInfo | null {
  const streamInfo = ascii(b, 0, 4) === "fLaC" ? flacBlocks(b).next().value : undefined;
  if (!streamInfo || streamInfo.type !== 0 || streamInfo.length < 18) return null;
  const at = streamInfo.body + 10;
  const sampleRate = (b[at] << 12) | (b[at + 1] << 4) | (b[at + 2] >> 4);
  const channels = ((b[at + 2] >> 1) & 7) + 1;
  const totalSamples = (b[at + 3] & 0x0f) * 2 ** 32 + u32be(b, at + 4);
  const info: ContainerInfo = { hasVideo: false, hasAudio: true, audioSampleRate: sampleRate, audioChannels: channels };
  if (sampleRate && totalSamples) info.duration = totalSamples / sampleRate;
  return info;
}

const FLAC_PADDING = 1;
const FLAC_TAG_BLOCKS: Record<number, string> = { 2: "APPLICATION", 4: "VORBIS_COMMENT", 6: "PICTURE" };

export function scrubFlac(b: Uint8Array): ScrubReport {
  const removed: string[] = [];
  for (const block of flacBlocks(b)) {
    const name = FLAC_TAG_BLOCKS[block.type];
    if (!name) continue;
    removed.push(name);
    b[block.header] = (b[block.header] & 0x80) | FLAC_PADDING;
    b.fill(0, block.body, block.body + block.length);
  }
  return { bytes: b, removed, left: [] };
}
