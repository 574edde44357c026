import type { MediaRecord, MediaType } from "../../schemas/media";
import type { InboundAttachment } from "./inbound";

/**
 * A remote status's attachments as media records. Files stay on their origin server: `url` and
 * `remote_url` are the remote URL (see ARCHITECTURE, "Media"). An attachment keeps its local id
 * across edits when its URL is unchanged.
 */
export function remoteMedia(attachments: InboundAttachment[], newId: () => string, previous: MediaRecord[] = []): MediaRecord[] {
  return attachments.map((a) => {
    const kept = previous.find((m) => m.remote_url === a.url);
    const original = a.width && a.height ? { width: a.width, height: a.height, size: `${a.width}x${a.height}`, aspect: a.width / a.height } : undefined;
    return {
      id: kept?.id ?? newId(),
      type: mediaTypeOf(a),
      key: null,
      preview_key: null,
      remote_url: a.url,
      preview_remote_url: null,
      mime_type: a.mediaType,
      meta: {
        ...(original ? { original } : {}),
        ...(a.focalPoint ? { focus: { x: clamp(a.focalPoint[0]), y: clamp(a.focalPoint[1]) } } : {}),
      },
      description: a.name,
      blurhash: a.blurhash,
    };
  });
}

function mediaTypeOf(a: InboundAttachment): MediaType {
  const major = (a.mediaType ?? "").split("/")[0];
  if (major === "image") return a.mediaType === "image/gif" && a.type === "Video" ? "gifv" : "image";
  if (major === "video") return "video";
  if (major === "audio") return "audio";
  if (a.type === "Image") return "image";
  if (a.type === "Video") return "video";
  if (a.type === "Audio") return "audio";
  return "unknown";
}

const clamp = (n: number) => Math.max(-1, Math.min(1, n));
