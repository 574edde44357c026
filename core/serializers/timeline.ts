import type { ConversationRecord, MarkerRecord, ViewerFlags } from "../../schemas/records";
import { serializeAccount, type Origin } from "./account";
import { serializeViewedStatus } from "./filter";

/** Conversation entity (https://docs.joinmastodon.org/entities/Conversation/). */
export function serializeConversation(c: ConversationRecord, o: Origin, flags: Record<string, ViewerFlags>) {
  return {
    id: c.id,
    unread: c.unread,
    accounts: c.accounts.map((a) => serializeAccount(a, o)),
    last_status: serializeViewedStatus(c.last_status, o, { flags, filtered: {} }),
  };
}

/** `{home: Marker, notifications: Marker}` with only the markers that exist. */
export function serializeMarkers(markers: Partial<Record<string, MarkerRecord>>) {
  const out: Record<string, MarkerRecord> = {};
  for (const [timeline, m] of Object.entries(markers)) {
    if (m) out[timeline] = { last_read_id: m.last_read_id, version: m.version, updated_at: m.updated_at };
  }
  return out;
}
