// A photo-like JPEG for the media bench, encoded with the server's own baseline encoder
// (lib/media/jpeg-encoder.ts, bundled for Node by esbuild): smooth gradients with fine noise,
// so the file has a camera photo's size for its pixel count.
import { build } from "esbuild";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

type Encoder = { encodeBaselineJpeg: (view: unknown, quality: number) => Uint8Array; viewOf: (p: unknown) => unknown };

async function loadEncoder(): Promise<Encoder> {
  const dir = mkdtempSync(join(tmpdir(), "pronghorn-jpeg-"));
  const out = join(dir, "encoder.mjs");
  try {
    await build({
      stdin: { contents: 'export { encodeBaselineJpeg } from "./lib/media/jpeg-encoder"; export { viewOf } from "./lib/media/pixels";', resolveDir: root, loader: "ts" },
      bundle: true,
      format: "esm",
      platform: "neutral",
      outfile: out,
      logLevel: "error",
    });
    return (await import(pathToFileURL(out).href)) as Encoder;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A JPEG of `width`×`height` whose size is near `targetBytes` (noise is tuned to reach it). */
export async function photoJpeg(width: number, height: number, targetBytes: number): Promise<Uint8Array> {
  const { encodeBaselineJpeg, viewOf } = await loadEncoder();
  let noise = 24;
  let best = new Uint8Array(0);
  for (let attempt = 0; attempt < 6; attempt++) {
    const data = new Uint8ClampedArray(width * height * 4);
    let seed = 12345;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5) * noise;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 4;
        data[i] = 128 + 100 * Math.sin(x / 97) + random();
        data[i + 1] = 120 + 90 * Math.cos(y / 71) + random();
        data[i + 2] = 110 + 80 * Math.sin((x + y) / 53) + random();
        data[i + 3] = 255;
      }
    }
    best = encodeBaselineJpeg(viewOf({ data, width, height }), 90);
    if (Math.abs(best.length - targetBytes) < targetBytes * 0.1) break;
    noise *= targetBytes / best.length;
  }
  return best;
}
