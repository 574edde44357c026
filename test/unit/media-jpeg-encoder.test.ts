import { describe, expect, it } from "vitest";
import { decodeJpeg } from "../../lib/media/codecs";
import { encodeBaselineJpeg, forwardDct } from "../../lib/media/jpeg-encoder";
import { AC_CHROMINANCE, AC_LUMINANCE, DC_CHROMINANCE, DC_LUMINANCE, huffmanCodes, ZIGZAG, type HuffmanSpec } from "../../lib/media/jpeg-tables";
import { materialize, viewOf } from "../../lib/media/pixels";
import { resize } from "../../lib/media/resize";
import { pixelsOf } from "./media-fixtures";

function psnr(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    sum += (a[i] - b[i]) ** 2;
    n++;
  }
  return 10 * Math.log10((255 * 255) / (sum / n));
}

describe("JPEG encoder tables", () => {
  it("zigzag visits each of the 64 coefficients once, starting 0, 1, 8, 16, 9, 2", () => {
    expect(new Set(ZIGZAG).size).toBe(64);
    expect(Array.from(ZIGZAG.subarray(0, 6))).toEqual([0, 1, 8, 16, 9, 2]);
    expect(ZIGZAG[63]).toBe(63);
  });

  const acSymbols = [0x00, 0xf0, ...Array.from({ length: 160 }, (_, i) => ((i / 10) << 4) | ((i % 10) + 1))].sort((a, b) => a - b);
  const tables: Array<[string, HuffmanSpec, number[]]> = [
    ["DC luminance", DC_LUMINANCE, Array.from({ length: 12 }, (_, i) => i)],
    ["DC chrominance", DC_CHROMINANCE, Array.from({ length: 12 }, (_, i) => i)],
    ["AC luminance", AC_LUMINANCE, acSymbols],
    ["AC chrominance", AC_CHROMINANCE, acSymbols],
  ];
  for (const [name, spec, symbols] of tables) {
    it(`${name} codes every symbol once, as a prefix code without an all-ones code`, () => {
      expect([...spec.symbols].sort((a, b) => a - b)).toEqual(symbols);
      expect(spec.counts.reduce((a, b) => a + b)).toBe(symbols.length);
      const kraft = spec.counts.reduce((sum, count, i) => sum + count / 2 ** (i + 1), 0);
      expect(kraft).toBeLessThan(1);
      const { code, length } = huffmanCodes(spec);
      for (const s of symbols) expect(code[s]).toBeLessThan(2 ** length[s] - 1);
    });
  }
});

describe("JPEG encoder", () => {
  it("computes the DCT of a block as the textbook formula does (up to AAN scaling)", () => {
    const block = Float32Array.from({ length: 64 }, (_, i) => ((i * 37) % 255) - 128);
    const naive = new Float64Array(64);
    for (let u = 0; u < 8; u++) {
      for (let v = 0; v < 8; v++) {
        let s = 0;
        for (let x = 0; x < 8; x++) for (let y = 0; y < 8; y++) s += block[y * 8 + x] * Math.cos(((2 * x + 1) * v * Math.PI) / 16) * Math.cos(((2 * y + 1) * u * Math.PI) / 16);
        naive[u * 8 + v] = s * (u === 0 ? Math.SQRT1_2 : 1) * (v === 0 ? Math.SQRT1_2 : 1) / 4;
      }
    }
    const aan = [1, 1.387039845, 1.306562965, 1.175875602, 1, 0.785694958, 0.5411961, 0.275899379];
    const fast = block.slice();
    forwardDct(fast);
    for (let u = 0; u < 8; u++) for (let v = 0; v < 8; v++) expect(fast[u * 8 + v] / (aan[u] * aan[v] * 8)).toBeCloseTo(naive[u * 8 + v], 2);
  });

  it("encodes images that mozjpeg decodes at the right size and close to the original", async () => {
    for (const [w, h] of [[1, 1], [17, 9], [64, 48], [301, 203]]) {
      const p = pixelsOf(w, h, (x, y) => [(x * 255) / w, (y * 255) / h, 128 + 60 * Math.sin(x / 7), 255]);
      const jpeg = encodeBaselineJpeg(viewOf(p), 90);
      const back = await decodeJpeg(jpeg.slice().buffer);
      expect([back.width, back.height]).toEqual([w, h]);
      if (w > 16) expect(psnr(p.data, back.data)).toBeGreaterThan(34);
    }
  });

  it("gets smaller as quality drops, and stays decodable on noise and extremes", async () => {
    let seed = 7;
    const noise = pixelsOf(128, 128, () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return [seed & 255, (seed >> 8) & 255, (seed >> 16) & 255, 255];
    });
    const sizes = [95, 75, 30, 1].map((q) => encodeBaselineJpeg(viewOf(noise), q).length);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    for (const q of [100, 1]) expect((await decodeJpeg(encodeBaselineJpeg(viewOf(noise), q).slice().buffer)).width).toBe(128);
    const black = pixelsOf(40, 40, () => [0, 0, 0, 255]);
    const white = pixelsOf(40, 40, () => [255, 255, 255, 255]);
    expect(psnr(black.data, (await decodeJpeg(encodeBaselineJpeg(viewOf(black), 100).slice().buffer)).data)).toBeGreaterThan(40);
    expect(psnr(white.data, (await decodeJpeg(encodeBaselineJpeg(viewOf(white), 100).slice().buffer)).data)).toBeGreaterThan(40);
  });
});

describe("upright views", () => {
  const p = pixelsOf(37, 21, (x, y) => [x * 6, y * 12, (x * y) % 256, 255]);
  for (let orientation = 1; orientation <= 8; orientation++) {
    it(`orientation ${orientation}: encoding and resizing through the view equal doing it on a turned copy`, () => {
      const view = viewOf(p, orientation);
      const copy = viewOf(materialize(view));
      expect([view.width, view.height]).toEqual(orientation >= 5 ? [21, 37] : [37, 21]);
      expect(encodeBaselineJpeg(view, 80)).toEqual(encodeBaselineJpeg(copy, 80));
      expect(resize(view, 9, 5).data).toEqual(resize(copy, 9, 5).data);
    });
  }
});
