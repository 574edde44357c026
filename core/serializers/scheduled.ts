import type { ScheduledRecord } from "../../schemas/records";

/** ScheduledStatus entity. Media uploads do not exist yet, so there are never attachments. */
export function serializeScheduled(r: ScheduledRecord) {
  return { id: r.id, scheduled_at: r.scheduled_at, params: r.params, media_attachments: [] as unknown[] };
}
