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

/**
 * Stored pixels seen upright without copying them: pixel (x, y) of the upright picture is
 * data[(origin + x·stepX + y·stepY)·4]. Every EXIF orientation is such an affine walk, so the
 * resizer and the JPEG encoder read through it and a turned 12 MP photo never exists twice.
 */
export interface PixelView {
  data: Uint8ClampedArray;
  /** Upright size. */
  width: number;
  height: number;
  origin: number;
  stepX: number;
  stepY: number;
}

/** The upright view of stored pixels with EXIF `orientation` (EXIF 2.3, table 6). */
export function viewOf(p: Pixels, orientation = 1): PixelView {
  const { width: w, height: h, data } = p;
  const last = (h - 1) * w;
  const [origin, stepX, stepY] = ({
    2: [w - 1, -1, w],
    3: [last + w - 1, -1, -w],
    4: [last, 1, -w],
    5: [0, w, 1],
    6: [last, -w, 1],
    7: [last + w - 1, -w, -1],
    8: [w - 1, w, -1],
  } as Record<number, [number, number, number]>)[orientation] ?? [0, 1, w];
  const [width, height] = swapsSides(orientation) ? [h, w] : [w, h];
  return { data, width, height, origin, stepX, stepY };
}

/** Plain pixels as a view; a view as itself. */
export function asView(p: Pixels | PixelView): PixelView {
  return "origin" in p ? p : viewOf(p);
}

export function isPlain(v: PixelView): boolean {
  return v.origin === 0 && v.stepX === 1 && v.stepY === v.width;
}

/** The view as row-major pixels (the same buffer when it already is). */
export function materialize(v: PixelView): Pixels {
  if (isPlain(v)) return { data: v.data, width: v.width, height: v.height };
  const src = new Uint32Array(v.data.buffer, v.data.byteOffset, v.data.length >> 2);
  const out = new Uint8ClampedArray(v.width * v.height * 4);
  const dst = new Uint32Array(out.buffer);
  for (let y = 0; y < v.height; y++) {
    let at = v.origin + y * v.stepY;
    const row = y * v.width;
    for (let x = 0; x < v.width; x++, at += v.stepX) dst[row + x] = src[at];
  }
  return { data: out, width: v.width, height: v.height };
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
