// RGBA pixel buffers and the geometry done on them in plain JS: EXIF orientation, and fitting
// sizes. Kept out of WASM on purpose: the WASM resizers keep their peak linear memory for the
// isolate's lifetime, and these loops need no more memory than their output.

export interface Pixels {
  /** RGBA, 4 bytes a pixel, row-major, no padding. */
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

export function hasAlpha(p: Pixels): boolean {
  const d = p.data;
  for (let i = 3; i < d.length; i += 4) if (d[i] !== 255) return true;
  return false;
}

/** Orientations 5..8 turn the picture a quarter: width and height swap. */
export function swapsSides(orientation: number): boolean {
  return orientation >= 5 && orientation <= 8;
}

/** The pixels turned upright according to EXIF orientation (1 returns the input untouched). */
export function applyOrientation(p: Pixels, orientation: number): Pixels {
  if (orientation < 2 || orientation > 8) return p;
  const { width: w, height: h } = p;
  const src = new Uint32Array(p.data.buffer, p.data.byteOffset, w * h);
  const [outW, outH] = swapsSides(orientation) ? [h, w] : [w, h];
  const out = new Uint8ClampedArray(outW * outH * 4);
  const dst = new Uint32Array(out.buffer);
  const sourceIndex = sourceIndexFor(orientation, w, h);
  for (let y = 0; y < outH; y++) {
    const row = y * outW;
    for (let x = 0; x < outW; x++) dst[row + x] = src[sourceIndex(x, y)];
  }
  return { data: out, width: outW, height: outH };
}

/** For an upright pixel (x, y), the index of the stored pixel it shows (EXIF 2.3, table 6). */
function sourceIndexFor(orientation: number, w: number, h: number): (x: number, y: number) => number {
  switch (orientation) {
    case 2: return (x, y) => y * w + (w - 1 - x);
    case 3: return (x, y) => (h - 1 - y) * w + (w - 1 - x);
    case 4: return (x, y) => (h - 1 - y) * w + x;
    case 5: return (x, y) => x * w + y;
    case 6: return (x, y) => (h - 1 - x) * w + y;
    case 7: return (x, y) => (h - 1 - x) * w + (w - 1 - y);
    default: return (x, y) => x * w + (w - 1 - y); // 8
  }
}

/** Largest size with the same aspect whose area is at most `maxPixels`; never enlarges. */
export function fitArea(width: number, height: number, maxPixels: number): { width: number; height: number } {
  if (width * height <= maxPixels) return { width, height };
  const scale = Math.sqrt(maxPixels / (width * height));
  return clampedSize(width * scale, height * scale, maxPixels);
}

/** Largest size with the same aspect inside a box; never enlarges. */
export function fitBox(width: number, height: number, boxW: number, boxH: number): { width: number; height: number } {
  const scale = Math.min(1, boxW / width, boxH / height);
  return clampedSize(width * scale, height * scale, Infinity);
}

function clampedSize(w: number, h: number, maxPixels: number): { width: number; height: number } {
  let width = Math.max(1, Math.floor(w));
  let height = Math.max(1, Math.floor(h));
  while (width * height > maxPixels) width > height ? width-- : height--;
  return { width, height };
}

/** Centre crop of a source with the aspect of the target: what "fill" keeps before scaling. */
export function coverCrop(width: number, height: number, targetW: number, targetH: number): Rect {
  const scale = Math.max(targetW / width, targetH / height);
  const w = Math.min(width, Math.round(targetW / scale));
  const h = Math.min(height, Math.round(targetH / scale));
  return { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), width: w, height: h };
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
