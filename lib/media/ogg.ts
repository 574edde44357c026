// Ogg (Vorbis, Opus, Theora): the first page's codec header gives the rate (and Theora's
// picture size and frame rate); the last page of that stream gives the granule position,
// which is the duration in samples (or frames, for Theora).

import { ascii, u16le, u32be, u32le, u64le } from "./bytes";
import type { ContainerInfo } from "./container-info";

interface Page {
  at: number;
  granule: number;
  serial: number;
  /** Start of the first packet's data. */
  body: number;
}

function pageAt(b: Uint8Array, at: number): Page | null {
  if (ascii(b, at, 4) !== "OggS" || at + 27 > b.length) return null;
  const segments = b[at + 26];
  return { at, granule: u64le(b, at + 6), serial: u32le(b, at + 14), body: at + 27 + segments };
}

/** The last page of `serial` with a set granule position, searching back from the end. */
function lastPage(b: Uint8Array, serial: number): Page | null {
  for (let at = b.length - 27; at >= 0; at--) {
    if (b[at] !== 0x4f) continue; // "O"
    const page = pageAt(b, at);
    if (page && page.serial === serial && page.granule !== 2 ** 64 - 1 && u32le(b, at + 6) !== 0xffffffff) return page;
  }
  return null;
}

export function readOggInfo(b: Uint8Array): ContainerInfo | null {
  const first = pageAt(b, 0);
  if (!first) return null;
  const codec = codecOf(b, first.body);
  if (!codec) return null;
  const last = lastPage(b, first.serial);
  const info: ContainerInfo = { hasVideo: codec.video, hasAudio: !codec.video, ...codec.fields };
  if (last && codec.rate > 0) info.duration = Math.max(0, codec.units(last.granule) - codec.skip) / codec.rate;
  return info;
}

interface Codec {
  video: boolean;
  /** Granule units per second. */
  rate: number;
  /** Units to subtract (Opus pre-skip). */
  skip: number;
  units: (granule: number) => number;
  fields: Partial<ContainerInfo>;
}

function codecOf(b: Uint8Array, at: number): Codec | null {
  const plain = (g: number) => g;
  if (ascii(b, at, 7) === "\x01vorbis") {
    const rate = u32le(b, at + 12);
    return { video: false, rate, skip: 0, units: plain, fields: { audioSampleRate: rate, audioChannels: b[at + 11] } };
  }
  if (ascii(b, at, 8) === "OpusHead") {
    // Opus granules always count 48 kHz samples; the header's rate is only the input's.
    return { video: false, rate: 48000, skip: u16le(b, at + 10), units: plain, fields: { audioSampleRate: 48000, audioChannels: b[at + 9] } };
  }
  if (ascii(b, at, 7) === "\x80theora") return theora(b, at);
  return null;
}

function theora(b: Uint8Array, at: number): Codec | null {
  const width = (b[at + 14] << 16) | (b[at + 15] << 8) | b[at + 16];
  const height = (b[at + 17] << 16) | (b[at + 18] << 8) | b[at + 19];
  const fpsNum = u32be(b, at + 22);
  const fpsDen = u32be(b, at + 26);
  const shift = ((b[at + 40] & 3) << 3) | (b[at + 41] >> 5);
  if (!fpsNum || !fpsDen) return null;
  const fps = fpsNum / fpsDen;
  // A Theora granule is (keyframe number << shift) + frames since that keyframe.
  const units = (g: number) => Math.floor(g / 2 ** shift) + (g % 2 ** shift);
  return { video: true, rate: fps, skip: 0, units, fields: { width, height, fps: Math.round(fps * 100) / 100 } };
}
