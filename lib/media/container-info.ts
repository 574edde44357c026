/** What a video or audio container says about its contents. Absent fields: the file does not say. */
export interface ContainerInfo {
  /** Seconds. */
  duration?: number;
  /** Display size of the first video track (after a rotation matrix, for MP4/MOV). */
  width?: number;
  height?: number;
  /** Frames per second of the first video track. */
  fps?: number;
  /** Bits per second: from the container, or file size over duration. */
  bitrate?: number;
  audioSampleRate?: number;
  audioChannels?: number;
  hasVideo: boolean;
  hasAudio: boolean;
}

/** Which metadata a scrub removed in place, and which it knowingly left (format, where). */
export interface ScrubReport {
  /** The file to store: the input minus leading/trailing tags (a view of the same buffer). */
  bytes: Uint8Array;
  removed: string[];
  left: string[];
}

/** Fills in the overall bitrate from size and duration when the container gave none. */
export function withBitrate(info: ContainerInfo, fileSize: number): ContainerInfo {
  if (info.bitrate || !info.duration) return info;
  return { ...info, bitrate: Math.round((fileSize * 8) / info.duration) };
}
