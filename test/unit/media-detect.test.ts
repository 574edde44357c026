import { describe, expect, it } from "vitest";
import { detectMedia } from "../../lib/media";
import { encodeJpeg, encodePng } from "../../lib/media/codecs";
import { animatedGif, pixelsOf } from "./media-fixtures";
import { mediaFixture, type MediaFixture } from "./media-files";

const text = (s: string) => new TextEncoder().encode(s);

describe("detectMedia", () => {
  const files: Array<[MediaFixture, string, string]> = [
    ["clipMp4", "video/mp4", "video"],
    ["clipMov", "video/quicktime", "video"],
    ["clipWebm", "video/webm", "video"],
    ["clipTheora", "video/ogg", "video"],
    ["toneMp3", "audio/mpeg", "audio"],
    ["toneOgg", "audio/ogg", "audio"],
    ["toneOpus", "audio/ogg", "audio"],
    ["toneWav", "audio/wav", "audio"],
    ["toneFlac", "audio/flac", "audio"],
    ["toneM4a", "audio/mp4", "audio"],
    ["toneAac", "audio/aac", "audio"],
  ];
  for (const [name, mime, kind] of files) {
    it(`recognises ${name} as ${mime}`, async () => {
      expect(await detectMedia(mediaFixture(name))).toEqual({ mime, kind, animated: false, decodable: true });
    });
  }

  it("recognises still images and tells an animated GIF", async () => {
    const p = pixelsOf(4, 4, () => [0, 0, 0, 255]);
    expect(await detectMedia(await encodeJpeg(p))).toMatchObject({ mime: "image/jpeg", kind: "image" });
    expect(await detectMedia(await encodePng(p))).toMatchObject({ mime: "image/png", kind: "image" });
    expect(await detectMedia(animatedGif(4, 4, 2))).toMatchObject({ mime: "image/gif", animated: true });
    expect(await detectMedia(animatedGif(4, 4, 1))).toMatchObject({ mime: "image/gif", animated: false });
  });

  it("recognises WebP, AVIF and HEIC headers; HEIC is marked not decodable", async () => {
    const riff = new Uint8Array([...text("RIFF"), 26, 0, 0, 0, ...text("WEBPVP8L"), 13, 0, 0, 0, 0x2f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(await detectMedia(riff)).toMatchObject({ mime: "image/webp" });
    const ftyp = (brand: string) => new Uint8Array([0, 0, 0, 24, ...text("ftyp"), ...text(brand), 0, 0, 0, 0, ...text(brand), ...text("mif1"), 0, 0, 0, 8, ...text("free")]);
    expect(await detectMedia(ftyp("avif"))).toMatchObject({ mime: "image/avif", decodable: true });
    expect(await detectMedia(ftyp("heic"))).toMatchObject({ mime: "image/heic", decodable: false });
  });

  it("does not recognise HTML, SVG, text or empty input, whatever they would be called", async () => {
    for (const body of [
      "<!doctype html><html><img src=x onerror=alert(1)></html>",
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
      '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
      "GIF89a is how this text starts, but it is text",
      "",
    ]) {
      expect(await detectMedia(text(body))).toBeNull();
    }
    expect(await detectMedia(new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 10, 10, 10, 10]))).toBeNull(); // %PDF-1.7
  });
});
