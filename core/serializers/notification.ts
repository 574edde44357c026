import type { AccountSnapshot, FilterMatch, NotificationGroupRecord, NotificationRecord, StatusRecord, ViewerFlags } from "../../schemas/records";
import { serializeAccount, type Origin } from "./account";
import { serializeViewedStatus } from "./filter";
import { serializeReport } from "./report";

interface ViewerData {
  flags: Record<string, ViewerFlags>;
  filtered: Record<string, FilterMatch[]>;
}

/** Notification entity (https://docs.joinmastodon.org/entities/Notification/). */
export function serializeNotification(n: NotificationRecord, o: Origin, viewer: ViewerData) {
  return {
    id: n.id,
    type: n.type,
    created_at: n.created_at,
    group_key: n.group_key,
    account: serializeAccount(n.account, o),
    ...(n.status ? { status: serializeViewedStatus(n.status, o, viewer) } : {}),
    ...(n.report ? { report: serializeReport(n.report.report, n.report.target, o) } : {}),
  };
}

/**
 * `most_recent_notification_id` is an integer in Mastodon's API. Snowflakes exceed 2^53, so the
 * digits are written as a raw JSON number where the runtime supports it (exact), else rounded.
 */
function integerId(id: string): unknown {
  const raw = (JSON as unknown as { rawJSON?: (text: string) => unknown }).rawJSON;
  return raw ? raw(id) : Number(id);
}

export function serializeNotificationGroup(g: NotificationGroupRecord, paginated: boolean, o: Origin) {
  return {
    group_key: g.group_key,
    notifications_count: g.notifications_count,
    type: g.type,
    most_recent_notification_id: integerId(g.most_recent_notification_id),
    ...(paginated ? { page_min_id: g.page_min_id, page_max_id: g.page_max_id, latest_page_notification_at: g.latest_page_notification_at } : {}),
    sample_account_ids: g.sample_account_ids,
    ...(g.status_id ? { status_id: g.status_id } : {}),
    ...(g.report ? { report: serializeReport(g.report.report, g.report.target, o) } : {}),
  };
}

export interface GroupedInput extends ViewerData {
  groups: NotificationGroupRecord[];
  accounts: AccountSnapshot[];
  statuses: StatusRecord[];
}

/** PartialAccountWithAvatar: enough to draw the stack of avatars of a group. */
export function serializePartialAccount(a: AccountSnapshot, o: Origin) {
  const full = serializeAccount(a, o);
  return { id: full.id, acct: full.acct, url: full.url, avatar: full.avatar, avatar_static: full.avatar_static, locked: full.locked, bot: full.bot };
}

/**
 * GroupedNotificationsResults. With `partial` (expand_accounts=partial_avatars), only each
 * group's most recent account is a full Account; the other sample accounts are partial.
 */
export function serializeGroupedNotifications(page: GroupedInput, o: Origin, options: { paginated: boolean; partial: boolean }) {
  const byId = new Map(page.accounts.map((a) => [a.id, a]));
  const fullIds = new Set(options.partial ? page.groups.map((g) => g.sample_account_ids[0]).filter(Boolean) : byId.keys());
  const partialIds = options.partial ? [...byId.keys()].filter((id) => !fullIds.has(id)) : [];
  return {
    accounts: [...fullIds].flatMap((id) => (byId.has(id) ? [serializeAccount(byId.get(id)!, o)] : [])),
    ...(options.partial ? { partial_accounts: partialIds.map((id) => serializePartialAccount(byId.get(id)!, o)) } : {}),
    statuses: page.statuses.map((s) => serializeViewedStatus(s, o, page)),
    notification_groups: page.groups.map((g) => serializeNotificationGroup(g, options.paginated, o)),
  };
}
