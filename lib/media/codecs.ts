/// <reference path="./wasm-modules.d.ts" />
// The image codecs: WASM decoders from @jsquash/* (Squoosh's builds of mozjpeg, libwebp and
// libavif), and our JS JPEG encoder and PNG codec (jpeg-encoder.ts, png-codec.ts say why).
// Workers cannot compile WASM from bytes at run time, so each .wasm file is imported as a module
// (wrangler and the vitest pool turn `*.wasm` imports into CompiledWasm) and handed over.
//
// Decoders get a fresh instance for every image: an Emscripten heap grows to the largest image
// it has seen and never shrinks, so a long-lived instance would pin the peak of the biggest
// upload for the isolate's lifetime. A dropped instance is collected with its memory.

import decodeJpegWasm, { init as initJpegDecoder } from "@jsquash/jpeg/decode";
import decodeWebpWasm, { init as initWebpDecoder } from "@jsquash/webp/decode";
import decodeAvifWasm, { init as initAvifDecoder } from "@jsquash/avif/decode";
import jpegDecoderModule from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm";
import webpDecoderModule from "@jsquash/webp/codec/dec/webp_dec.wasm";
import avifDecoderModule from "@jsquash/avif/codec/dec/avif_dec.wasm";
import { encodeBaselineJpeg } from "./jpeg-encoder";
import { asView, type PixelView, type Pixels } from "./pixels";

type EmscriptenInit = (module: WebAssembly.Module, options: object) => Promise<void>;

/** Largest linear memory of each codec's instances since the last reset: bench/media-cost.ts reads it. */
const liveMemories = new Map<WebAssembly.Memory, string>();

export function wasmMemoryHighWater(): Record<string, number> {
  const peaks: Record<string, number> = {};
  for (const [m, codec] of liveMemories) peaks[codec] = Math.max(peaks[codec] ?? 0, m.buffer.byteLength);
  return peaks;
}

export function resetWasmMemoryHighWater(): void {
  liveMemories.clear();
}

function trackMemory(instance: WebAssembly.Instance, codec: string): void {
  for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) liveMemories.set(value, codec);
}

/** What the codec last printed to stderr (libjpeg's "Bogus Huffman table definition"...). */
let codecMessage = "";

/** A new Emscripten instance of `module` for the next call of the codec it belongs to. */
async function freshInstance(init: EmscriptenInit, module: WebAssembly.Module, codec: string): Promise<void> {
  codecMessage = "";
  await init(module, {
    // Kept as the error's reason instead of going to the Worker's log.
    print: () => undefined,
    printErr: (text: string) => {
      codecMessage = text;
    },
    instantiateWasm(imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance) => void) {
      const instance = new WebAssembly.Instance(module, imports);
      trackMemory(instance, codec);
      done(instance);
      return instance.exports;
    },
  });
}

function asPixels(decoded: { data: Uint8ClampedArray; width: number; height: number }): Pixels {
  return { data: decoded.data, width: decoded.width, height: decoded.height };
}

/** Runs a decode, reporting the codec's own message when it fails. */
async function decodeWith(run: () => Promise<unknown>): Promise<Pixels> {
  try {
    const decoded = await run();
    if (!decoded) throw new Error("not decodable");
    return asPixels(decoded as { data: Uint8ClampedArray; width: number; height: number });
  } catch (e) {
    throw new Error(codecMessage || (e instanceof Error ? e.message : String(e)));
  }
}

export async function decodeJpeg(bytes: ArrayBuffer): Promise<Pixels> {
  await freshInstance(initJpegDecoder as EmscriptenInit, jpegDecoderModule, "jpeg-decoder");
  return decodeWith(() => decodeJpegWasm(bytes));
}

export async function decodeWebp(bytes: ArrayBuffer): Promise<Pixels> {
  await freshInstance(initWebpDecoder as EmscriptenInit, webpDecoderModule, "webp-decoder");
  return decodeWith(() => decodeWebpWasm(bytes));
}

export async function decodeAvif(bytes: ArrayBuffer): Promise<Pixels> {
  await freshInstance(initAvifDecoder as EmscriptenInit, avifDecoderModule, "avif-decoder");
  return decodeWith(() => decodeAvifWasm(bytes));
}

/** Baseline JPEG, 4:2:0, from our own encoder (jpeg-encoder.ts says why not mozjpeg). */
export async function encodeJpeg(p: Pixels | PixelView, quality = 85): Promise<Uint8Array> {
  return encodeBaselineJpeg(asView(p), quality);
}

export { decodePng, encodePng } from "./png-codec";
