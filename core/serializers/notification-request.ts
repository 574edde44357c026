import type { NotificationRequestRecord, ViewerFlags } from "../../schemas/records";
import { serializeAccount, type Origin } from "./account";
import { serializeViewedStatus } from "./filter";

/** NotificationRequest entity (https://docs.joinmastodon.org/entities/NotificationRequest/); the count is a string, as Mastodon sends it. */
export function serializeNotificationRequest(r: NotificationRequestRecord, o: Origin, flags: Record<string, ViewerFlags>) {
  return {
    id: r.id,
    created_at: r.created_at,
    updated_at: r.updated_at,
    account: serializeAccount(r.account, o),
    notifications_count: String(r.notifications_count),
    last_status: r.last_status ? serializeViewedStatus(r.last_status, o, { flags, filtered: {} }) : null,
  };
}
