import type { MediaRecord } from "../../schemas/media";
import { mediaUrl } from "../media/files";
import type { Origin } from "./account";

/** MediaAttachment entity (https://docs.joinmastodon.org/entities/MediaAttachment/). */
export function serializeMediaAttachment(m: MediaRecord, o: Origin) {
  const local = (key: string | null) => (key ? mediaUrl(key, o.origin, o.mediaOrigin) : null);
  const url = m.key ? local(m.key) : m.remote_url;
  return {
    id: m.id,
    type: m.type,
    url,
    preview_url: m.preview_key ? local(m.preview_key) : (m.preview_remote_url ?? (m.type === "image" ? url : null)),
    remote_url: m.remote_url,
    preview_remote_url: m.preview_remote_url,
    text_url: null,
    meta: m.meta,
    description: m.description,
    blurhash: m.blurhash,
  };
}
