import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { mastodon } from "masto";
import { eventually as eventuallyWithin, signUpWithMasto } from "./masto-helpers";
import { startServer, type LocalServer } from "./server";

/**
 * Notification filtering with a real client library (masto) against `npm start`: a stranger's
 * mentions are filtered by the policy into a request; accepting it puts them in the list, and
 * later ones arrive directly. Fan-out runs in the background, so reads poll for at most 2 s.
 */

const WAIT_MS = 2000;
const eventually = <T>(check: () => Promise<T>) => eventuallyWithin(check, WAIT_MS);


describe("notification requests with masto", () => {
  let server: LocalServer;
  let me: mastodon.rest.Client;
  let stranger: mastodon.rest.Client;
  let myName: string;
  let strangerId: string;

  const signUp = async (username: string) => (await signUpWithMasto(server.origin, username, "requests e2e")).client;

  beforeAll(async () => {
    server = await startServer();
    const suffix = Date.now().toString(36).slice(-5);
    myName = `nr_me_${suffix}`;
    me = await signUp(myName);
    stranger = await signUp(`nr_str_${suffix}`);
    strangerId = (await stranger.v1.accounts.verifyCredentials()).id;
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("filters a stranger's mention into a request; accepting it shows the notification", async () => {
    const policy = await me.v2.notifications.policy.update({ forNotFollowing: "filter" });
    expect(policy.forNotFollowing).toBe("filter");

    const status = await stranger.v1.statuses.create({ status: `@${myName} hello there` });
    const request = await eventually(async () => {
      const requests = await me.v1.notifications.requests.list();
      expect(requests).toHaveLength(1);
      return requests[0];
    });
    expect(request.account.id).toBe(strangerId);
    expect(request.notificationsCount).toBe("1");
    expect(request.lastStatus?.id).toBe(status.id);
    expect(await me.v1.notifications.list()).toEqual([]);
    expect((await me.v1.notifications.unreadCount.fetch()).count).toBe(0);
    expect((await me.v2.notifications.policy.fetch()).summary).toEqual({ pendingRequestsCount: 1, pendingNotificationsCount: 1 });
    expect((await me.v1.notifications.requests.$select(request.id).fetch()).id).toBe(request.id);

    await me.v1.notifications.requests.$select(request.id).accept();
    const notifications = await me.v1.notifications.list();
    expect(notifications.map((n) => [n.type, n.account.id, n.status?.id])).toEqual([["mention", strangerId, status.id]]);
    expect(await me.v1.notifications.requests.list()).toEqual([]);
    expect((await me.v1.notifications.requests.merged.fetch()).merged).toBe(true);

    // Accepted once, the stranger's next mention arrives directly.
    const next = await stranger.v1.statuses.create({ status: `@${myName} again` });
    await eventually(async () => {
      expect((await me.v1.notifications.list()).map((n) => n.status?.id)).toContain(next.id);
    });
  });

  it("dismisses a request: its notifications are gone", async () => {
    const other = await signUp(`nr_oth_${Date.now().toString(36).slice(-5)}`);
    await other.v1.statuses.create({ status: `@${myName} psst`, visibility: "direct" });
    const request = await eventually(async () => {
      const requests = await me.v1.notifications.requests.list();
      expect(requests).toHaveLength(1);
      return requests[0];
    });
    await me.v1.notifications.requests.dismiss({ id: [request.id] });
    expect(await me.v1.notifications.requests.list()).toEqual([]);
    expect((await me.v2.notifications.policy.fetch()).summary.pendingNotificationsCount).toBe(0);
  });
});
