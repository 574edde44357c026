import { describe, expect, it } from "vitest";
import { detectMedia, processImage, readContainerInfo, scrubContainerMetadata } from "../../lib/media";
import { animatedGif, jpegWithMetadata, pixelsOf, pngWithMetadata, redCorner } from "./media-fixtures";
import { mediaFixture, type MediaFixture } from "./media-files";

// Damaged files: every public function must answer (a value, never an exception or a hang).

function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

/** Truncations and random byte changes of `bytes`, deterministic for a seed. */
function damaged(bytes: Uint8Array, count: number, seed: number): Uint8Array[] {
  const next = random(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 3 === 0) {
      out.push(bytes.slice(0, Math.floor(next() * bytes.length)));
      continue;
    }
    const copy = bytes.slice();
    const changes = 1 + Math.floor(next() * 8);
    for (let k = 0; k < changes; k++) copy[Math.floor(next() * copy.length)] = Math.floor(next() * 256);
    out.push(copy);
  }
  return out;
}

describe("damaged input", () => {
  it("processImage answers every damaged JPEG, PNG and GIF with a value", async () => {
    const images = [
      await jpegWithMetadata(pixelsOf(48, 32, redCorner(48, 32)), 6),
      await pngWithMetadata(pixelsOf(24, 24, (x) => [x * 10, 0, 0, 128])),
      animatedGif(16, 8, 3),
    ];
    for (const [i, image] of images.entries()) {
      for (const bytes of damaged(image, 40, i + 1)) {
        const result = await processImage(bytes);
        expect(typeof result.ok).toBe("boolean");
        if (!result.ok) expect(result.error.length).toBeGreaterThan(5);
      }
    }
  });

  const containers: Array<[MediaFixture, string]> = [
    ["clipMp4", "video/mp4"], ["clipWebm", "video/webm"], ["clipTheora", "video/ogg"], ["toneMp3", "audio/mpeg"],
    ["toneOgg", "audio/ogg"], ["toneWav", "audio/wav"], ["toneFlac", "audio/flac"], ["toneAac", "audio/aac"],
  ];
  it("readContainerInfo, scrubContainerMetadata and detectMedia answer every damaged container", async () => {
    for (const [i, [name, mime]] of containers.entries()) {
      for (const bytes of damaged(mediaFixture(name), 60, 100 + i)) {
        expect(typeof readContainerInfo(bytes, mime).ok).toBe("boolean");
        expect(scrubContainerMetadata(bytes.slice(), mime).bytes).toBeInstanceOf(Uint8Array);
        await detectMedia(bytes);
      }
    }
  });
});
