import { describe, expect, it } from "vitest";
import { decodePng, encodePng } from "../../lib/media/png-codec";
import { pixelsOf } from "./media-fixtures";

// PNG files written here from scanlines, for each colour type, bit depth and interlacing, to
// check the decoder against the RGBA each should give.

const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

async function zlib(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(body, 8);
  return out; // the decoder does not check CRCs
}

/** samples(x, y) → the pixel's samples at `depth` bits, rows unfiltered (the encoder round trip below covers the filters). */
async function pngFrom(width: number, height: number, colourType: number, depth: number, samples: (x: number, y: number) => number[], extra: Uint8Array[] = [], interlaced = false): Promise<Uint8Array> {
  const rows: number[] = [];
  const passes = interlaced ? ADAM7 : [[0, 0, 1, 1]];
  for (const [x0, y0, dx, dy] of passes) {
    if (x0 >= width) continue;
    for (let y = y0; y < height; y += dy) {
      const bits: number[] = [];
      for (let x = x0; x < width; x += dx) for (const s of samples(x, y)) for (let b = depth - 1; b >= 0; b--) bits.push((s >> b) & 1);
      while (bits.length % 8) bits.push(0);
      rows.push(0); // filter: none
      for (let i = 0; i < bits.length; i += 8) rows.push(bits.slice(i, i + 8).reduce((a, b) => (a << 1) | b, 0));
    }
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([depth, colourType, 0, 0, interlaced ? 1 : 0], 8);
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), ...extra, chunk("IDAT", await zlib(Uint8Array.from(rows))), chunk("IEND", new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function rgbaAt(p: { data: Uint8ClampedArray; width: number }, x: number, y: number): number[] {
  const i = (y * p.width + x) * 4;
  return Array.from(p.data.subarray(i, i + 4));
}

describe("PNG decoder", () => {
  for (const interlaced of [false, true]) {
    const mode = interlaced ? "interlaced" : "progressive";
    it(`RGBA 8-bit and RGB 16-bit (${mode})`, async () => {
      const rgba = await decodePng(await pngFrom(13, 11, 6, 8, (x, y) => [x * 10, y * 20, 7, x + y], [], interlaced));
      expect(rgbaAt(rgba, 12, 10)).toEqual([120, 200, 7, 22]);
      expect(rgbaAt(rgba, 3, 5)).toEqual([30, 100, 7, 8]);
      const rgb16 = await decodePng(await pngFrom(9, 10, 2, 16, (x, y) => [x * 1000, y * 5000, 65535], [], interlaced));
      expect(rgbaAt(rgb16, 8, 9)).toEqual([31, 175, 255, 255]);
    });

    it(`greyscale at 1, 2, 4, 8 and 16 bits, with alpha and with tRNS (${mode})`, async () => {
      for (const depth of [1, 2, 4, 8, 16]) {
        const max = 2 ** depth - 1;
        const grey = await decodePng(await pngFrom(10, 9, 0, depth, (x) => [x % 2 ? max : 0], [], interlaced));
        expect(rgbaAt(grey, 1, 8)).toEqual([255, 255, 255, 255]);
        expect(rgbaAt(grey, 4, 3)).toEqual([0, 0, 0, 255]);
      }
      const trns = chunk("tRNS", new Uint8Array([0, 3]));
      const keyed = await decodePng(await pngFrom(6, 6, 0, 4, (x) => [x], [trns], interlaced));
      expect(rgbaAt(keyed, 3, 2)[3]).toBe(0);
      expect(rgbaAt(keyed, 4, 2)).toEqual([68, 68, 68, 255]);
      const greyAlpha = await decodePng(await pngFrom(5, 5, 4, 8, (x) => [100, x * 50], [], interlaced));
      expect(rgbaAt(greyAlpha, 4, 4)).toEqual([100, 100, 100, 200]);
    });

    it(`palette at 2 and 8 bits, with per-entry transparency (${mode})`, async () => {
      const plte = chunk("PLTE", new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]));
      const trns = chunk("tRNS", new Uint8Array([255, 128]));
      for (const depth of [2, 8]) {
        const p = await decodePng(await pngFrom(7, 7, 3, depth, (x, y) => [(x + y) % 4], [plte, trns], interlaced));
        expect(rgbaAt(p, 0, 0)).toEqual([255, 0, 0, 255]);
        expect(rgbaAt(p, 1, 0)).toEqual([0, 255, 0, 128]);
        expect(rgbaAt(p, 3, 0)).toEqual([9, 9, 9, 255]);
      }
    });
  }

  it("fails cleanly on truncated, corrupt or unsupported data", async () => {
    const good = await pngFrom(40, 40, 6, 8, (x, y) => [x, y, x ^ y, 255]);
    await expect(decodePng(good.subarray(0, good.length - 40))).rejects.toThrow();
    const corrupt = good.slice();
    corrupt.fill(0x55, 60, 90);
    await expect(decodePng(corrupt)).rejects.toThrow();
    const badDepth = good.slice();
    badDepth[24] = 3;
    await expect(decodePng(badDepth)).rejects.toThrow(/colour type/);
  });
});

describe("PNG encoder", () => {
  it("round-trips RGBA, and writes RGB when every pixel is opaque", async () => {
    const withAlpha = pixelsOf(33, 17, (x, y) => [x * 7, y * 15, 200, (x * y) % 256]);
    const encoded = await encodePng(withAlpha);
    expect(encoded[25]).toBe(6);
    expect((await decodePng(encoded)).data).toEqual(withAlpha.data);
    const opaque = pixelsOf(33, 17, (x, y) => [x * 7, y * 15, 200, 255]);
    const rgb = await encodePng(opaque);
    expect(rgb[25]).toBe(2);
    expect((await decodePng(rgb)).data).toEqual(opaque.data);
  });

  it("compresses flat screenshots well", async () => {
    const screenshot = pixelsOf(800, 600, (x, y) => (y % 20 < 12 && x % 9 < 5 ? [30, 30, 30, 255] : [250, 250, 250, 255]));
    expect((await encodePng(screenshot)).length).toBeLessThan(20_000);
  });
});
