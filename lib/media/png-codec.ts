// PNG decoding and encoding in JS around the runtime's native zlib (DecompressionStream and
// CompressionStream "deflate"), replacing the Rust png crate's WASM build, which kept its peak
// linear memory (64 MB after one 12 MP PNG) for the isolate's lifetime and wrote barely
// compressed files (8.7 MB for a screenshot that is 0.2 MB as uploaded). Both directions
// stream: memory is the RGBA pixels plus a few rows.

import { ascii, u32be } from "./bytes";
import { concatBytes } from "../bytes";
import { hasAlpha, type Pixels } from "./pixels";

interface Header {
  width: number;
  height: number;
  depth: number;
  colourType: number;
  interlaced: boolean;
  palette?: Uint8Array;
  transparency?: Uint8Array;
  data: Uint8Array[];
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

function readHeader(b: Uint8Array): Header {
  if (b.length < 33 || ascii(b, 12, 4) !== "IHDR") throw new Error("no PNG header");
  const h: Header = { width: u32be(b, 16), height: u32be(b, 20), depth: b[24], colourType: b[25], interlaced: b[28] === 1, data: [] };
  if (!DEPTHS[h.colourType]?.includes(h.depth)) throw new Error(`unsupported PNG colour type ${h.colourType} at depth ${h.depth}`);
  let at = 8;
  while (at + 12 <= b.length) {
    const length = u32be(b, at);
    const type = ascii(b, at + 4, 4);
    const body = b.subarray(at + 8, Math.min(b.length, at + 8 + length));
    if (type === "PLTE") h.palette = body;
    if (type === "tRNS") h.transparency = body;
    if (type === "IDAT") h.data.push(body);
    if (type === "IEND") break;
    at += 12 + length;
  }
  if (h.colourType === 3 && !h.palette) throw new Error("palette PNG without a palette");
  return h;
}

export async function decodePng(bytes: Uint8Array): Promise<Pixels> {
  const h = readHeader(bytes);
  const out = new Uint8ClampedArray(h.width * h.height * 4);
  const bitsPerPixel = CHANNELS[h.colourType] * h.depth;
  const filterStep = Math.max(1, bitsPerPixel >> 3);
  const rows = rowPlan(h, bitsPerPixel);
  let rowIndex = 0;
  let row = new Uint8Array(rows[0]?.bytes ?? 0);
  let previous = new Uint8Array(row.length);
  let filled = 0;
  await inflate(h.data, (chunk) => {
    let at = 0;
    while (at < chunk.length && rowIndex < rows.length) {
      const take = Math.min(chunk.length - at, row.length - filled);
      row.set(chunk.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled < row.length) return;
      unfilter(row, previous, filterStep);
      writeRow(h, row.subarray(1), rows[rowIndex], out);
      rowIndex++;
      filled = 0;
      const next = rows[rowIndex];
      if (next && next.bytes !== row.length) {
        row = new Uint8Array(next.bytes);
        previous = new Uint8Array(next.bytes);
      } else if (next && next.firstOfPass) {
        previous.fill(0); // a pass's first row has nothing above it
      } else {
        [row, previous] = [previous, row];
      }
    }
  });
  if (rowIndex < rows.length) throw new Error("the PNG's image data is truncated");
  return { data: out, width: h.width, height: h.height };
}

interface RowPlan {
  /** Scanline bytes including the filter byte. */
  bytes: number;
  y: number;
  x0: number;
  dx: number;
  count: number;
  firstOfPass: boolean;
}

function rowPlan(h: Header, bitsPerPixel: number): RowPlan[] {
  const passes = h.interlaced ? ADAM7 : [[0, 0, 1, 1]];
  const plan: RowPlan[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    const count = Math.ceil((h.width - x0) / dx);
    if (count <= 0) continue;
    const bytes = 1 + Math.ceil((count * bitsPerPixel) / 8);
    for (let y = y0; y < h.height; y += dy) plan.push({ bytes, y, x0, dx, count, firstOfPass: y === y0 });
  }
  return plan;
}

async function inflate(parts: Uint8Array[], onChunk: (chunk: Uint8Array) => void): Promise<void> {
  const stream = new DecompressionStream("deflate");
  const writer = stream.writable.getWriter();
  const writing = (async () => {
    for (const part of parts) await writer.write(part);
    await writer.close();
  })();
  const reader = stream.readable.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      onChunk(value);
    }
  } catch (e) {
    // Unblock a writer waiting for a reader that is gone, then report the first failure.
    await reader.cancel(e).catch(() => undefined);
    await writing.catch(() => undefined);
    throw e;
  }
  await writing;
}

function unfilter(row: Uint8Array, previous: Uint8Array, step: number): void {
  const type = row[0];
  const n = row.length;
  const first = Math.min(n, step + 1); // bytes with no left neighbour
  if (type === 0) return;
  if (type === 1) {
    for (let i = first; i < n; i++) row[i] += row[i - step];
  } else if (type === 2) {
    for (let i = 1; i < n; i++) row[i] += previous[i];
  } else if (type === 3) {
    for (let i = 1; i < first; i++) row[i] += previous[i] >> 1;
    for (let i = first; i < n; i++) row[i] += (row[i - step] + previous[i]) >> 1;
  } else if (type === 4) {
    for (let i = 1; i < first; i++) row[i] += previous[i];
    for (let i = first; i < n; i++) row[i] += paeth(row[i - step], previous[i], previous[i - step]);
  } else {
    throw new Error(`bad PNG filter type ${type}`);
  }
}

function paeth(a: number, b: number, c: number): number {
  let pa = b - c, pb = a - c, pc = pa + pb;
  if (pa < 0) pa = -pa;
  if (pb < 0) pb = -pb;
  if (pc < 0) pc = -pc;
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Converts one unfiltered scanline to RGBA at its pixels' places (every colour type and depth). */
function writeRow(h: Header, line: Uint8Array, plan: RowPlan, out: Uint8ClampedArray): void {
  const { depth, colourType: type, palette, transparency: trns } = h;
  if (depth === 8 && (type === 6 || (type === 2 && !trns))) return writeRgb8(line, plan, out, h.width, type === 6);
  const channels = CHANNELS[type];
  const sample = (i: number): number => {
    if (depth === 8) return line[i];
    if (depth === 16) return (line[i * 2] << 8) | line[i * 2 + 1];
    const bit = i * depth;
    return (line[bit >> 3] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
  };
  const to8 = depth === 16 ? (v: number) => v >> 8 : depth < 8 ? (v: number) => Math.round((v * 255) / ((1 << depth) - 1)) : (v: number) => v;
  const trnsValue = (k: number) => (trns && trns.length >= 2 * (k + 1) ? (trns[2 * k] << 8) | trns[2 * k + 1] : -1);
  for (let i = 0; i < plan.count; i++) {
    const o = (plan.y * h.width + plan.x0 + i * plan.dx) * 4;
    const s = i * channels;
    if (type === 3) {
      const index = sample(s);
      out[o] = palette![index * 3];
      out[o + 1] = palette![index * 3 + 1];
      out[o + 2] = palette![index * 3 + 2];
      out[o + 3] = trns && index < trns.length ? trns[index] : 255;
    } else if (type === 0 || type === 4) {
      const grey = sample(s);
      out[o] = out[o + 1] = out[o + 2] = to8(grey);
      out[o + 3] = type === 4 ? to8(sample(s + 1)) : grey === trnsValue(0) ? 0 : 255;
    } else {
      const r = sample(s), g = sample(s + 1), b = sample(s + 2);
      out[o] = to8(r);
      out[o + 1] = to8(g);
      out[o + 2] = to8(b);
      out[o + 3] = type === 6 ? to8(sample(s + 3)) : r === trnsValue(0) && g === trnsValue(1) && b === trnsValue(2) ? 0 : 255;
    }
  }
}

/** The common case, 8-bit RGB(A), without the general path's per-sample work. */
function writeRgb8(line: Uint8Array, plan: RowPlan, out: Uint8ClampedArray, width: number, alpha: boolean): void {
  const step = plan.dx * 4;
  let o = (plan.y * width + plan.x0) * 4;
  if (alpha) {
    for (let s = 0; s < plan.count * 4; s += 4, o += step) {
      out[o] = line[s]; out[o + 1] = line[s + 1]; out[o + 2] = line[s + 2]; out[o + 3] = line[s + 3];
    }
  } else {
    for (let s = 0; s < plan.count * 3; s += 3, o += step) {
      out[o] = line[s]; out[o + 1] = line[s + 1]; out[o + 2] = line[s + 2]; out[o + 3] = 255;
    }
  }
}

/** 8-bit PNG: RGB when every pixel is opaque, else RGBA. Chunks: IHDR, IDAT, IEND, nothing else. */
export async function encodePng(p: Pixels): Promise<Uint8Array> {
  const channels = hasAlpha(p) ? 4 : 3;
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, p.width);
  view.setUint32(4, p.height);
  ihdr.set([8, channels === 4 ? 6 : 2, 0, 0, 0], 8);
  const idat = await deflateRows(p, channels);
  const signature = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return concatBytes(signature, pngChunk("IHDR", ihdr), pngChunk("IDAT", idat), pngChunk("IEND", new Uint8Array(0)));
}

async function deflateRows(p: Pixels, channels: number): Promise<Uint8Array> {
  const stream = new CompressionStream("deflate");
  const writer = stream.writable.getWriter();
  const collected: Uint8Array[] = [];
  const reading = (async () => {
    const reader = stream.readable.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      collected.push(value);
    }
  })();
  const rowBytes = p.width * channels;
  const filter = new RowFilter(rowBytes, channels);
  let previous = new Uint8Array(rowBytes);
  let current = new Uint8Array(rowBytes);
  for (let y = 0; y < p.height; y++) {
    const start = y * p.width * 4;
    if (channels === 4) current.set(p.data.subarray(start, start + rowBytes));
    else for (let x = 0, s = start; x < rowBytes; x += 3, s += 4) { current[x] = p.data[s]; current[x + 1] = p.data[s + 1]; current[x + 2] = p.data[s + 2]; }
    await writer.ready;
    void writer.write(filter.best(current, previous));
    [previous, current] = [current, previous];
  }
  await writer.close();
  await reading;
  return concatBytes(...collected);
}

/** Rows filtered each of the five ways; the one with the smallest sum of absolute (signed) bytes is kept, as libpng does. */
class RowFilter {
  private candidates: Uint8Array[];
  constructor(length: number, private step: number) {
    this.candidates = [0, 1, 2, 3, 4].map((type) => {
      const row = new Uint8Array(length + 1);
      row[0] = type;
      return row;
    });
  }

  best(row: Uint8Array, previous: Uint8Array): Uint8Array {
    const [none, sub, up, average, paethRow] = this.candidates;
    const step = this.step;
    let sNone = 0, sSub = 0, sUp = 0, sAvg = 0, sPaeth = 0;
    for (let i = 0; i < row.length; i++) {
      const x = row[i];
      const left = i >= step ? row[i - step] : 0;
      const above = previous[i];
      const upLeft = i >= step ? previous[i - step] : 0;
      const a = x, b = (x - left) & 0xff, c = (x - above) & 0xff, d = (x - ((left + above) >> 1)) & 0xff, e = (x - paeth(left, above, upLeft)) & 0xff;
      none[i + 1] = a; sub[i + 1] = b; up[i + 1] = c; average[i + 1] = d; paethRow[i + 1] = e;
      sNone += a < 128 ? a : 256 - a;
      sSub += b < 128 ? b : 256 - b;
      sUp += c < 128 ? c : 256 - c;
      sAvg += d < 128 ? d : 256 - d;
      sPaeth += e < 128 ? e : 256 - e;
    }
    const scores = [sNone, sSub, sUp, sAvg, sPaeth];
    return this.candidates[scores.indexOf(Math.min(...scores))].slice();
  }
}

function pngChunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
