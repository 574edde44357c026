import type { ScheduledRecord } from "../../schemas/records";
import type { Origin } from "./account";
import { serializeMediaAttachment } from "./media";

/** ScheduledStatus entity, with the uploads it will publish. */
export function serializeScheduled(r: ScheduledRecord, o: Origin) {
  return { id: r.id, scheduled_at: r.scheduled_at, params: r.params, media_attachments: (r.media_attachments ?? []).map((m) => serializeMediaAttachment(m, o)) };
}
