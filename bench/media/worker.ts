// A Worker that only processes images, for bench/media-cost.ts: the library under wrangler dev
// (which also checks that the .wasm imports bundle), without the server's routes around it.
import { processImage } from "../../lib/media";
import { encodeJpeg, resetWasmMemoryHighWater, wasmMemoryHighWater } from "../../lib/media/codecs";

/** A photo-like test card: smooth gradients plus sensor-like noise, so JPEG sizes are realistic. */
function syntheticPhoto(width: number, height: number, noise: number) {
  const data = new Uint8ClampedArray(width * height * 4);
  let seed = 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = (seed >> 16) % noise;
      const i = (y * width + x) * 4;
      data[i] = 128 + 100 * Math.sin(x / 97) * Math.cos(y / 53) + n;
      data[i + 1] = 128 + 90 * Math.sin((x + y) / 211) + n;
      data[i + 2] = 128 + 80 * Math.cos((x * y) / 90000) + n;
      data[i + 3] = 255;
    }
  }
  return { data, width, height };
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const param = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    if (url.pathname === "/make") {
      const photo = syntheticPhoto(param("w", 4032), param("h", 3024), param("noise", 12));
      return new Response(await encodeJpeg(photo, param("q", 90)));
    }
    if (url.pathname === "/process") {
      resetWasmMemoryHighWater();
      const bytes = new Uint8Array(await request.arrayBuffer());
      const result = await processImage(bytes, { matrixLimit: Number.MAX_SAFE_INTEGER, maxPixels: param("max", 0) || undefined });
      const summary = result.ok
        ? { ok: true, original: [result.value.original.width, result.value.original.height, result.value.original.size], small: [result.value.small.width, result.value.small.height] }
        : result;
      return Response.json({ ...summary, wasmPeakBytes: wasmMemoryHighWater() });
    }
    return new Response("ok");
  },
};
