import type { Router } from "../router";
import type { Ctx } from "../context";
import { notFound, unwrap } from "../../lib/result";
import { userObject } from "../http/auth";
import { json, jsonText } from "../http/respond";
import { originOf } from "../../core/serializers/rendered";
import { cursorLink, linkHeaders, readPage } from "../http/pagination";
import { parseOrFail } from "../../schemas/accounts";
import { notificationsSchema, unreadCountSchema } from "../../schemas/timelines";
import { serializeGroupedNotifications, serializeNotification } from "../../core/serializers/notification";
import { serializeAccount } from "../../core/serializers/account";

/**
 * Notifications v1 (one entry per event) and v2 (grouped: favourites and boosts of a status,
 * follows), served by the caller's own object in one RPC.
 */
export function registerNotifications(router: Router): void {
  router.get("/api/v1/notifications", list);
  router.get("/api/v1/notifications/unread_count", (c) => unread(c, false));
  router.post("/api/v1/notifications/clear", clear);
  router.post("/api/v1/notifications/dismiss", dismissLegacy);
  router.get("/api/v1/notifications/:id", show);
  router.post("/api/v1/notifications/:id/dismiss", dismiss);

  router.get("/api/v2/notifications", grouped);
  router.get("/api/v2/notifications/unread_count", (c) => unread(c, true));
  router.get("/api/v2/notifications/:group_key", group);
  router.get("/api/v2/notifications/:group_key/accounts", groupAccounts);
  router.post("/api/v2/notifications/:group_key/dismiss", dismissGroup);
}

/** Mastodon's limits: 40 by default, 80 at most; unread counts 100 by default, 1,000 at most. */
const DEFAULT_LIMIT = 40;
const MAX_LIMIT = 80;
const COUNT_LIMIT = 100;
const MAX_COUNT_LIMIT = 1000;

const isId = (v: string) => /^\d{1,20}$/.test(v);

async function query(c: Ctx) {
  const params = await c.params();
  const q = parseOrFail(notificationsSchema, params);
  return {
    ...readPage(params, DEFAULT_LIMIT, MAX_LIMIT),
    types: q.types,
    excludeTypes: q.exclude_types,
    accountId: q.account_id,
    groupedTypes: q.grouped_types,
    expandAccounts: q.expand_accounts,
    includeFiltered: q.include_filtered,
  };
}

async function list(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "read:notifications");
  const page = unwrap(await stub.notifications(token, await query(c), originOf(c)));
  return jsonText(page.body, { headers: linkHeaders(cursorLink(c.url, page.cursor)) });
}

async function show(c: Ctx): Promise<Response | undefined> {
  if (!isId(c.route.id)) return undefined;
  const { stub, token } = await userObject(c, "read:notifications");
  const page = unwrap(await stub.notification(token, c.route.id));
  return json(serializeNotification(page.notifications[0], c, page));
}

async function dismiss(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "write:notifications");
  if (!isId(c.route.id)) throw notFound();
  unwrap(await stub.dismissNotifications(token, { id: c.route.id }));
  return json({});
}

/** The pre-3.1 form: `POST /api/v1/notifications/dismiss` with `id`. */
async function dismissLegacy(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "write:notifications");
  const id = (await c.params()).id;
  if (typeof id !== "string" || !isId(id)) throw notFound();
  unwrap(await stub.dismissNotifications(token, { id }));
  return json({});
}

async function clear(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "write:notifications");
  unwrap(await stub.dismissNotifications(token, "all"));
  return json({});
}

async function unread(c: Ctx, grouped: boolean): Promise<Response> {
  const { stub, token } = await userObject(c, "read:notifications");
  const params = await c.params();
  const q = parseOrFail(unreadCountSchema, params);
  const limit = Math.min(Math.max(q.limit ?? COUNT_LIMIT, 1), MAX_COUNT_LIMIT);
  const count = unwrap(
    await stub.unreadNotifications(token, { limit, types: q.types, excludeTypes: q.exclude_types, accountId: q.account_id, groupedTypes: q.grouped_types }, grouped),
  );
  return json({ count });
}

// ----- v2 -----

async function grouped(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "read:notifications");
  const q = await query(c);
  const page = unwrap(await stub.groupedNotifications(token, q, originOf(c), { partial: q.expandAccounts === "partial_avatars" }));
  return jsonText(page.body, { headers: linkHeaders(cursorLink(c.url, page.cursor)) });
}

const GROUP_KEY = /^[\w.:-]{1,200}$/;

async function group(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "read:notifications");
  if (!GROUP_KEY.test(c.route.group_key)) throw notFound();
  const page = unwrap(await stub.notificationGroup(token, c.route.group_key));
  return json(serializeGroupedNotifications(page, c, { paginated: false, partial: false }));
}

async function groupAccounts(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "read:notifications");
  if (!GROUP_KEY.test(c.route.group_key)) throw notFound();
  const page = unwrap(await stub.notificationGroupAccounts(token, c.route.group_key, readPage(await c.params(), DEFAULT_LIMIT, MAX_LIMIT)));
  return json(
    page.accounts.map((a) => serializeAccount(a, c)),
    { headers: linkHeaders(cursorLink(c.url, page.cursor)) },
  );
}

async function dismissGroup(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "write:notifications");
  if (!GROUP_KEY.test(c.route.group_key)) throw notFound();
  unwrap(await stub.dismissNotifications(token, { groupKey: c.route.group_key }));
  return json({});
}
