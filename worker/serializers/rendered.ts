import type { PageCursor, TimelinePage } from "../../schemas/records";
import type { NotificationPage } from "../../objects/account/notification-feed";
import type { Origin } from "./account";
import { serializeViewedStatuses } from "./filter";
import { serializeNotification } from "./notification";

/**
 * A page serialized to its JSON body by the object that holds the data. The hottest reads
 * (home, lists, notifications) are answered this way: an RPC that returns one string costs a
 * fraction of one that returns the records, which are structured-cloned on both sides.
 */
export interface RenderedPage {
  body: string;
  cursor: PageCursor | null;
}

/** Origin as an RPC argument: only the two strings serializers read. */
export const originOf = (o: Origin): Origin => ({ origin: o.origin, domain: o.domain });

export function renderStatusPage(page: TimelinePage, o: Origin): RenderedPage {
  return { body: JSON.stringify(serializeViewedStatuses(page, o)), cursor: page.cursor };
}

export function renderNotificationPage(page: NotificationPage, o: Origin): RenderedPage {
  return { body: JSON.stringify(page.notifications.map((n) => serializeNotification(n, o, page))), cursor: page.cursor };
}
