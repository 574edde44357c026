// Avatars and headers: filled and centre-cropped to exact sizes (Mastodon: 400×400 and
// 1500×500), with a static rendition for animated GIFs. An animated GIF is kept as uploaded minus
// its metadata blocks rather than resized: resizing every frame would mean re-quantising a GIF
// encoder's palettes, and apps draw avatars scaled and cropped to their own frame anyway.

import { MEDIA_LIMITS } from "./limits";
import { loadImage, uprightAt } from "./load";
import { guarded, ok, fail, type MediaResult } from "./result";
import { oneAtATime } from "./serial";
import { encodeVariant, previewMimeFor, variantOf, type ImageVariant } from "./variant";

export type ProfileImageKind = "avatar" | "header";

export interface ProcessedProfileImage {
  /** What `avatar`/`header` points to: the animated GIF when there is one, otherwise `static`. */
  image: ImageVariant;
  /** Exact size, first frame: `avatar_static`/`header_static`. */
  static: ImageVariant;
  animated: boolean;
}

export function processProfileImage(bytes: Uint8Array, kind: ProfileImageKind): Promise<MediaResult<ProcessedProfileImage>> {
  return oneAtATime(() => guarded(`The ${kind} could not be processed`, () => processNow(bytes, kind)));
}

async function processNow(bytes: Uint8Array, kind: ProfileImageKind): Promise<MediaResult<ProcessedProfileImage>> {
  if (bytes.length > MEDIA_LIMITS.profile_image_size_limit) return fail(`The ${kind} is larger than ${MEDIA_LIMITS.profile_image_size_limit} bytes`);
  const loaded = await loadImage(bytes);
  if (!loaded.ok) return loaded;
  const image = loaded.value;
  const { width, height } = kind === "avatar" ? MEDIA_LIMITS.avatar_size : MEDIA_LIMITS.header_size;
  const pixels = uprightAt(image, width, height, true);
  const still = await encodeVariant(pixels, previewMimeFor(pixels));
  if (!image.animated || !image.stripped) return ok({ image: still, static: still, animated: false });
  const gif = variantOf(image.stripped, "image/gif", image.width, image.height);
  return ok({ image: gif, static: still, animated: true });
}
