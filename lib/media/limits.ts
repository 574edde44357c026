// The one place media limits live. /api/v2/instance (configuration.media_attachments) and the
// upload routes read these; the library functions take them as defaults.

export const MEDIA_LIMITS = {
  /** Bytes. Mastodon's default. */
  image_size_limit: 16 * 1024 * 1024,
  /**
   * Bytes. Mastodon allows 99 MB, but a Worker buffers the whole multipart body in its 128 MB
   * isolate (formData() holds the File in memory), so 40 MB keeps room for the rest of the request.
   */
  video_size_limit: 40 * 1024 * 1024,
  /**
   * Pixels of an image we agree to decode. Mastodon advertises 33,177,600 (7680×4320), but the
   * WASM JPEG decoder holds the RGBA pixels in its heap while it copies them out, so decoding
   * peaks at ~8 bytes a pixel: bench/media-cost.ts measures +98 MiB for a 12.2 MP JPEG, +142 MiB
   * for 16.8 MP and +202 MiB for 24 MP in workerd. 4096×3072 (12.6 MP, every 12 MP phone camera)
   * is the most that fits in a Worker's 128 MB beside the Worker's own heap.
   */
  image_matrix_limit: 4096 * 3072,
  /**
   * Pixels of a progressive JPEG: its decoder also holds every DCT coefficient (~11 bytes a
   * pixel at the peak; +132 MiB measured for 12.2 MP), so it gets Mastodon's output size.
   */
  progressive_jpeg_matrix_limit: 3840 * 2160,
  /** Pixels of an AVIF: libavif's heap needs ~16 bytes a pixel (68 MiB at 4.1 MP, 182 MiB at 12.2 MP). */
  avif_matrix_limit: 2048 * 2048,
  /**
   * Pixels of a stored original; larger ones are scaled down (processImage's `maxPixels`).
   * Mastodon scales to 3840×2160 (8,294,400), which would re-encode every 12 MP photo: 1.0 s of
   * CPU instead of 0.36 s and a generation of JPEG loss. At the decode limit, an upright JPEG,
   * PNG or WebP is kept as uploaded minus its metadata.
   */
  image_output_pixel_limit: 4096 * 3072,
  /** The `small` preview fits in this box (both sides). */
  small_preview_box: 640,
  /** Pixels of a video frame (Mastodon's default, 4K). */
  video_matrix_limit: 3840 * 2160,
  /** Frames per second (Mastodon's default). */
  video_frame_rate_limit: 120,
  /** Characters of a media description (Mastodon's default). */
  description_limit: 1500,
  /** Bytes of an avatar or header upload (Mastodon: 8 MB). */
  profile_image_size_limit: 8 * 1024 * 1024,
  /** Profile pictures: Mastodon fills and crops to these exact sizes. */
  avatar_size: { width: 400, height: 400 },
  header_size: { width: 1500, height: 500 },
  /** The types detect.ts recognises and the library processes, as advertised to clients. */
  supported_mime_types: [
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/avif",
    "video/mp4",
    "video/quicktime",
    "video/webm",
    "video/ogg",
    "audio/mpeg",
    "audio/mp3",
    "audio/ogg",
    "audio/vorbis",
    "audio/opus",
    "audio/wav",
    "audio/wave",
    "audio/x-wav",
    "audio/flac",
    "audio/mp4",
    "audio/m4a",
    "audio/x-m4a",
    "audio/aac",
  ],
} as const;

export type MediaLimits = typeof MEDIA_LIMITS;
