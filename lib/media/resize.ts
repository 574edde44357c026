// Separable resampling of RGBA pixels. Shrinking averages each output pixel over the exact
// area of source it covers (a box filter with fractional edges: sharp and alias-free for
// photos); enlarging (small avatars) interpolates linearly. Colour is weighted by alpha so
// transparent pixels do not bleed their hidden colour into edges. Works one output row at a
// time: memory is the output plus two rows.

import { isPlain, type PixelView, type Pixels, type Rect } from "./pixels";

interface Taps {
  /** First source index for each output index. */
  start: Int32Array;
  /** Number of source indices for each output index. */
  count: Int32Array;
  /** Weights, `maxCount` per output index, each output's summing to 1. */
  weights: Float32Array;
  maxCount: number;
}

/** `p` (read through its view) resampled to outW×outH, from the `from` part of it. */
export function resize(p: PixelView, outW: number, outH: number, from: Rect = { x: 0, y: 0, width: p.width, height: p.height }): Pixels {
  const whole = from.x === 0 && from.y === 0 && from.width === p.width && from.height === p.height;
  if (whole && outW === p.width && outH === p.height && isPlain(p)) return { data: p.data, width: p.width, height: p.height };
  const across = taps(from.x, from.width, outW);
  const down = taps(from.y, from.height, outH);
  const out = new Uint8ClampedArray(outW * outH * 4);
  const rows = new RowCache(p, across, outW);
  const acc = new Float32Array(outW * 4);
  for (let oy = 0; oy < outH; oy++) {
    acc.fill(0);
    const first = down.start[oy];
    for (let k = 0; k < down.count[oy]; k++) {
      const weight = down.weights[oy * down.maxCount + k];
      const row = rows.get(first + k);
      for (let i = 0; i < acc.length; i++) acc[i] += weight * row[i];
    }
    writeUnpremultiplied(acc, out, oy * outW * 4);
  }
  return { data: out, width: outW, height: outH };
}

/** Horizontally resampled, alpha-premultiplied source rows; keeps the last two (rows repeat at box edges). */
class RowCache {
  private keys = [-1, -1];
  private rows: Float32Array[];
  private next = 0;
  constructor(private p: PixelView, private across: Taps, outW: number) {
    this.rows = [new Float32Array(outW * 4), new Float32Array(outW * 4)];
  }

  get(sy: number): Float32Array {
    const hit = this.keys.indexOf(sy);
    if (hit >= 0) return this.rows[hit];
    const slot = this.next;
    this.next ^= 1;
    this.keys[slot] = sy;
    resampleRow(this.p, sy, this.across, this.rows[slot]);
    return this.rows[slot];
  }
}

function resampleRow(p: PixelView, sy: number, across: Taps, into: Float32Array): void {
  const d = p.data;
  const rowStart = p.origin + sy * p.stepY;
  const step = p.stepX * 4;
  for (let ox = 0; ox < across.start.length; ox++) {
    let r = 0, g = 0, b = 0, a = 0;
    let at = (rowStart + across.start[ox] * p.stepX) * 4;
    const wBase = ox * across.maxCount;
    for (let k = 0; k < across.count[ox]; k++, at += step) {
      const wa = across.weights[wBase + k] * d[at + 3];
      r += wa * d[at];
      g += wa * d[at + 1];
      b += wa * d[at + 2];
      a += wa;
    }
    const o = ox * 4;
    into[o] = r;
    into[o + 1] = g;
    into[o + 2] = b;
    into[o + 3] = a;
  }
}

function writeUnpremultiplied(acc: Float32Array, out: Uint8ClampedArray, at: number): void {
  for (let i = 0; i < acc.length; i += 4) {
    const a = acc[i + 3];
    if (a > 0) {
      out[at + i] = acc[i] / a + 0.5;
      out[at + i + 1] = acc[i + 1] / a + 0.5;
      out[at + i + 2] = acc[i + 2] / a + 0.5;
    }
    out[at + i + 3] = a + 0.5;
  }
}

/** Which source samples (from `offset`, `length` of them) make each of `outLength` outputs, and how much. */
function taps(offset: number, length: number, outLength: number): Taps {
  const scale = length / outLength;
  const maxCount = scale > 1 ? Math.ceil(scale) + 1 : 2;
  const t: Taps = { start: new Int32Array(outLength), count: new Int32Array(outLength), weights: new Float32Array(outLength * maxCount), maxCount };
  for (let o = 0; o < outLength; o++) {
    if (scale > 1) areaTaps(t, o, o * scale, (o + 1) * scale, scale, length);
    else linearTaps(t, o, (o + 0.5) * scale - 0.5, length);
    t.start[o] += offset;
  }
  return t;
}

function areaTaps(t: Taps, o: number, from: number, to: number, scale: number, length: number): void {
  const first = Math.floor(from);
  const last = Math.min(length, Math.ceil(to - 1e-9)) - 1;
  t.start[o] = first;
  let n = 0;
  for (let s = first; s <= last && n < t.maxCount; s++) {
    const covered = Math.min(s + 1, to) - Math.max(s, from);
    t.weights[o * t.maxCount + n++] = Math.max(0, covered) / scale;
  }
  t.count[o] = n;
}

function linearTaps(t: Taps, o: number, centre: number, length: number): void {
  const left = Math.max(0, Math.min(length - 1, Math.floor(centre)));
  const right = Math.min(length - 1, left + 1);
  const frac = Math.max(0, Math.min(1, centre - left));
  t.start[o] = left;
  t.weights[o * t.maxCount] = right === left ? 1 : 1 - frac;
  t.weights[o * t.maxCount + 1] = right === left ? 0 : frac;
  t.count[o] = right === left ? 1 : 2;
}
