import { encode } from "blurhash";
import { fitBox, type PixelView } from "./pixels";
import { resize } from "./resize";

/** Mastodon's BlurHash: 4×4 components, computed here on a copy at most 64 px a side (cost grows with pixels). */
export function blurhashOf(p: PixelView): string {
  const size = fitBox(p.width, p.height, 64, 64);
  const tiny = resize(p, size.width, size.height);
  return encode(tiny.data, tiny.width, tiny.height, 4, 4);
}
