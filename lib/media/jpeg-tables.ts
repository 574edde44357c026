// The fixed parts of a baseline JPEG (ITU T.81): the example quantisation tables of Annex K.1
// scaled by quality as libjpeg does, the typical Huffman tables of Annex K.3, and zigzag order.

/** ZIGZAG[k] = natural (row-major) index of the k-th coefficient in zigzag order. */
export const ZIGZAG: Uint8Array = (() => {
  const order = new Uint8Array(64);
  let k = 0;
  for (let sum = 0; sum < 15; sum++) {
    // Odd diagonals run down-left (row grows), even ones up-right.
    for (let i = 0; i <= sum; i++) {
      const row = sum % 2 === 1 ? i : sum - i;
      const col = sum - row;
      if (row < 8 && col < 8) order[k++] = row * 8 + col;
    }
  }
  return order;
})();

const LUMINANCE_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMINANCE_QUANT = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
  ...new Array(32).fill(99),
];

/** Quantisation table (natural order) for quality 1..100, with libjpeg's scaling. */
export function quantTable(chroma: boolean, quality: number): Uint8Array {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  const base = chroma ? CHROMINANCE_QUANT : LUMINANCE_QUANT;
  return Uint8Array.from(base, (v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
}

export interface HuffmanSpec {
  /** Number of codes of each length 1..16. */
  counts: number[];
  /** Symbols in code order. */
  symbols: number[];
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const runs = (pairs: Array<[number, number]>) => pairs.flatMap(([a, b]) => range(a, b));

export const DC_LUMINANCE: HuffmanSpec = { counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], symbols: range(0, 11) };
export const DC_CHROMINANCE: HuffmanSpec = { counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], symbols: range(0, 11) };

export const AC_LUMINANCE: HuffmanSpec = {
  counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
  symbols: [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
    0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
    0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a,
    ...runs([[0x34, 0x3a], [0x43, 0x4a], [0x53, 0x5a], [0x63, 0x6a], [0x73, 0x7a], [0x83, 0x8a], [0x92, 0x9a],
      [0xa2, 0xaa], [0xb2, 0xba], [0xc2, 0xca], [0xd2, 0xda], [0xe1, 0xea], [0xf1, 0xfa]]),
  ],
};

export const AC_CHROMINANCE: HuffmanSpec = {
  counts: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
  symbols: [
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
    0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
    0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
    0x27, 0x28, 0x29, 0x2a,
    ...runs([[0x35, 0x3a], [0x43, 0x4a], [0x53, 0x5a], [0x63, 0x6a], [0x73, 0x7a], [0x82, 0x8a], [0x92, 0x9a],
      [0xa2, 0xaa], [0xb2, 0xba], [0xc2, 0xca], [0xd2, 0xda], [0xe2, 0xea], [0xf2, 0xfa]]),
  ],
};

/** Canonical codes (T.81 Annex C): code and length per symbol, indexed by symbol. */
export function huffmanCodes(spec: HuffmanSpec): { code: Uint16Array; length: Uint8Array } {
  const code = new Uint16Array(256);
  const length = new Uint8Array(256);
  let next = 0;
  let k = 0;
  for (let bits = 1; bits <= 16; bits++) {
    for (let i = 0; i < spec.counts[bits - 1]; i++) {
      const symbol = spec.symbols[k++];
      code[symbol] = next++;
      length[symbol] = bits;
    }
    next <<= 1;
  }
  return { code, length };
}
