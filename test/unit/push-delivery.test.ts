import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { issueToken, registerUser, uniqueName, type TestUser } from "./helpers";
import { FakePushService, type PushSubscriber, type ReceivedPush } from "./push-service";
import { uninstallFakeNetwork } from "./federation-peer";
import { call, follow, get, post, settle } from "./timelines-helpers";
import { pushCall, pushForm, storedSubscriptions, subscribe, toStandardBase64 } from "./push-helpers";
import type { AccountObject } from "../../objects/account/account-object";

let service: FakePushService;

beforeAll(() => {
  service = new FakePushService().install();
});

afterAll(() => uninstallFakeNetwork());

const user = (prefix: string) => registerUser(uniqueName(prefix));
const stubOf = (u: TestUser) => env.ACCOUNT.get(env.ACCOUNT.idFromName(u.id));

/** Runs the accounts' due jobs (fan-out, then the push jobs it queues) until none is left. */
async function deliver(...accounts: TestUser[]): Promise<void> {
  await settle(accounts);
}

/** Makes every queued job of an account due now and runs its alarm (retries included). */
async function runQueued(u: TestUser): Promise<void> {
  const stub = stubOf(u);
  await runInDurableObject(stub, (o: AccountObject) => {
    o.sql.exec("UPDATE outbox SET next_at = 1");
  });
  await runDurableObjectAlarm(stub);
}

async function pushJobs(u: TestUser): Promise<{ attempts: number; last_error: string | null }[]> {
  return runInDurableObject(stubOf(u), (o: AccountObject) =>
    o.sql.exec<{ attempts: number; last_error: string | null }>("SELECT attempts, last_error FROM outbox WHERE kind = 'push.deliver'").toArray(),
  );
}

async function mention(author: TestUser, target: TestUser, text = "hello there"): Promise<any> {
  const status = await post(author, { status: `@${target.username} ${text}` });
  await deliver(author, target);
  return status;
}

async function latestNotificationId(u: TestUser, type: string): Promise<string> {
  const res = await get(`/api/v1/notifications?types[]=${type}&limit=1`, u.token);
  expect(res.status).toBe(200);
  return res.body[0].id;
}

function only(messages: ReceivedPush[]): ReceivedPush {
  expect(messages, JSON.stringify(service.rejected.map((r) => r.reason))).toHaveLength(1);
  return messages[0];
}

describe("Web Push delivery", () => {
  it("pushes a mention with RFC 8291 aes128gcm and a vapid t=,k= header when standard", async () => {
    const [alice, bob] = await Promise.all([user("pushee"), user("pusher")]);
    await call("PATCH", "/api/v1/accounts/update_credentials", bob.token, { display_name: "Bob Builder" });
    const sub = await service.subscribe();
    const created = await subscribe(alice.token, sub, { standard: true });
    const status = await mention(bob, alice, "can we fix it? <yes> & more");
    const m = only(service.messagesFor(sub));
    expect(m.status).toBe(201);
    expect(m.encoding).toBe("aes128gcm");
    expect(m.scheme).toBe("vapid");
    expect(m.headers.get("authorization")).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
    expect(m.headers.get("authorization")!.split("k=")[1]).toBe(created.server_key.replace(/=+$/, ""));
    expect(m.ttl).toBe(String(48 * 3600));
    expect(m.urgency).toBe("normal");
    const notificationId = await latestNotificationId(alice, "mention");
    expect(m.topic).toBe(notificationId);
    expect(m.claims.aud).toBe(service.origin);
    expect(m.claims.exp * 1000 - Date.now()).toBeLessThanOrEqual(24 * 3600 * 1000);
    expect(m.claims.sub).toMatch(/^(mailto:|https:\/\/)/);
    expect(m.json).toMatchObject({
      access_token: alice.token,
      preferred_locale: "en",
      notification_type: "mention",
      title: "You were mentioned by Bob Builder",
      icon: expect.stringMatching(/^https?:\/\//),
    });
    expect((m.json as any).body).toBe(`@${alice.username} can we fix it? <yes> & more`);
    // Mastodon sends the id as a JSON number; ours needs 64 bits, so it is written as bare digits.
    expect(m.text).toContain(`"notification_id":${notificationId},`);
    expect(status.id).toBeTruthy();
    expect(await pushJobs(alice)).toEqual([]);
  });

  it("pushes with the legacy aesgcm coding (Encryption, Crypto-Key, WebPush + p256ecdsa) when not standard", async () => {
    const [alice, bob] = await Promise.all([user("legacy"), user("legacyfrom")]);
    const sub = await service.subscribe();
    const created = await subscribe(alice.token, sub, { standard: false });
    await follow(bob, alice);
    await deliver(bob, alice);
    const m = only(service.messagesFor(sub));
    expect(m.encoding).toBe("aesgcm");
    expect(m.scheme).toBe("WebPush");
    expect(m.headers.get("encryption")).toMatch(/^salt=[\w-]+$/);
    expect(m.headers.get("crypto-key")).toMatch(new RegExp(`^dh=[\\w-]+;p256ecdsa=${created.server_key.replace(/=+$/, "")}$`));
    expect(m.json).toMatchObject({ notification_type: "follow", title: `${bob.username} is now following you`, access_token: alice.token });
  });

  it("delivers to a subscription made with a form body and standard-base64 keys, as tooot sends them", async () => {
    const [alice, bob] = await Promise.all([user("tooot"), user("toootfrom")]);
    const sub = await service.subscribe();
    const form = new URLSearchParams({
      "subscription[endpoint]": sub.endpoint,
      "subscription[keys][p256dh]": toStandardBase64(sub.p256dh),
      "subscription[keys][auth]": toStandardBase64(sub.auth),
      "data[alerts][mention]": "true",
    });
    expect((await pushForm("POST", alice.token, form.toString())).status).toBe(200);
    await mention(bob, alice);
    expect(only(service.messagesFor(sub))).toMatchObject({ encoding: "aesgcm", json: { notification_type: "mention", access_token: alice.token } });
  });

  it("sends each token's subscription its own message, in its own coding", async () => {
    const [alice, bob] = await Promise.all([user("twotokens"), user("twofrom")]);
    const secondToken = await issueToken(alice.id, ["read", "push"]);
    const [a, b] = [await service.subscribe(), await service.subscribe()];
    await subscribe(alice.token, a, { standard: true });
    await subscribe(secondToken, b, { standard: false });
    await mention(bob, alice);
    expect(only(service.messagesFor(a))).toMatchObject({ encoding: "aes128gcm", json: { access_token: alice.token } });
    expect(only(service.messagesFor(b))).toMatchObject({ encoding: "aesgcm", json: { access_token: secondToken } });
  });

  it("honours the alerts: only the types switched on are pushed", async () => {
    const [alice, bob] = await Promise.all([user("alerts"), user("alertsfrom")]);
    const sub = await service.subscribe();
    await subscribe(alice.token, sub, { alerts: { follow: true, mention: false } });
    await mention(bob, alice);
    expect(service.messagesFor(sub)).toEqual([]);
    await follow(bob, alice);
    await deliver(bob, alice);
    expect(only(service.messagesFor(sub)).json).toMatchObject({ notification_type: "follow" });
    // Switched on later with PUT: the next mention is pushed.
    await pushCall("PUT", alice.token, { data: { alerts: { mention: true } } });
    await mention(bob, alice, "again");
    expect(service.messagesFor(sub).map((m: ReceivedPush) => (m.json as any).notification_type)).toEqual(["follow", "mention"]);
  });

  it("honours each policy: all, followed, follower, none", async () => {
    const [alice, followed, follower, stranger] = await Promise.all([user("policy"), user("followed"), user("follower"), user("stranger")]);
    await follow(alice, followed);
    await follow(follower, alice);
    await settle([alice, followed, follower]);
    const subs: Record<string, PushSubscriber> = {};
    for (const policy of ["all", "followed", "follower", "none"]) {
      subs[policy] = await service.subscribe();
      await subscribe(await issueToken(alice.id, ["push"]), subs[policy], { policy, alerts: { mention: true } });
    }
    for (const author of [followed, follower, stranger]) await mention(author, alice, `from ${author.username}`);
    const senders = (s: PushSubscriber) => service.messagesFor(s).map((m) => (m.json as any).body.split(" from ")[1]).sort();
    expect(senders(subs.all)).toEqual([followed.username, follower.username, stranger.username].sort());
    expect(senders(subs.followed)).toEqual([followed.username]);
    expect(senders(subs.follower)).toEqual([follower.username]);
    expect(senders(subs.none)).toEqual([]);
  });

  it("pushes nothing from muted or blocked accounts, nor what a notifications filter hides", async () => {
    const [alice, muted, blocked, bob] = await Promise.all([user("quiet"), user("muted"), user("blocked"), user("filtered")]);
    const sub = await service.subscribe();
    await subscribe(alice.token, sub);
    expect((await call("POST", `/api/v1/accounts/${muted.id}/mute`, alice.token, { notifications: true })).status).toBe(200);
    expect((await call("POST", `/api/v1/accounts/${blocked.id}/block`, alice.token, {})).status).toBe(200);
    const filter = await call("POST", "/api/v2/filters", alice.token, {
      title: "No spoilers",
      context: ["notifications"],
      filter_action: "hide",
      keywords_attributes: [{ keyword: "spoiler" }],
    });
    expect(filter.status).toBe(200);
    await mention(muted, alice, "muted");
    await mention(blocked, alice, "blocked");
    await mention(bob, alice, "a spoiler here");
    expect(service.messagesFor(sub)).toEqual([]);
    await mention(bob, alice, "nothing to hide");
    expect((only(service.messagesFor(sub)).json as any).body).toContain("nothing to hide");
  });

  it("a 410 from the push service ends the subscription; a 404 too", async () => {
    for (const status of [410, 404]) {
      const [alice, bob] = await Promise.all([user(`gone${status}`), user("gonefrom")]);
      const sub = await service.subscribe();
      await subscribe(alice.token, sub);
      service.respondFor(sub, { status });
      await mention(bob, alice);
      expect(only(service.messagesFor(sub)).status).toBe(status);
      expect(await storedSubscriptions(alice.id)).toEqual([]);
      expect((await pushCall("GET", alice.token)).status).toBe(404);
      expect(await pushJobs(alice)).toEqual([]);
      await mention(bob, alice, "after");
      expect(service.messagesFor(sub)).toHaveLength(1);
    }
  });

  it("retries after a 429 or a 500, then delivers", async () => {
    for (const status of [429, 500, 503]) {
      const [alice, bob] = await Promise.all([user(`retry${status}`), user("retryfrom")]);
      const sub = await service.subscribe();
      await subscribe(alice.token, sub);
      service.respondFor(sub, { status, headers: status === 429 ? { "retry-after": "1" } : {} });
      await mention(bob, alice);
      expect(only(service.messagesFor(sub)).status).toBe(status);
      expect(await pushJobs(alice)).toEqual([{ attempts: 1, last_error: `push service answered ${status}` }]);
      expect(await storedSubscriptions(alice.id)).toHaveLength(1);
      service.respondFor(sub, { status: 201 });
      await runQueued(alice);
      expect(service.messagesFor(sub).map((m) => m.status)).toEqual([status, 201]);
      expect(await pushJobs(alice)).toEqual([]);
    }
  });

  it("a restart mid-queue still delivers: the job is durable", async () => {
    const [alice, bob] = await Promise.all([user("restart"), user("restartfrom")]);
    const sub = await service.subscribe();
    await subscribe(alice.token, sub);
    service.respondFor(sub, { status: 503 });
    await mention(bob, alice);
    expect(await pushJobs(alice)).toHaveLength(1);
    // One stub: eviction waits until no other stub references the object.
    const stub = stubOf(alice);
    await evictDurableObject(stub);
    service.respondFor(sub, { status: 201 });
    await runInDurableObject(stub, (o: AccountObject) => {
      o.sql.exec("UPDATE outbox SET next_at = 1");
    });
    await runDurableObjectAlarm(stub);
    expect(service.messagesFor(sub).map((m) => m.status)).toEqual([503, 201]);
    expect((service.messagesFor(sub)[1].json as any).access_token).toBe(alice.token);
  });

  it("a revoked token's queued messages are not sent", async () => {
    const [alice, bob] = await Promise.all([user("revokedq"), user("revokedfrom")]);
    const token = await issueToken(alice.id, ["push"]);
    const sub = await service.subscribe();
    await subscribe(token, sub);
    service.respondFor(sub, { status: 500 });
    await mention(bob, alice);
    expect(await pushJobs(alice)).toHaveLength(1);
    expect(await runInDurableObject(stubOf(alice), (o: AccountObject) => o.revokeToken(token, "unit-test-client-0000"))).toBeUndefined();
    expect(await storedSubscriptions(alice.id)).toEqual([]);
    service.respondFor(sub, { status: 201 });
    await runQueued(alice);
    expect(service.messagesFor(sub).map((m) => m.status)).toEqual([500]);
    expect(await pushJobs(alice)).toEqual([]);
  });

  it("cuts a long body as Mastodon does and keeps the message within 4096 bytes", async () => {
    const [alice, bob] = await Promise.all([user("long"), user("longfrom")]);
    const [a, b] = [await service.subscribe(), await service.subscribe()];
    await subscribe(alice.token, a, { standard: true });
    await subscribe(await issueToken(alice.id, ["push"]), b, { standard: false });
    await mention(bob, alice, "é".repeat(400));
    for (const m of [only(service.messagesFor(a)), only(service.messagesFor(b))]) {
      const body = (m.json as any).body as string;
      expect([...body]).toHaveLength(140);
      expect(body.endsWith("...")).toBe(true);
      expect(m.body.length).toBeLessThanOrEqual(4096);
    }
  });

  it("a content warning is the body, not the hidden text", async () => {
    const [alice, bob] = await Promise.all([user("cw"), user("cwfrom")]);
    const sub = await service.subscribe();
    await subscribe(alice.token, sub);
    await post(bob, { status: `@${alice.username} the butler did it`, spoiler_text: "Murder mystery spoilers" });
    await deliver(bob, alice);
    expect((only(service.messagesFor(sub)).json as any).body).toBe("Murder mystery spoilers");
  });
});
