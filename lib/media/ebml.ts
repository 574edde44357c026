// WebM (Matroska/EBML): Segment → Info (TimecodeScale, Duration) and Tracks (video pixel size,
// frame duration; audio rate and channels). Clusters, the bulk of the file, are never entered.

import type { ContainerInfo } from "./container-info";

const ID = {
  ebml: 0x1a45dfa3,
  docType: 0x4282,
  segment: 0x18538067,
  info: 0x1549a966,
  timecodeScale: 0x2ad7b1,
  duration: 0x4489,
  tracks: 0x1654ae6b,
  trackEntry: 0xae,
  trackType: 0x83,
  defaultDuration: 0x23e383,
  video: 0xe0,
  pixelWidth: 0xb0,
  pixelHeight: 0xba,
  audio: 0xe1,
  samplingFrequency: 0xb5,
  channels: 0x9f,
  cluster: 0x1f43b675,
};

interface Element {
  id: number;
  body: number;
  end: number;
}

/** A variable-length integer: its value (marker bit removed unless `keepMarker`) and byte length. */
function vint(b: Uint8Array, at: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } | null {
  const first = b[at];
  if (first === undefined || first === 0) return null;
  const length = Math.clz32(first) - 23;
  if (at + length > b.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + b[at + i];
    allOnes &&= b[at + i] === 0xff;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

function* elementsIn(b: Uint8Array, from: number, to: number): Generator<Element> {
  let at = from;
  while (at < to) {
    const id = vint(b, at, true);
    const size = id && vint(b, at + id.length, false);
    if (!id || !size) return;
    const body = at + id.length + size.length;
    const end = size.unknown ? to : Math.min(to, body + size.value);
    yield { id: id.value, body, end };
    at = end;
  }
}

function uint(b: Uint8Array, e: Element): number {
  let v = 0;
  for (let i = e.body; i < e.end; i++) v = v * 256 + b[i];
  return v;
}

function float(b: Uint8Array, e: Element): number {
  const view = new DataView(b.buffer, b.byteOffset + e.body, e.end - e.body);
  return e.end - e.body === 4 ? view.getFloat32(0) : e.end - e.body === 8 ? view.getFloat64(0) : NaN;
}

export function isWebm(b: Uint8Array): boolean {
  const header = elementsIn(b, 0, b.length).next().value;
  if (!header || header.id !== ID.ebml) return false;
  for (const e of elementsIn(b, header.body, header.end)) {
    if (e.id === ID.docType) return new TextDecoder().decode(b.subarray(e.body, e.end)).replace(/\0+$/, "") === "webm";
  }
  return false;
}

export function readWebmInfo(b: Uint8Array): ContainerInfo | null {
  let segment: Element | undefined;
  for (const e of elementsIn(b, 0, b.length)) if (e.id === ID.segment) { segment = e; break; }
  if (!segment) return null;
  const info: ContainerInfo = { hasVideo: false, hasAudio: false };
  let scale = 1_000_000; // ns per timecode tick, the default
  let rawDuration: number | undefined;
  for (const e of elementsIn(b, segment.body, segment.end)) {
    if (e.id === ID.cluster) break;
    if (e.id === ID.info) {
      for (const f of elementsIn(b, e.body, e.end)) {
        if (f.id === ID.timecodeScale) scale = uint(b, f);
        if (f.id === ID.duration) rawDuration = float(b, f);
      }
    }
    if (e.id === ID.tracks) for (const t of elementsIn(b, e.body, e.end)) if (t.id === ID.trackEntry) readTrack(b, t, info);
  }
  if (rawDuration && Number.isFinite(rawDuration)) info.duration = (rawDuration * scale) / 1e9;
  return info;
}

function readTrack(b: Uint8Array, entry: Element, info: ContainerInfo): void {
  let type = 0;
  let frameNs = 0;
  let video: Element | undefined;
  let audio: Element | undefined;
  for (const e of elementsIn(b, entry.body, entry.end)) {
    if (e.id === ID.trackType) type = uint(b, e);
    if (e.id === ID.defaultDuration) frameNs = uint(b, e);
    if (e.id === ID.video) video = e;
    if (e.id === ID.audio) audio = e;
  }
  if (type === 1 && video && !info.hasVideo) {
    info.hasVideo = true;
    for (const e of elementsIn(b, video.body, video.end)) {
      if (e.id === ID.pixelWidth) info.width = uint(b, e);
      if (e.id === ID.pixelHeight) info.height = uint(b, e);
    }
    if (frameNs > 0) info.fps = Math.round(1e11 / frameNs) / 100;
  } else if (type === 2 && audio && !info.hasAudio) {
    info.hasAudio = true;
    info.audioChannels = 1;
    for (const e of elementsIn(b, audio.body, audio.end)) {
      if (e.id === ID.samplingFrequency) info.audioSampleRate = float(b, e);
      if (e.id === ID.channels) info.audioChannels = uint(b, e);
    }
  }
}
