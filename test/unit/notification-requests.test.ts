import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakePushService } from "./push-service";
import { uninstallFakeNetwork } from "./federation-peer";
import { subscribe } from "./push-helpers";
import { api, bearer, jsonBody, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";
import { expectError, follow, getJson, inObject, newUser, post, send } from "./status-helpers";
import { publish } from "./timelines-helpers";

/**
 * Notification filtering: the policy (v2 and v1), notifications held out of every list and
 * count while filtered, requests per sender, accepting and dismissing (one and in bulk), and
 * the senders that are never filtered.
 */

const setPolicy = (u: TestUser, body: Record<string, unknown>) => send("PATCH", "/api/v2/notifications/policy", u.token, body);

/** `author` mentions `target` (visibility as given) and the delivery runs. */
async function mention(author: TestUser, target: TestUser, extra: Record<string, unknown> = {}): Promise<any> {
  return publish(author, { status: `@${target.username} hello ${Math.random()}`, ...extra }, [target]);
}

const notificationIds = async (u: TestUser, query = "") => (await getJson(`/api/v1/notifications${query}`, u.token)).body.map((n: any) => n.account.id);
const requestsOf = async (u: TestUser) => (await getJson("/api/v1/notifications/requests", u.token)).body as any[];

describe("notification policy", () => {
  it("reads Mastodon's defaults, changes with PATCH (v2) or booleans (v1), refuses unknown values", async () => {
    const me = await newUser("policy");
    const initial = await getJson("/api/v2/notifications/policy", me.token);
    expect(initial.status).toBe(200);
    expectSchema(initial.body, "NotificationPolicy");
    expect(initial.body).toEqual({
      for_not_following: "accept",
      for_not_followers: "accept",
      for_new_accounts: "accept",
      for_private_mentions: "filter",
      for_limited_accounts: "filter",
      summary: { pending_requests_count: 0, pending_notifications_count: 0 },
    });
    const changed = await setPolicy(me, { for_not_following: "drop", for_new_accounts: "filter" });
    expect(changed.body).toMatchObject({ for_not_following: "drop", for_new_accounts: "filter", for_private_mentions: "filter" });
    for (const value of ["maybe", 3]) expectError(await setPolicy(me, { for_not_followers: value }), 422, /for_not_followers/);
    expect((await getJson("/api/v2/notifications/policy", me.token)).body.for_not_followers).toBe("accept");

    const v1 = await getJson("/api/v1/notifications/policy", me.token);
    expectSchema(v1.body, "V1NotificationPolicy");
    expect(v1.body).toMatchObject({ filter_not_following: true, filter_not_followers: false, filter_new_accounts: true, filter_private_mentions: true });
    const put = await send("PUT", "/api/v1/notifications/policy", me.token, { filter_not_following: false, filter_private_mentions: "false" });
    expect(put.body).toMatchObject({ filter_not_following: false, filter_private_mentions: false });
    expect((await getJson("/api/v2/notifications/policy", me.token)).body).toMatchObject({ for_not_following: "accept", for_private_mentions: "accept" });

    expect((await api("/api/v2/notifications/policy")).status).toBe(401);
    const readOnly = await newUser("policyro", ["read:notifications"]);
    expect((await setPolicy(readOnly, { for_not_following: "filter" })).status).toBe(403);
  });
});

describe("filtered notifications and requests", () => {
  it("holds a stranger's notifications aside as a request until accepted; then they join the list and later ones are accepted", async () => {
    const [me, stranger] = await Promise.all([newUser("nrme"), newUser("nrstr")]);
    await setPolicy(me, { for_not_following: "filter" });
    await mention(stranger, me);
    await mention(stranger, me);
    expect(await notificationIds(me)).toEqual([]);
    expect((await getJson("/api/v2/notifications", me.token)).body.notification_groups).toEqual([]);
    for (const path of ["/api/v1/notifications/unread_count", "/api/v2/notifications/unread_count"]) {
      expect((await getJson(path, me.token)).body).toEqual({ count: 0 });
    }
    // One sender's notifications, or include_filtered, show them (Mastodon's browserable).
    expect(await notificationIds(me, `?account_id=${stranger.id}`)).toEqual([stranger.id, stranger.id]);
    expect(await notificationIds(me, "?include_filtered=true")).toHaveLength(2);

    const [request] = await requestsOf(me);
    expectSchema(request, "NotificationRequest");
    expect(request).toMatchObject({ account: { id: stranger.id }, notifications_count: "2", last_status: { visibility: "public" } });
    expect((await getJson("/api/v2/notifications/policy", me.token)).body.summary).toEqual({ pending_requests_count: 1, pending_notifications_count: 2 });
    const one = await getJson(`/api/v1/notifications/requests/${request.id}`, me.token);
    expect(one.body.id).toBe(request.id);
    expectSchema(one.body, "NotificationRequest");

    expect(await send("POST", `/api/v1/notifications/requests/${request.id}/accept`, me.token, {})).toEqual({ status: 200, body: {} });
    expect(await notificationIds(me)).toEqual([stranger.id, stranger.id]);
    expect(await requestsOf(me)).toEqual([]);
    expect((await getJson(`/api/v1/notifications/requests/${request.id}`, me.token)).status).toBe(404);
    expect((await getJson("/api/v1/notifications/requests/merged", me.token)).body).toEqual({ merged: true });
    await mention(stranger, me);
    expect(await notificationIds(me)).toHaveLength(3);
    expect((await getJson("/api/v1/notifications/unread_count", me.token)).body).toEqual({ count: 3 });
  });

  it("dismisses a request with its notifications; bulk forms skip unknown ids; unknown single ids are 404", async () => {
    const [me, a, b] = await Promise.all([newUser("nrdis"), newUser("nra"), newUser("nrb")]);
    await setPolicy(me, { for_not_followers: "filter" });
    await mention(a, me);
    const [request] = await requestsOf(me);
    expect(await send("POST", `/api/v1/notifications/requests/${request.id}/dismiss`, me.token, {})).toEqual({ status: 200, body: {} });
    expect(await notificationIds(me, `?account_id=${a.id}`)).toEqual([]);
    expect(await requestsOf(me)).toEqual([]);

    await mention(a, me);
    await mention(b, me);
    const ids = (await requestsOf(me)).map((r) => r.id);
    expect(ids).toHaveLength(2);
    const bulk = await api("/api/v1/notifications/requests/accept", jsonBody("POST", { id: [ids[0], "999"] }, me.token));
    expect([bulk.status, await bulk.json()]).toEqual([200, {}]);
    expect(await send("POST", "/api/v1/notifications/requests/dismiss", me.token, { id: [ids[1]] })).toEqual({ status: 200, body: {} });
    expect(await requestsOf(me)).toEqual([]);
    expect(await notificationIds(me)).toHaveLength(1);

    expect((await send("POST", "/api/v1/notifications/requests/123/accept", me.token, {})).status).toBe(404);
    expect((await getJson("/api/v1/notifications/requests/abc", me.token)).status).toBe(404);
    expect((await api("/api/v1/notifications/requests")).status).toBe(401);
  });

  it("drops what the policy drops: nothing is stored and no request made", async () => {
    const [me, stranger] = await Promise.all([newUser("nrdrop"), newUser("nrdropper")]);
    await setPolicy(me, { for_not_following: "drop" });
    await mention(stranger, me);
    expect(await notificationIds(me, "?include_filtered=true")).toEqual([]);
    expect(await requestsOf(me)).toEqual([]);
    const stored = await inObject(me.id, (o) => o.sql.exec("SELECT count(*) AS n FROM notifications").one().n);
    expect(stored).toBe(0);
  });

  it("filters unsolicited private mentions by default, never followed senders or replies to one's own statuses", async () => {
    const [me, stranger, friend] = await Promise.all([newUser("nrpm"), newUser("nrpmstr"), newUser("nrpmfr")]);
    await follow(me, friend);
    await mention(stranger, me, { visibility: "direct" });
    await mention(friend, me, { visibility: "direct" });
    expect(await notificationIds(me)).toEqual([friend.id]);
    expect((await requestsOf(me)).map((r) => r.account.id)).toEqual([stranger.id]);

    await setPolicy(me, { for_not_following: "filter" });
    const mine = await post(me, { status: "anyone may answer" });
    await mention(stranger, me, { in_reply_to_id: mine.id });
    await mention(friend, me);
    expect(await notificationIds(me)).toEqual([friend.id, stranger.id, friend.id]);
  });
});

describe("filtered notifications and Web Push", () => {
  let service: FakePushService;
  beforeAll(() => {
    service = new FakePushService().install();
  });
  afterAll(() => uninstallFakeNetwork());

  it("pushes an accepted notification but never a filtered one", async () => {
    const [me, stranger, friend] = await Promise.all([newUser("nrpush"), newUser("nrpushstr"), newUser("nrpushfr")]);
    await follow(me, friend);
    const sub = await service.subscribe();
    await subscribe(me.token, sub, { standard: true });
    await mention(stranger, me, { visibility: "direct" });
    const queued = () => inObject(me.id, (o) => o.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox WHERE kind = 'push.deliver'").one().n);
    expect(await requestsOf(me)).toHaveLength(1);
    expect(await queued()).toBe(0);
    await mention(friend, me, { visibility: "direct" });
    expect(service.messagesFor(sub)).toHaveLength(1);
  });
});
