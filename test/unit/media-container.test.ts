import { describe, expect, it } from "vitest";
import { readContainerInfo, scrubContainerMetadata } from "../../lib/media";
import { containsText, MARKER } from "./media-fixtures";
import { mediaFixture, type MediaFixture } from "./media-files";

function info(name: MediaFixture, mime: string) {
  const result = readContainerInfo(mediaFixture(name), mime);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

describe("readContainerInfo", () => {
  it("reads an MP4's duration, size, frame rate, bitrate and audio", () => {
    const mp4 = info("clipMp4", "video/mp4");
    expect(mp4).toMatchObject({ width: 64, height: 48, fps: 10, hasVideo: true, hasAudio: true, audioSampleRate: 44100, audioChannels: 1 });
    expect(mp4.duration).toBeCloseTo(1, 1);
    expect(mp4.bitrate).toBeGreaterThan(10_000);
  });

  it("reads MOV and WebM", () => {
    expect(info("clipMov", "video/quicktime")).toMatchObject({ width: 64, height: 48, fps: 10, hasVideo: true });
    const webm = info("clipWebm", "video/webm");
    expect(webm).toMatchObject({ width: 64, height: 48, hasVideo: true });
    expect(webm.duration).toBeCloseTo(1, 2);
  });

  it("reads Theora in Ogg", () => {
    const ogv = info("clipTheora", "video/ogg");
    expect(ogv).toMatchObject({ width: 64, height: 48, fps: 10, hasVideo: true });
    expect(ogv.duration).toBeCloseTo(1, 1);
  });

  it("reads an MP3's duration from its Info header, with rate and bitrate", () => {
    const mp3 = info("toneMp3", "audio/mpeg");
    expect(mp3).toMatchObject({ hasAudio: true, hasVideo: false, audioSampleRate: 44100, audioChannels: 1 });
    expect(mp3.duration).toBeCloseTo(1.54, 1);
    expect(mp3.bitrate).toBeGreaterThan(30_000);
  });

  const audio: Array<[MediaFixture, string, number, number]> = [
    ["toneOgg", "audio/ogg", 1.5, 44100],
    ["toneOpus", "audio/ogg", 1.5, 48000],
    ["toneWav", "audio/wav", 0.5, 8000],
    ["toneFlac", "audio/flac", 1.5, 8000],
    ["toneM4a", "audio/mp4", 1.5, 44100],
    ["toneAac", "audio/aac", 1.5, 44100],
  ];
  for (const [name, mime, seconds, rate] of audio) {
    it(`reads ${name}: ${seconds} s at ${rate} Hz`, () => {
      const a = info(name, mime);
      expect(a.audioSampleRate).toBe(rate);
      expect(Math.abs((a.duration ?? 0) - seconds)).toBeLessThan(0.06);
      expect(a.bitrate).toBeGreaterThan(0);
    });
  }

  it("refuses a video over the frame or rate limits, and unreadable bytes, as values", () => {
    expect(readContainerInfo(mediaFixture("clipMp4"), "video/mp4", { video_matrix_limit: 1000, video_frame_rate_limit: 120 })).toEqual({ ok: false, error: expect.stringContaining("64×48") });
    expect(readContainerInfo(mediaFixture("clipMp4"), "video/mp4", { video_matrix_limit: 1e7, video_frame_rate_limit: 5 })).toEqual({ ok: false, error: expect.stringContaining("10 frames per second") });
    for (const mime of ["video/mp4", "video/webm", "audio/mpeg", "audio/ogg", "audio/wav", "audio/flac"]) {
      expect(readContainerInfo(new Uint8Array(64).fill(0xff), mime).ok).toBe(false);
      expect(readContainerInfo(mediaFixture("clipMp4").subarray(0, 40), mime).ok).toBe(false);
    }
  });
});

describe("scrubContainerMetadata", () => {
  for (const [name, mime] of [["clipMp4", "video/mp4"], ["clipMov", "video/quicktime"], ["toneM4a", "audio/mp4"], ["toneWav", "audio/wav"], ["toneFlac", "audio/flac"], ["toneMp3", "audio/mpeg"]] as const) {
    it(`removes the tags of ${name} and leaves it readable`, () => {
      const bytes = mediaFixture(name);
      expect(containsText(bytes, MARKER)).toBe(true);
      const before = readContainerInfo(bytes, mime);
      const report = scrubContainerMetadata(bytes, mime);
      expect(report.removed.length).toBeGreaterThan(0);
      expect(containsText(report.bytes, MARKER)).toBe(false);
      expect(containsText(report.bytes, "37.7749")).toBe(false);
      expect(readContainerInfo(report.bytes, mime)).toEqual(before.ok && report.bytes.length !== bytes.length ? { ok: true, value: expect.objectContaining({ duration: expect.any(Number) }) } : before);
    });
  }

  it("cuts an MP3's ID3v2 and ID3v1 tags off both ends", () => {
    const bytes = mediaFixture("toneMp3");
    const report = scrubContainerMetadata(bytes, "audio/mpeg");
    expect(report.removed).toEqual(["ID3v2", "ID3v1/APEv2"]);
    expect([report.bytes[0], report.bytes[1] & 0xe0]).toEqual([0xff, 0xe0]);
    expect(containsText(report.bytes, "TAG")).toBe(false);
  });

  it("blanks the MP4's udta (location, title) without moving the media data", () => {
    const bytes = mediaFixture("clipMp4");
    const length = bytes.length;
    const report = scrubContainerMetadata(bytes, "video/mp4");
    expect(report.removed).toContain("moov/udta");
    expect(report.bytes.length).toBe(length);
    expect(containsText(report.bytes, "loci")).toBe(false);
  });

  it("says what it leaves in WebM and Ogg", () => {
    expect(scrubContainerMetadata(mediaFixture("clipWebm"), "video/webm").left).toEqual(["WebM Tags"]);
    expect(scrubContainerMetadata(mediaFixture("toneOgg"), "audio/ogg").left).toEqual(["Ogg comment header"]);
  });
});
