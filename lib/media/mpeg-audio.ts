// MP3 and raw AAC (ADTS). MP3: the first frame header gives bitrate and sample rate; a Xing/Info
// or VBRI header in that frame gives the frame count of a VBR file, otherwise the duration is
// estimated from the size at the first frame's bitrate. ID3v2 (front), APEv2 and ID3v1 (back)
// tags are cut off: they hold titles, comments and cover art.

import { ascii, u32be } from "./bytes";
import type { ContainerInfo, ScrubReport } from "./container-info";

const BITRATES_KBPS = {
  v1l1: [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  v1l2: [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  v1l3: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2l1: [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  v2l23: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const SAMPLE_RATES = [44100, 48000, 32000];

interface FrameHeader {
  at: number;
  mpeg1: boolean;
  layer: 1 | 2 | 3;
  bitrate: number;
  sampleRate: number;
  channels: number;
  samplesPerFrame: number;
  length: number;
}

function frameHeader(b: Uint8Array, at: number): FrameHeader | null {
  if (at + 4 > b.length || b[at] !== 0xff || (b[at + 1] & 0xe0) !== 0xe0) return null;
  const version = (b[at + 1] >> 3) & 3; // 0: 2.5, 2: 2, 3: 1
  const layer = 4 - ((b[at + 1] >> 1) & 3);
  const bitrateIndex = b[at + 2] >> 4;
  const rateIndex = (b[at + 2] >> 2) & 3;
  if (version === 1 || layer === 4 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return null;
  const mpeg1 = version === 3;
  const table = mpeg1 ? [BITRATES_KBPS.v1l1, BITRATES_KBPS.v1l2, BITRATES_KBPS.v1l3][layer - 1] : layer === 1 ? BITRATES_KBPS.v2l1 : BITRATES_KBPS.v2l23;
  const bitrate = table[bitrateIndex] * 1000;
  const sampleRate = SAMPLE_RATES[rateIndex] / (version === 3 ? 1 : version === 2 ? 2 : 4);
  const samplesPerFrame = layer === 1 ? 384 : layer === 3 && !mpeg1 ? 576 : 1152;
  const padding = (b[at + 2] >> 1) & 1;
  const length = layer === 1 ? (Math.floor((12 * bitrate) / sampleRate) + padding) * 4 : Math.floor((samplesPerFrame / 8) * bitrate / sampleRate) + padding;
  const channels = b[at + 3] >> 6 === 3 ? 1 : 2;
  return { at, mpeg1, layer: layer as 1 | 2 | 3, bitrate, sampleRate, channels, samplesPerFrame, length };
}

/** Size of an ID3v2 tag at the start (0 if none). */
function id3v2Length(b: Uint8Array): number {
  if (ascii(b, 0, 3) !== "ID3" || b.length < 10) return 0;
  const size = ((b[6] & 0x7f) << 21) | ((b[7] & 0x7f) << 14) | ((b[8] & 0x7f) << 7) | (b[9] & 0x7f);
  const footer = b[5] & 0x10 ? 10 : 0;
  return Math.min(b.length, 10 + size + footer);
}

/** Bytes of APEv2 and ID3v1 tags at the end (0 if none). */
function trailingTagsLength(b: Uint8Array): number {
  let end = b.length;
  if (end >= 128 && ascii(b, end - 128, 3) === "TAG") end -= 128;
  if (end >= 32 && ascii(b, end - 32, 8) === "APETAGEX") {
    const size = b[end - 20] | (b[end - 19] << 8) | (b[end - 18] << 16) | (b[end - 17] << 24);
    const hasHeader = (b[end - 9] & 0x80) !== 0;
    end = Math.max(0, end - size - (hasHeader ? 32 : 0));
  }
  return b.length - end;
}

/** The first frame whose successor is where its length says (guards against sync bytes inside tags). */
function firstFrame(b: Uint8Array, from: number): FrameHeader | null {
  const limit = Math.min(b.length, from + 64 * 1024);
  for (let at = from; at < limit; at++) {
    const h = frameHeader(b, at);
    if (h && (at + h.length >= b.length || frameHeader(b, at + h.length))) return h;
  }
  return null;
}

export function readMp3Info(b: Uint8Array): ContainerInfo | null {
  const start = id3v2Length(b);
  const end = b.length - trailingTagsLength(b);
  const first = firstFrame(b, start);
  if (!first) return null;
  const info: ContainerInfo = { hasVideo: false, hasAudio: true, audioSampleRate: first.sampleRate, audioChannels: first.channels };
  const frames = vbrFrameCount(b, first);
  if (frames) {
    info.duration = (frames * first.samplesPerFrame) / first.sampleRate;
    info.bitrate = Math.round(((end - first.at) * 8) / info.duration);
  } else {
    info.bitrate = first.bitrate;
    info.duration = ((end - first.at) * 8) / first.bitrate;
  }
  return info;
}

/** Frame count from a Xing/Info or VBRI header inside the first frame. */
function vbrFrameCount(b: Uint8Array, h: FrameHeader): number | undefined {
  const sideInfo = h.mpeg1 ? (h.channels === 1 ? 17 : 32) : h.channels === 1 ? 9 : 17;
  const xing = h.at + 4 + sideInfo;
  const tag = ascii(b, xing, 4);
  if ((tag === "Xing" || tag === "Info") && b[xing + 7] & 1) return u32be(b, xing + 8);
  const vbri = h.at + 4 + 32;
  if (ascii(b, vbri, 4) === "VBRI") return u32be(b, vbri + 14);
  return undefined;
}

export function scrubMp3(b: Uint8Array): ScrubReport {
  const front = id3v2Length(b);
  const back = trailingTagsLength(b);
  const removed = [...(front ? ["ID3v2"] : []), ...(back ? ["ID3v1/APEv2"] : [])];
  return { bytes: b.subarray(front, b.length - back), removed, left: [] };
}

const ADTS_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** Raw AAC: walks the ADTS frame headers (7 bytes each) and counts 1024 samples a frame. */
export function readAdtsInfo(b: Uint8Array): ContainerInfo | null {
  let at = id3v2Length(b);
  let frames = 0;
  let sampleRate = 0;
  let channels = 0;
  while (at + 7 <= b.length && b[at] === 0xff && (b[at + 1] & 0xf6) === 0xf0) {
    sampleRate = ADTS_RATES[(b[at + 2] >> 2) & 0x0f] ?? 0;
    channels = ((b[at + 2] & 1) << 2) | (b[at + 3] >> 6);
    const length = ((b[at + 3] & 3) << 11) | (b[at + 4] << 3) | (b[at + 5] >> 5);
    if (length < 7 || !sampleRate) break;
    frames += (b[at + 6] & 3) + 1;
    at += length;
  }
  if (!frames) return null;
  const duration = (frames * 1024) / sampleRate;
  return { hasVideo: false, hasAudio: true, duration, audioSampleRate: sampleRate, audioChannels: channels, bitrate: Math.round((b.length * 8) / duration) };
}
