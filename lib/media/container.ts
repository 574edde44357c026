// Video and audio files are stored as uploaded; this reads what their containers say (duration,
// size, frame rate, bitrate) for the attachment's meta and the limits, and removes the tags that
// can be removed without rewriting the file. Entry points for a type found by detect.ts.

import { readBmffInfo, scrubBmff } from "./bmff";
import { withBitrate, type ContainerInfo, type ScrubReport } from "./container-info";
import { readWebmInfo } from "./ebml";
import { MEDIA_LIMITS } from "./limits";
import { readAdtsInfo, readMp3Info, scrubMp3 } from "./mpeg-audio";
import { readOggInfo } from "./ogg";
import { fail, ok, type MediaResult } from "./result";
import { readFlacInfo, readWavInfo, scrubFlac, scrubWav } from "./riff-flac";

export type { ContainerInfo, ScrubReport } from "./container-info";

const READERS: Record<string, (b: Uint8Array) => ContainerInfo | null> = {
  "video/mp4": readBmffInfo,
  "video/quicktime": readBmffInfo,
  "audio/mp4": readBmffInfo,
  "video/webm": readWebmInfo,
  "video/ogg": readOggInfo,
  "audio/ogg": readOggInfo,
  "audio/mpeg": readMp3Info,
  "audio/aac": readAdtsInfo,
  "audio/wav": readWavInfo,
  "audio/flac": readFlacInfo,
};

export interface ContainerLimits {
  video_matrix_limit: number;
  video_frame_rate_limit: number;
}

/** Reads a container of type `mime` (from detectMedia) and checks it against the video limits. */
export function readContainerInfo(bytes: Uint8Array, mime: string, limits: ContainerLimits = MEDIA_LIMITS): MediaResult<ContainerInfo> {
  const reader = READERS[mime];
  if (!reader) return fail(`${mime} is not a video or audio type we read`);
  let info: ContainerInfo | null;
  try {
    info = reader(bytes);
  } catch {
    info = null;
  }
  if (!info) return fail(`The ${mime} file's structure cannot be read`);
  const pixels = (info.width ?? 0) * (info.height ?? 0);
  if (pixels > limits.video_matrix_limit) {
    return fail(`The video is ${info.width}×${info.height}; at most ${limits.video_matrix_limit.toLocaleString("en")} pixels a frame are accepted`);
  }
  if ((info.fps ?? 0) > limits.video_frame_rate_limit) {
    return fail(`The video runs at ${info.fps} frames per second; at most ${limits.video_frame_rate_limit} are accepted`);
  }
  return ok(withBitrate(info, bytes.length));
}

/**
 * Removes tags (titles, comments, cover art, GPS) where it is cheap and safe. MUTATES `bytes`:
 * MP4/MOV/M4A tag boxes, WAV tag chunks and FLAC tag blocks are blanked in place (same size, so
 * nothing else moves); MP3/AAC tags at either end are cut off (the result is a view of `bytes`).
 * WebM Tags and Ogg comment headers are left: removing them means rewriting the stream (Ogg
 * pages carry checksums and sequence numbers).
 */
export function scrubContainerMetadata(bytes: Uint8Array, mime: string): ScrubReport {
  try {
    switch (mime) {
      case "video/mp4":
      case "video/quicktime":
      case "audio/mp4":
        return scrubBmff(bytes);
      case "audio/mpeg":
      case "audio/aac":
        return scrubMp3(bytes);
      case "audio/wav":
        return scrubWav(bytes);
      case "audio/flac":
        return scrubFlac(bytes);
      case "video/webm":
        return { bytes, removed: [], left: ["WebM Tags"] };
      case "video/ogg":
      case "audio/ogg":
        return { bytes, removed: [], left: ["Ogg comment header"] };
      default:
        return { bytes, removed: [], left: [`${mime}: not a type this reads`] };
    }
  } catch {
    return { bytes, removed: [], left: ["unreadable structure: nothing removed"] };
  }
}
