// The ffmpeg-made fixtures (test/fixtures/media/make.sh), inlined by Vite as data: URLs.
import clipMp4 from "../fixtures/media/clip.mp4?inline";
import clipMov from "../fixtures/media/clip.mov?inline";
import clipWebm from "../fixtures/media/clip.webm?inline";
import clipTheora from "../fixtures/media/clip-theora.ogg?inline";
import toneMp3 from "../fixtures/media/tone.mp3?inline";
import toneOgg from "../fixtures/media/tone.ogg?inline";
import toneOpus from "../fixtures/media/tone.opus?inline";
import toneWav from "../fixtures/media/tone.wav?inline";
import toneFlac from "../fixtures/media/tone.flac?inline";
import toneM4a from "../fixtures/media/tone.m4a?inline";
import toneAac from "../fixtures/media/tone.aac?inline";
import stillAvif from "../fixtures/media/still.avif?inline";
import stillWebp from "../fixtures/media/still.webp?inline";
import alphaWebp from "../fixtures/media/alpha.webp?inline";

const urls = { clipMp4, clipMov, clipWebm, clipTheora, toneMp3, toneOgg, toneOpus, toneWav, toneFlac, toneM4a, toneAac, stillAvif, stillWebp, alphaWebp };
export type MediaFixture = keyof typeof urls;

/** A fresh copy of a fixture's bytes each call (the scrub functions mutate their input). */
export function mediaFixture(name: MediaFixture): Uint8Array {
  const base64 = urls[name].slice(urls[name].indexOf(",") + 1);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}
