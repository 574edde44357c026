import type { FilterMatch, NotificationPage, PageCursor, StatusRecord, TimelinePage, ViewerFlags } from "../../schemas/records";

import type { Origin } from "./account";
import { serializeFilterResult } from "./filter";
import { serializeNotification, serializeNotificationGroup, serializePartialAccount, type GroupedInput } from "./notification";
import { serializeAccount } from "./account";
import { NO_FLAGS, quoteFields, serializePoll, serializeStatus, viewerFields } from "./status";

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
export const originOf = (o: Origin): Origin => (o.mediaOrigin ? { origin: o.origin, domain: o.domain, mediaOrigin: o.mediaOrigin } : { origin: o.origin, domain: o.domain });

export function renderStatusPage(page: TimelinePage, o: Origin): RenderedPage {
  return { body: `[${page.statuses.map((s) => viewedStatusJson(s, o, page)).join(",")}]`, cursor: page.cursor };
}

export function renderNotificationPage(page: NotificationPage, o: Origin): RenderedPage {
  const entries = page.notifications.map((n) => {
    const head = JSON.stringify(serializeNotification({ ...n, status: null }, o, page));
    return n.status ? `${head.slice(0, -1)},"status":${viewedStatusJson(n.status, o, page)}}` : head;
  });
  return { body: `[${entries.join(",")}]`, cursor: page.cursor };
}

/**
 * GroupedNotificationsResults as JSON text, the statuses put together as viewedStatusJson does
 * (the same shape as serializeGroupedNotifications, which single groups still use).
 */
export function renderGroupedNotificationPage(page: GroupedInput & { cursor: PageCursor | null }, o: Origin, options: { partial: boolean }): RenderedPage {
  const byId = new Map(page.accounts.map((a) => [a.id, a]));
  const fullIds = new Set(options.partial ? page.groups.map((g) => g.sample_account_ids[0]).filter(Boolean) : byId.keys());
  const accounts = [...fullIds].flatMap((id) => (byId.has(id) ? [serializeAccount(byId.get(id)!, o)] : []));
  const partial = options.partial
    ? `,"partial_accounts":${JSON.stringify([...byId.keys()].filter((id) => !fullIds.has(id)).map((id) => serializePartialAccount(byId.get(id)!, o)))}`
    : "";
  const statuses = page.statuses.map((s) => viewedStatusJson(s, o, page)).join(",");
  const groups = JSON.stringify(page.groups.map((g) => serializeNotificationGroup(g, true, o)));
  return { body: `{"accounts":${JSON.stringify(accounts)}${partial},"statuses":[${statuses}],"notification_groups":${groups}}`, cursor: page.cursor };
}

interface Viewed {
  flags: Record<string, ViewerFlags>;
  filtered: Record<string, FilterMatch[]>;
}

/**
 * The JSON of serializeViewedStatus, put together from a part that is the same for every
 * viewer (kept per record: records parsed from the same snapshot are the same object, see
 * objects/account/status-memo.ts) and the parts that are not: the viewer's flags, filter
 * results, the quote and its approval, and the poll (own votes, and `expired` moves with the clock). Streamed statuses
 * are rendered this way too (objects/streams/render.ts): one post reaches many sockets.
 */
export function viewedStatusJson(s: StatusRecord, o: Origin, viewed: Viewed, filteredOf = s.id): string {
  const flags = viewed.flags[s.id] ?? NO_FLAGS;
  const filtered = JSON.stringify((viewed.filtered[filteredOf] ?? []).map(serializeFilterResult));
  const poll = s.poll ? JSON.stringify(serializePoll(s.poll, flags.own_votes)) : "null";
  const reblog = s.reblog ? viewedStatusJson(s.reblog, o, viewed, filteredOf) : "null";
  const viewer = JSON.stringify(viewerFields(flags)).slice(1, -1);
  const quote = JSON.stringify(quoteFields(s, o, (id) => viewed.flags[id])).slice(1, -1);
  return `${sharedHead(s, o)},"poll":${poll},"reblog":${reblog},${quote},${viewer},"filtered":${filtered}}`;
}

/** A status as an anonymous reader sees it (serializeStatus without flags), as JSON text. */
export function publicStatusJson(s: StatusRecord, o: Origin): string {
  const poll = s.poll ? JSON.stringify(serializePoll(s.poll)) : "null";
  const reblog = s.reblog ? publicStatusJson(s.reblog, o) : "null";
  const quote = JSON.stringify(quoteFields(s, o)).slice(1, -1);
  return `${sharedHead(s, o)},"poll":${poll},"reblog":${reblog},${quote}}`;
}

const heads = new WeakMap<StatusRecord, { origin: string; domain: string; head: string }>();

/** The status entity without poll, reblog and viewer fields, as JSON missing its closing brace. */
function sharedHead(s: StatusRecord, o: Origin): string {
  const kept = heads.get(s);
  if (kept && kept.origin === o.origin && kept.domain === o.domain) return kept.head;
  const { poll: _poll, reblog: _reblog, quote: _quote, quote_approval: _approval, ...shared } = serializeStatus(s, o);
  const head = JSON.stringify(shared).slice(0, -1);
  heads.set(s, { origin: o.origin, domain: o.domain, head });
  return head;
}
