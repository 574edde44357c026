import { describe, expect, it } from "vitest";
import { processImage, processProfileImage } from "../../lib/media";
import { decodeImage } from "../../lib/media/decode";
import { encodeJpeg } from "../../lib/media/codecs";
import type { ImageVariant } from "../../lib/media/variant";
import { animatedGif, containsText, contains, gpsLatitudeBytes, jpegWithMetadata, MARKER, pixelsOf, pngWithMetadata, redCorner, webpWithMetadata } from "./media-fixtures";
import { mediaFixture } from "./media-files";

function outputsOf(v: { original: ImageVariant; small: ImageVariant }): ImageVariant[] {
  return [v.original, v.small];
}

function expectClean(variant: ImageVariant): void {
  expect(containsText(variant.bytes, MARKER)).toBe(false);
  expect(contains(variant.bytes, gpsLatitudeBytes())).toBe(false);
  expect(containsText(variant.bytes, "Exif")).toBe(false);
  expect(containsText(variant.bytes, "ICC_PROFILE")).toBe(false);
  expect(containsText(variant.bytes, "http://ns.adobe.com")).toBe(false);
}

async function pixelAt(variant: ImageVariant, x: number, y: number): Promise<number[]> {
  const p = await decodeImage(variant.bytes, variant.mime);
  const i = (y * p.width + x) * 4;
  return Array.from(p.data.subarray(i, i + 4));
}

const isRed = (px: number[]) => px[0] > 200 && px[2] < 60;
const isBlue = (px: number[]) => px[2] > 200 && px[0] < 60;

describe("processImage: JPEG", () => {
  it("removes EXIF (GPS, text), XMP, ICC, IPTC, comments and trailing bytes from every output", async () => {
    const jpeg = await jpegWithMetadata(pixelsOf(64, 32, redCorner(64, 32)), 1);
    expect(containsText(jpeg, MARKER)).toBe(true);
    expect(contains(jpeg, gpsLatitudeBytes())).toBe(true);
    const result = await processImage(jpeg);
    if (!result.ok) throw new Error(result.error);
    for (const v of outputsOf(result.value)) expectClean(v);
    expect(result.value.original).toMatchObject({ mime: "image/jpeg", width: 64, height: 32, aspect: 2 });
    expect(result.value.original.size).toBe(result.value.original.bytes.length);
    expect(isRed(await pixelAt(result.value.original, 4, 4))).toBe(true);
  });

  it("turns an orientation-6 image upright: sides swap, the top-left corner goes top-right", async () => {
    const jpeg = await jpegWithMetadata(pixelsOf(64, 32, redCorner(64, 32)), 6);
    const result = await processImage(jpeg);
    if (!result.ok) throw new Error(result.error);
    const { original, small } = result.value;
    expect([original.width, original.height]).toEqual([32, 64]);
    expect([small.width, small.height]).toEqual([32, 64]);
    for (const v of outputsOf(result.value)) expectClean(v);
    expect(isRed(await pixelAt(original, 28, 4))).toBe(true);
    expect(isBlue(await pixelAt(original, 4, 4))).toBe(true);
    expect(isBlue(await pixelAt(original, 28, 60))).toBe(true);
  });

  it("scales down to the pixel limit and makes a preview within 640×640", async () => {
    const jpeg = await encodeJpeg(pixelsOf(1600, 900, (x, y) => [x % 256, y % 256, 128, 255]));
    const result = await processImage(jpeg, { maxPixels: 400_000 });
    if (!result.ok) throw new Error(result.error);
    const { original, small, blurhash } = result.value;
    expect(original.width * original.height).toBeLessThanOrEqual(400_000);
    expect(Math.abs(original.aspect - 16 / 9)).toBeLessThan(0.01);
    expect([small.width, small.height]).toEqual([640, 360]);
    expect(small.mime).toBe("image/jpeg");
    expect(blurhash).toMatch(/^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{36}$/);
  });

  it("refuses an upload over the byte limit", async () => {
    const jpeg = await encodeJpeg(pixelsOf(64, 64, (x, y) => [x, y, 0, 255]));
    expect(await processImage(jpeg, { maxBytes: 100 })).toEqual({ ok: false, error: "The image is larger than 100 bytes" });
  });

  it("refuses an image over the matrix limit before decoding it", async () => {
    const jpeg = await encodeJpeg(pixelsOf(300, 200, () => [1, 2, 3, 255]));
    const result = await processImage(jpeg, { matrixLimit: 50_000 });
    expect(result).toEqual({ ok: false, error: expect.stringContaining("300×200") });
  });

  it("holds progressive JPEGs to a lower pixel limit (their decoder needs more memory)", async () => {
    const jpeg = await encodeJpeg(pixelsOf(32, 16, () => [9, 9, 9, 255]));
    const sof = jpeg.findIndex((b, i) => b === 0xff && jpeg[i + 1] === 0xc0);
    const forged = jpeg.slice();
    forged[sof + 1] = 0xc2; // SOF2: progressive
    forged.set([3000 >> 8, 3000 & 0xff, 4000 >> 8, 4000 & 0xff], sof + 5); // claims 4000×3000
    expect(await processImage(forged)).toEqual({ ok: false, error: "The progressive JPEG is 4000×3000 pixels; at most 8,294,400 pixels are accepted" });
  });

  it("returns an error value for a truncated or corrupt JPEG", async () => {
    const jpeg = await encodeJpeg(pixelsOf(200, 100, (x, y) => [x, y, 0, 255]));
    for (const broken of [jpeg.subarray(0, jpeg.length >> 1), jpeg.subarray(0, 40), corrupt(jpeg)]) {
      const result = await processImage(broken);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(/\w/);
    }
  });
});

function corrupt(jpeg: Uint8Array): Uint8Array {
  const out = jpeg.slice();
  for (let i = 200; i < out.length - 2; i += 7) out[i] = 0xff;
  return out;
}

describe("processImage: PNG, GIF, WebP", () => {
  it("keeps PNG transparency, drops its text and EXIF chunks", async () => {
    const png = await pngWithMetadata(pixelsOf(40, 40, (x) => (x < 20 ? [255, 0, 0, 0] : [0, 255, 0, 128])));
    const result = await processImage(png);
    if (!result.ok) throw new Error(result.error);
    const { original, small } = result.value;
    expect(original.mime).toBe("image/png");
    expect(small.mime).toBe("image/png");
    for (const v of [original, small]) {
      expectClean(v);
      expect(containsText(v.bytes, "tEXt")).toBe(false);
      expect((await pixelAt(v, 5, 5))[3]).toBe(0);
      expect((await pixelAt(v, 35, 5))[3]).toBe(128);
    }
  });

  it("applies a PNG's eXIf orientation too", async () => {
    const png = await pngWithMetadata(pixelsOf(30, 10, redCorner(30, 10)), 8);
    const result = await processImage(png);
    if (!result.ok) throw new Error(result.error);
    expect([result.value.original.width, result.value.original.height]).toEqual([10, 30]);
    expect(isRed(await pixelAt(result.value.original, 2, 27))).toBe(true);
  });

  it("keeps an animated GIF animated, minus comments and foreign application blocks, with a still preview", async () => {
    const gif = animatedGif(20, 10, 3);
    const result = await processImage(gif);
    if (!result.ok) throw new Error(result.error);
    const { original, small, animated } = result.value;
    expect(animated).toBe(true);
    expect(original).toMatchObject({ mime: "image/gif", width: 20, height: 10 });
    expect(containsText(original.bytes, MARKER)).toBe(false);
    expect(containsText(original.bytes, "NETSCAPE2.0")).toBe(true);
    expect(original.bytes.length).toBeLessThan(gif.length);
    const frames = await import("omggif").then(({ GifReader }) => new GifReader(original.bytes).numFrames());
    expect(frames).toBe(3);
    expect(small.mime).toBe("image/jpeg");
    expect(isRed(await pixelAt(small, 5, 5))).toBe(true);
  });

  it("treats a one-frame GIF as a still image", async () => {
    const result = await processImage(animatedGif(8, 8, 1));
    if (!result.ok) throw new Error(result.error);
    expect(result.value.animated).toBe(false);
  });
});

describe("processImage: WebP and AVIF", () => {
  it("keeps an upright WebP as WebP without its EXIF and XMP chunks", async () => {
    const webp = webpWithMetadata(mediaFixture("stillWebp"), 64, 48, 1);
    expect(containsText(webp, MARKER)).toBe(true);
    const result = await processImage(webp);
    if (!result.ok) throw new Error(result.error);
    const { original, small } = result.value;
    expect(original).toMatchObject({ mime: "image/webp", width: 64, height: 48 });
    expect(containsText(original.bytes, "EXIF")).toBe(false);
    expect(containsText(original.bytes, "XMP")).toBe(false);
    expect(original.bytes[20] & 0x0c).toBe(0); // VP8X flags no longer announce EXIF/XMP
    expectClean(original);
    expectClean(small);
    expect((await decodeImage(original.bytes, "image/webp")).width).toBe(64);
  });

  it("turns a WebP with EXIF orientation 6 upright, as JPEG", async () => {
    const result = await processImage(webpWithMetadata(mediaFixture("stillWebp"), 64, 48, 6));
    if (!result.ok) throw new Error(result.error);
    expect(result.value.original).toMatchObject({ mime: "image/jpeg", width: 48, height: 64 });
    expectClean(result.value.original);
  });

  it("refuses an animated WebP with a message that says so", async () => {
    const webp = webpWithMetadata(mediaFixture("stillWebp"), 64, 48, 1);
    webp[20] |= 0x02; // VP8X animation flag
    expect(await processImage(webp)).toEqual({ ok: false, error: "Animated WebP images are not supported: upload a GIF or a video" });
  });

  it("keeps a WebP's transparency", async () => {
    const result = await processImage(mediaFixture("alphaWebp"));
    if (!result.ok) throw new Error(result.error);
    expect(result.value.original.mime).toBe("image/webp");
    expect(result.value.small.mime).toBe("image/png");
    expect((await pixelAt(result.value.small, 3, 3))[3]).toBeGreaterThan(100);
    expect((await pixelAt(result.value.small, 3, 3))[3]).toBeLessThan(160);
  });

  it("decodes AVIF and stores it as JPEG", async () => {
    const result = await processImage(mediaFixture("stillAvif"));
    if (!result.ok) throw new Error(result.error);
    expect(result.value.original).toMatchObject({ mime: "image/jpeg", width: 64, height: 48 });
    expect(result.value.small).toMatchObject({ mime: "image/jpeg", width: 64, height: 48 });
    expect(await processImage(mediaFixture("stillAvif"), { matrixLimit: 3000 })).toEqual({ ok: false, error: "The AVIF image is 64×48 pixels; at most 3,000 pixels are accepted" });
  });

  it("refuses HEIC with a message that says so", async () => {
    const heic = new Uint8Array([0, 0, 0, 24, ...new TextEncoder().encode("ftypheic"), 0, 0, 0, 0, ...new TextEncoder().encode("heicmif1"), 0, 0, 0, 8, ...new TextEncoder().encode("free")]);
    expect(await processImage(heic)).toEqual({ ok: false, error: expect.stringMatching(/image\/heic images cannot be processed/) });
  });
});

describe("processImage: what is not an image", () => {
  const disguised = {
    html: "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    svg: '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
    text: "just some text saved as photo.jpg",
  };
  for (const [name, body] of Object.entries(disguised)) {
    it(`refuses ${name} whatever it is called`, async () => {
      const result = await processImage(new TextEncoder().encode(body));
      expect(result).toEqual({ ok: false, error: expect.stringMatching(/Not a supported image/) });
    });
  }
});

describe("processProfileImage", () => {
  it("fills and crops an avatar to exactly 400×400 and a header to 1500×500", async () => {
    const jpeg = await jpegWithMetadata(pixelsOf(300, 200, redCorner(300, 200)), 1);
    const avatar = await processProfileImage(jpeg, "avatar");
    const header = await processProfileImage(jpeg, "header");
    if (!avatar.ok || !header.ok) throw new Error("failed");
    expect([avatar.value.static.width, avatar.value.static.height]).toEqual([400, 400]);
    expect([header.value.static.width, header.value.static.height]).toEqual([1500, 500]);
    expect(avatar.value.image).toBe(avatar.value.static);
    expectClean(avatar.value.static);
    expectClean(header.value.static);
  });

  it("crops an upright-turned avatar from the right part of the picture", async () => {
    const jpeg = await jpegWithMetadata(pixelsOf(200, 100, redCorner(200, 100)), 6);
    const avatar = await processProfileImage(jpeg, "avatar");
    if (!avatar.ok) throw new Error(avatar.error);
    // Upright the picture is 100×200 with red in its top-right quarter.
    expect(isRed(await pixelAt(avatar.value.static, 390, 10))).toBe(true);
    expect(isBlue(await pixelAt(avatar.value.static, 10, 390))).toBe(true);
  });

  it("keeps an animated avatar and adds a static first frame", async () => {
    const result = await processProfileImage(animatedGif(30, 30, 2), "avatar");
    if (!result.ok) throw new Error(result.error);
    expect(result.value.animated).toBe(true);
    expect(result.value.image.mime).toBe("image/gif");
    expect(containsText(result.value.image.bytes, MARKER)).toBe(false);
    expect([result.value.static.width, result.value.static.height]).toEqual([400, 400]);
  });
});
