// Baseline JPEG encoder (4:2:0, libjpeg's quality scaling, the standard Huffman tables), in JS.
// Written for memory: it walks the image one 16×16 macroblock at a time and holds nothing but
// the output, where the WASM mozjpeg needs ~16 bytes a pixel of linear memory (132 MB for an
// 8 MP image, measured by bench/media-cost.ts), more than a Worker has. Also as fast: ~the same
// CPU as mozjpeg without trellis search. Writes only JFIF, tables, frame and scan: no metadata.

import { AC_CHROMINANCE, AC_LUMINANCE, DC_CHROMINANCE, DC_LUMINANCE, huffmanCodes, quantTable, ZIGZAG, type HuffmanSpec } from "./jpeg-tables";
import type { PixelView } from "./pixels";

/** AAN scale factors: the float FDCT below yields coefficients scaled by these (per axis) times 8. */
const AAN = [1, 1.387039845, 1.306562965, 1.175875602, 1, 0.785694958, 0.5411961, 0.275899379];

/** Reciprocal divisors folding the AAN scaling into quantisation, natural order. */
function divisors(table: Uint8Array): Float32Array {
  const out = new Float32Array(64);
  for (let row = 0; row < 8; row++) for (let col = 0; col < 8; col++) out[row * 8 + col] = 1 / (table[row * 8 + col] * AAN[row] * AAN[col] * 8);
  return out;
}

class ByteWriter {
  bytes = new Uint8Array(1 << 16);
  length = 0;
  private bits = 0;
  private bitCount = 0;

  byte(b: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = b;
  }

  raw(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.byte(values[i]);
  }

  /** Entropy-coded bits, most significant first, with 0xFF stuffed by 0x00. */
  put(code: number, length: number): void {
    this.bits = (this.bits << length) | (code & ((1 << length) - 1));
    this.bitCount += length;
    while (this.bitCount >= 8) {
      const b = (this.bits >>> (this.bitCount - 8)) & 0xff;
      this.byte(b);
      if (b === 0xff) this.byte(0);
      this.bitCount -= 8;
    }
    this.bits &= (1 << this.bitCount) - 1;
  }

  /** Pads the last byte with ones (T.81 F.1.2.3). */
  flushBits(): void {
    if (this.bitCount > 0) this.put(0x7f, 8 - this.bitCount);
  }

  segment(marker: number, body: ArrayLike<number>): void {
    this.raw([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff]);
    this.raw(body);
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

interface Component {
  dc: { code: Uint16Array; length: Uint8Array };
  ac: { code: Uint16Array; length: Uint8Array };
  divisors: Float32Array;
  previousDc: number;
}

/** Encodes the view (an EXIF-turned image is read upright in place: no turned copy). */
export function encodeBaselineJpeg(p: PixelView, quality = 85): Uint8Array {
  const lumaQuant = quantTable(false, quality);
  const chromaQuant = quantTable(true, quality);
  const out = new ByteWriter();
  writeHeaders(out, p, lumaQuant, chromaQuant);
  const luma: Component = { dc: huffmanCodes(DC_LUMINANCE), ac: huffmanCodes(AC_LUMINANCE), divisors: divisors(lumaQuant), previousDc: 0 };
  const cb: Component = { dc: huffmanCodes(DC_CHROMINANCE), ac: huffmanCodes(AC_CHROMINANCE), divisors: divisors(chromaQuant), previousDc: 0 };
  const cr: Component = { ...cb, previousDc: 0 };
  const y = new Float32Array(256); // four 8×8 luma blocks: top-left, top-right, bottom-left, bottom-right
  const yBlocks = [0, 1, 2, 3].map((i) => y.subarray(i * 64, i * 64 + 64));
  const u = new Float32Array(64);
  const v = new Float32Array(64);
  const coefficients = new Int32Array(64);
  for (let top = 0; top < p.height; top += 16) {
    for (let left = 0; left < p.width; left += 16) {
      readMacroblock(p, left, top, y, u, v);
      for (const block of yBlocks) encodeBlock(out, block, luma, coefficients);
      encodeBlock(out, u, cb, coefficients);
      encodeBlock(out, v, cr, coefficients);
    }
  }
  out.flushBits();
  out.raw([0xff, 0xd9]);
  return out.result();
}

/**
 * 16×16 luma (as four 8×8 blocks) and 8×8 chroma averaged over 2×2, level-shifted by −128.
 * Past the right or bottom edge the last column/row repeats.
 */
function readMacroblock(p: PixelView, left: number, top: number, y: Float32Array, u: Float32Array, v: Float32Array): void {
  const d = p.data;
  const interior = left + 16 <= p.width && top + 16 <= p.height;
  const maxX = p.width - 1;
  const maxY = p.height - 1;
  for (let row = 0; row < 16; row += 2) {
    const y0 = interior ? top + row : Math.min(top + row, maxY);
    const y1 = interior ? y0 + 1 : Math.min(top + row + 1, maxY);
    const line0 = p.origin + y0 * p.stepY;
    const line1 = p.origin + y1 * p.stepY;
    const blockBase = (row >> 3) * 128 + (row & 7) * 8; // first luma block of this half, this row
    for (let col = 0; col < 16; col += 2) {
      const x0 = interior ? left + col : Math.min(left + col, maxX);
      const x1 = interior ? x0 + 1 : Math.min(left + col + 1, maxX);
      const a = (line0 + x0 * p.stepX) * 4, b = (line0 + x1 * p.stepX) * 4;
      const c = (line1 + x0 * p.stepX) * 4, e = (line1 + x1 * p.stepX) * 4;
      const at = blockBase + (col >> 3) * 64 + (col & 7);
      y[at] = 0.299 * d[a] + 0.587 * d[a + 1] + 0.114 * d[a + 2] - 128;
      y[at + 1] = 0.299 * d[b] + 0.587 * d[b + 1] + 0.114 * d[b + 2] - 128;
      y[at + 8] = 0.299 * d[c] + 0.587 * d[c + 1] + 0.114 * d[c + 2] - 128;
      y[at + 9] = 0.299 * d[e] + 0.587 * d[e + 1] + 0.114 * d[e + 2] - 128;
      const r = d[a] + d[b] + d[c] + d[e];
      const g = d[a + 1] + d[b + 1] + d[c + 1] + d[e + 1];
      const bl = d[a + 2] + d[b + 2] + d[c + 2] + d[e + 2];
      const chroma = (row >> 1) * 8 + (col >> 1);
      u[chroma] = (-0.168736 * r - 0.331264 * g + 0.5 * bl) / 4;
      v[chroma] = (0.5 * r - 0.418688 * g - 0.081312 * bl) / 4;
    }
  }
}

function encodeBlock(out: ByteWriter, block: Float32Array, c: Component, coefficients: Int32Array): void {
  forwardDct(block);
  const divisors = c.divisors;
  for (let k = 0; k < 64; k++) {
    const natural = ZIGZAG[k];
    const x = block[natural] * divisors[natural];
    coefficients[k] = x >= 0 ? (x + 0.5) | 0 : -((0.5 - x) | 0);
  }
  const diff = coefficients[0] - c.previousDc;
  c.previousDc = coefficients[0];
  putValue(out, c.dc.code, c.dc.length, 0, diff);
  const acCode = c.ac.code;
  const acLength = c.ac.length;
  let zeros = 0;
  for (let k = 1; k < 64; k++) {
    const value = coefficients[k];
    if (value === 0) {
      zeros++;
      continue;
    }
    for (; zeros > 15; zeros -= 16) out.put(acCode[0xf0], acLength[0xf0]);
    putValue(out, acCode, acLength, zeros << 4, value);
    zeros = 0;
  }
  if (zeros > 0) out.put(acCode[0], acLength[0]);
}

/** Huffman code of (run, size) then `size` bits of the value (negatives as one's complement). */
function putValue(out: ByteWriter, codes: Uint16Array, lengths: Uint8Array, run: number, value: number): void {
  const size = value === 0 ? 0 : 32 - Math.clz32(value < 0 ? -value : value);
  const symbol = run | size;
  out.put(codes[symbol], lengths[symbol]);
  if (size > 0) out.put(value < 0 ? value - 1 : value, size);
}

/** In-place 8×8 forward DCT, Arai–Agui–Nakajima float factorisation (output scaled by AAN). */
export function forwardDct(d: Float32Array): void {
  for (let i = 0; i < 8; i++) dct8(d, i * 8, 1);
  for (let i = 0; i < 8; i++) dct8(d, i, 8);
}

function dct8(d: Float32Array, at: number, step: number): void {
  const x0 = d[at], x1 = d[at + step], x2 = d[at + 2 * step], x3 = d[at + 3 * step];
  const x4 = d[at + 4 * step], x5 = d[at + 5 * step], x6 = d[at + 6 * step], x7 = d[at + 7 * step];
  const t0 = x0 + x7, t7 = x0 - x7, t1 = x1 + x6, t6 = x1 - x6;
  const t2 = x2 + x5, t5 = x2 - x5, t3 = x3 + x4, t4 = x3 - x4;
  // Even part
  const e10 = t0 + t3, e13 = t0 - t3, e11 = t1 + t2, e12 = t1 - t2;
  d[at] = e10 + e11;
  d[at + 4 * step] = e10 - e11;
  const z1 = (e12 + e13) * 0.707106781;
  d[at + 2 * step] = e13 + z1;
  d[at + 6 * step] = e13 - z1;
  // Odd part
  const o10 = t4 + t5, o11 = t5 + t6, o12 = t6 + t7;
  const z5 = (o10 - o12) * 0.382683433;
  const z2 = 0.5411961 * o10 + z5;
  const z4 = 1.306562965 * o12 + z5;
  const z3 = o11 * 0.707106781;
  const z11 = t7 + z3, z13 = t7 - z3;
  d[at + 5 * step] = z13 + z2;
  d[at + 3 * step] = z13 - z2;
  d[at + step] = z11 + z4;
  d[at + 7 * step] = z11 - z4;
}

function writeHeaders(out: ByteWriter, p: PixelView, lumaQuant: Uint8Array, chromaQuant: Uint8Array): void {
  out.raw([0xff, 0xd8]);
  out.segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]); // JFIF 1.01, aspect 1:1, no thumbnail
  out.segment(0xdb, [0, ...Array.from(ZIGZAG, (i) => lumaQuant[i]), 1, ...Array.from(ZIGZAG, (i) => chromaQuant[i])]);
  const { width: w, height: h } = p;
  out.segment(0xc0, [8, h >> 8, h & 0xff, w >> 8, w & 0xff, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  const table = (cls: number, id: number, spec: HuffmanSpec) => [(cls << 4) | id, ...spec.counts, ...spec.symbols];
  out.segment(0xc4, [...table(0, 0, DC_LUMINANCE), ...table(1, 0, AC_LUMINANCE), ...table(0, 1, DC_CHROMINANCE), ...table(1, 1, AC_CHROMINANCE)]);
  out.segment(0xda, [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);
}
