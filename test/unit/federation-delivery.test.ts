import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { verifyRequest as fedifyVerify } from "@fedify/fedify/sig";
import {
  deliverToActors,
  enqueueDelivery,
  INSTANCE_ACTOR_SIGNER,
  type DeliveryObject,
  type DeliveryStatus,
} from "../../objects/federation/delivery-object";
import {
  BREAKER_THRESHOLD,
  classifyDeliveryStatus,
  MAX_DELIVERY_RETRIES,
  retryDelaySeconds,
  scheduleBoundsSeconds,
} from "../../lib/federation/retry-schedule";
import { parseCavageHeader } from "../../lib/federation/http-signatures-cavage";
import { importPublicKeyPem } from "../../lib/federation/keys";
import type { Result } from "../../lib/result";
import { digestHeader } from "../../lib/federation/digest";
import { deliveryStub } from "../../core/stubs";
import { BASE, registerUser, uniqueName, type TestUser } from "./helpers";
import { FakePeer, installFakeNetwork, peerHost, uninstallFakeNetwork, type RecordedRequest } from "./federation-peer";

let sender: TestUser;
let senderUri: string;

beforeAll(async () => {
  sender = await registerUser(uniqueName("sender"));
  senderUri = `${BASE}/users/${sender.username}`;
});

afterAll(() => uninstallFakeNetwork());

let seq = 0;
function activity(type = "Create"): Record<string, unknown> {
  seq++;
  return {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${senderUri}/statuses/${Date.now()}${seq}/activity`,
    type,
    actor: senderUri,
    object: { id: `${senderUri}/statuses/${Date.now()}${seq}`, type: "Note", content: "<p>hi</p>" },
  };
}

async function newPeer(label: string): Promise<FakePeer> {
  const peer = new FakePeer(peerHost(label));
  installFakeNetwork(peer);
  return peer;
}

const posts = (peer: FakePeer) => peer.received((r) => r.method === "POST");

/** Runs the host's alarm until `check` holds (the first alarm may also fire on its own). */
async function runUntil(host: string, check: (s: DeliveryStatus) => boolean): Promise<DeliveryStatus> {
  const stub = deliveryStub(env, host);
  for (let i = 0; i < 100; i++) {
    await runDurableObjectAlarm(stub);
    const status = await stub.status();
    if (check(status)) return status;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`condition not reached: ${JSON.stringify(await stub.status())}`);
}

/** Lets the peer accept and empties its queue, so no alarm outlives the test. */
async function drain(peer: FakePeer): Promise<void> {
  peer.inbox = () => new Response(null, { status: 202 });
  await advance(peer.host, 3600_000);
  await runUntil(peer.host, (s) => s.queued.length === 0);
}

/** Moves the queue's clock forward (the object reads Date.now() + offset). */
async function advance(host: string, ms: number): Promise<number> {
  return runInDurableObject(deliveryStub(env, host), (o: DeliveryObject) => {
    o.clockOffsetMs += ms;
    return o.now();
  });
}

async function queueNow(host: string): Promise<number> {
  return runInDurableObject(deliveryStub(env, host), (o: DeliveryObject) => o.now());
}

/** Verifies a delivery the way Mastodon would: a hand-built signing string, RSA-SHA256. */
async function verifyLikeMastodon(req: RecordedRequest, publicPem: string) {
  const sig = parseCavageHeader(req.headers.get("signature")!)!;
  expect(sig.headers).toEqual(["(request-target)", "host", "date", "digest", "content-type"]);
  const url = new URL(req.url);
  const signingString = [
    `(request-target): post ${url.pathname}${url.search}`,
    `host: ${url.host}`,
    `date: ${req.headers.get("date")}`,
    `digest: ${req.headers.get("digest")}`,
    `content-type: ${req.headers.get("content-type")}`,
  ].join("\n");
  const key = (await importPublicKeyPem(publicPem))!.key;
  const signature = Uint8Array.from(atob(sig.signature), (c) => c.charCodeAt(0));
  expect(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, new TextEncoder().encode(signingString))).toBe(true);
  expect(req.headers.get("digest")).toBe(await digestHeader(req.body));
  return sig;
}

describe("retry schedule (pure)", () => {
  it("follows Mastodon's n^4 + 15 s + jitter, 16 retries over two to three days", () => {
    expect(retryDelaySeconds(0, 0)).toBe(15);
    expect(retryDelaySeconds(1, 0)).toBe(16);
    expect(retryDelaySeconds(3, 0.5)).toBe(81 + 15 + 5 * 4);
    expect(retryDelaySeconds(15, 0)).toBe(50625 + 15);
    expect(retryDelaySeconds(15, 0.999)).toBe(50625 + 15 + 9 * 16);
    expect(MAX_DELIVERY_RETRIES).toBe(16);
    const { min, max } = scheduleBoundsSeconds();
    const day = 24 * 3600;
    expect(min).toBeGreaterThan(2 * day);
    expect(max).toBeLessThan(3 * day);
  });

  it("classifies answers: 2xx delivered, 4xx final except 401/408/429, the rest retried", () => {
    expect(classifyDeliveryStatus(202)).toBe("delivered");
    expect(classifyDeliveryStatus(200)).toBe("delivered");
    for (const s of [400, 403, 404, 410, 422]) expect(classifyDeliveryStatus(s)).toBe("final");
    for (const s of [401, 408, 429, 500, 502, 503, 301, null]) expect(classifyDeliveryStatus(s)).toBe("retry");
  });
});

describe("delivery", () => {
  it("POSTs the activity signed with the sender's key (verified by Mastodon's rule and by Fedify), once", async () => {
    const peer = await newPeer("ok");
    const a = activity();
    const inbox = `${peer.origin}/users/bob/inbox`;
    const queued = await enqueueDelivery(env, { inbox, activity: a, signerAccountId: sender.id });
    expect(queued).toEqual({ ok: true, value: { queued: true } });
    const status = await runUntil(peer.host, (s) => s.delivered === 1);
    expect(status.queued).toEqual([]);
    const [req] = posts(peer);
    expect(posts(peer)).toHaveLength(1);
    expect(req.url).toBe(inbox);
    expect(req.headers.get("content-type")).toBe("application/activity+json");
    expect(JSON.parse(new TextDecoder().decode(req.body))).toEqual(a);
    const record = (await env.ACCOUNT.get(env.ACCOUNT.idFromName(sender.id)).get())!;
    const sig = await verifyLikeMastodon(req, record.public_key_pem);
    expect(sig.keyId).toBe(`${senderUri}#main-key`);
    // Fedify (the peer of the end-to-end tests) accepts it too, fetching our actor document.
    const key = await fedifyVerify(new Request(req.url, { method: "POST", headers: req.headers, body: req.body }), {
      documentLoader: async (url: string) => {
        const res = await SELF.fetch(url.replace(/#.*$/, ""), { headers: { accept: "application/activity+json" } });
        return { contextUrl: null, documentUrl: url, document: await res.json() };
      },
    });
    expect(key?.id?.href).toBe(`${senderUri}#main-key`);

    // Enqueued again (a job that ran twice): never delivered twice.
    expect(await enqueueDelivery(env, { inbox, activity: a, signerAccountId: sender.id })).toEqual({ ok: true, value: { queued: false } });
    await runDurableObjectAlarm(deliveryStub(env, peer.host));
    expect(posts(peer)).toHaveLength(1);
  });

  it("signs as the instance actor when asked (reports)", async () => {
    const peer = await newPeer("flag");
    const flag = { id: `${BASE}/flags/${Date.now()}`, type: "Flag", actor: `${BASE}/actor`, object: [`${peer.origin}/users/x`] };
    await enqueueDelivery(env, { inbox: `${peer.origin}/inbox`, activity: flag, signerAccountId: INSTANCE_ACTOR_SIGNER });
    await runUntil(peer.host, (s) => s.delivered === 1);
    const actorDoc = (await (await SELF.fetch(`${BASE}/actor`)).json()) as { publicKey: { publicKeyPem: string } };
    const sig = await verifyLikeMastodon(posts(peer)[0], actorDoc.publicKey.publicKeyPem);
    expect(sig.keyId).toBe(`${BASE}/actor#main-key`);
  });

  it("retries a failing host on Mastodon's schedule and gives up after 16 retries", async () => {
    const peer = await newPeer("down");
    peer.inbox = () => new Response("busy", { status: 503 });
    await enqueueDelivery(env, { inbox: `${peer.origin}/inbox`, activity: activity(), signerAccountId: sender.id });
    let status = await runUntil(peer.host, (s) => s.queued[0]?.attempts === 1);
    let total = 0;
    for (let n = 1; n <= MAX_DELIVERY_RETRIES; n++) {
      const item = status.queued[0];
      expect(item.attempts).toBe(n);
      expect(item.lastStatus).toBe(503);
      const wait = item.nextAt - (await queueNow(peer.host));
      const failures = n - 1;
      expect(wait).toBeGreaterThanOrEqual((failures ** 4 + 15) * 1000 - 50);
      expect(wait).toBeLessThanOrEqual((failures ** 4 + 15 + 9 * (failures + 1)) * 1000 + 50);
      // Not yet due: not attempted (once the breaker is open, a probe a minute may go early,
      // without spending the row's retries).
      await advance(peer.host, wait - 1000);
      await runDurableObjectAlarm(deliveryStub(env, peer.host));
      expect((await deliveryStub(env, peer.host).status()).queued[0].attempts).toBe(n);
      await advance(peer.host, 1000);
      total += wait;
      await runDurableObjectAlarm(deliveryStub(env, peer.host));
      status = await deliveryStub(env, peer.host).status();
      // Behind an open breaker the due attempt waits for the next probe: at most a minute.
      for (let i = 0; i < 7 && status.queued[0]?.attempts === n; i++) {
        await advance(peer.host, 10_000);
        total += 10_000;
        await runDurableObjectAlarm(deliveryStub(env, peer.host));
        status = await deliveryStub(env, peer.host).status();
      }
    }
    expect(posts(peer).length).toBeGreaterThanOrEqual(MAX_DELIVERY_RETRIES + 1);
    expect(posts(peer).length).toBeLessThanOrEqual(3 * (MAX_DELIVERY_RETRIES + 1));
    expect(status.queued).toEqual([]);
    expect(status.dropped).toBe(1);
    expect(total).toBeGreaterThan(2 * 24 * 3600_000);
    expect(total).toBeLessThan(3 * 24 * 3600_000);
  });

  it("treats a 4xx other than 401/408/429 as final, and retries those three", async () => {
    for (const code of [400, 404, 410]) {
      const peer = await newPeer(`gone${code}`);
      peer.inbox = () => new Response(null, { status: code });
      await enqueueDelivery(env, { inbox: `${peer.origin}/inbox`, activity: activity(), signerAccountId: sender.id });
      const s = await runUntil(peer.host, (st) => st.dropped === 1);
      expect(s.queued).toEqual([]);
      expect(posts(peer)).toHaveLength(1);
    }
    for (const code of [401, 408, 429]) {
      const peer = await newPeer(`retry${code}`);
      peer.inbox = () => new Response(null, { status: code });
      await enqueueDelivery(env, { inbox: `${peer.origin}/inbox`, activity: activity(), signerAccountId: sender.id });
      const s = await runUntil(peer.host, (st) => st.queued[0]?.attempts === 1);
      expect(s.queued[0].lastStatus).toBe(code);
      expect(s.dropped).toBe(0);
      await drain(peer);
    }
  });

  it("retries network failures and timeouts", async () => {
    const peer = await newPeer("flaky");
    peer.inbox = () => {
      throw new TypeError("connection reset");
    };
    await enqueueDelivery(env, { inbox: `${peer.origin}/inbox`, activity: activity(), signerAccountId: sender.id });
    const s = await runUntil(peer.host, (st) => st.queued[0]?.attempts === 1);
    expect(s.queued[0].lastError).toMatch(/connection reset/);
    peer.inbox = () => new Response(null, { status: 202 });
    await advance(peer.host, 30_000);
    expect((await runUntil(peer.host, (st) => st.delivered === 1)).queued).toEqual([]);
  });

  it("opens the circuit after repeated failures, probes once per pause, and resumes on success", async () => {
    const peer = await newPeer("breaker");
    peer.inbox = () => new Response(null, { status: 500 });
    const count = BREAKER_THRESHOLD + 4;
    for (let i = 0; i < count; i++) {
      await enqueueDelivery(env, { inbox: `${peer.origin}/inbox`, activity: activity(), signerAccountId: sender.id });
    }
    const open = await runUntil(peer.host, (s) => s.consecutiveFailures >= BREAKER_THRESHOLD);
    expect(open.pausedUntil).not.toBeNull();
    const sentWhenOpened = posts(peer).length;
    // Everything in flight finished; nothing more while paused (a batch is at most 4 wide).
    expect(sentWhenOpened).toBeLessThan(BREAKER_THRESHOLD + 4);
    await runDurableObjectAlarm(deliveryStub(env, peer.host));
    await advance(peer.host, 20_000);
    await runDurableObjectAlarm(deliveryStub(env, peer.host));
    expect(posts(peer)).toHaveLength(sentWhenOpened);
    // Pause over: one probe, which fails: paused again, longer (but never more than a minute).
    await advance(peer.host, 15_000);
    await runDurableObjectAlarm(deliveryStub(env, peer.host));
    expect(posts(peer)).toHaveLength(sentWhenOpened + 1);
    const reopened = await deliveryStub(env, peer.host).status();
    const pause = reopened.pausedUntil! - (await queueNow(peer.host));
    expect(pause).toBeGreaterThan(30_000);
    expect(pause).toBeLessThanOrEqual(60_000);
    await advance(peer.host, 30_000);
    await runDurableObjectAlarm(deliveryStub(env, peer.host));
    expect(posts(peer)).toHaveLength(sentWhenOpened + 1);
    // The host recovers: the next probe succeeds and the whole queue drains.
    peer.inbox = () => new Response(null, { status: 202 });
    await advance(peer.host, 31_000);
    const drained = await runUntil(peer.host, (s) => s.queued.length === 0);
    expect(drained.delivered).toBe(count);
    expect(drained.consecutiveFailures).toBe(0);
    expect(drained.pausedUntil).toBeNull();
  });

  it("finds a peer back within a minute after hours down, probing once a minute without spending the rows' retries", async () => {
    const peer = await newPeer("returning");
    peer.inbox = () => new Response(null, { status: 503 });
    const count = BREAKER_THRESHOLD + 4;
    for (let i = 0; i < count; i++) {
      await enqueueDelivery(env, { inbox: `${peer.origin}/inbox`, activity: activity(), signerAccountId: sender.id });
    }
    await runUntil(peer.host, (s) => s.consecutiveFailures >= BREAKER_THRESHOLD);
    const stub = deliveryStub(env, peer.host);
    const before = posts(peer).length;
    // Three hours down, the alarm run every 10 s of its clock: at most one probe a minute.
    for (let i = 0; i < 3 * 360; i++) {
      await advance(peer.host, 10_000);
      await runDurableObjectAlarm(stub);
    }
    const probes = posts(peer).length - before;
    expect(probes).toBeGreaterThan(3 * 60 - 5);
    expect(probes).toBeLessThanOrEqual(3 * 60 + 1);
    const down = await stub.status();
    expect(down.queued).toHaveLength(count);
    expect(Math.max(...down.queued.map((q) => q.attempts))).toBeLessThanOrEqual(MAX_DELIVERY_RETRIES);
    // Some rows are backing off for long; the peer comes back.
    const now = await queueNow(peer.host);
    expect(Math.max(...down.queued.map((q) => q.nextAt)) - now).toBeGreaterThan(60_000);
    peer.inbox = () => new Response(null, { status: 202 });
    await advance(peer.host, 60_000);
    const drained = await runUntil(peer.host, (s) => s.queued.length === 0);
    expect(drained.delivered).toBe(count);
    expect((await queueNow(peer.host)) - now).toBeLessThan(62_000);
  });

  it("retries a delivery that was in flight when the process died about a minute later", async () => {
    const peer = await newPeer("inflight");
    const stub = deliveryStub(env, peer.host);
    await stub.enqueue({ inbox: `${peer.origin}/inbox`, activity: activity(), signerAccountId: sender.id });
    // The alarm leases the row and sets its guard alarm, then the process dies before the POST.
    const leasedAt = await runInDurableObject(stub, async (o: DeliveryObject) => {
      const internals = o as unknown as { due(by: number, n: number): unknown[]; guardLeases(): Promise<void> };
      expect(internals.due(o.now(), 4)).toHaveLength(1);
      await internals.guardLeases();
      return o.now();
    });
    await evictDurableObject(stub);
    const after = await stub.status();
    expect(after.queued).toHaveLength(1);
    expect(after.queued[0].nextAt - leasedAt).toBeLessThanOrEqual(60_000);
    peer.inbox = () => new Response(null, { status: 202 });
    await runDurableObjectAlarm(stub);
    expect(posts(peer)).toHaveLength(0);
    await advance(peer.host, 60_000);
    const done = await runUntil(peer.host, (s) => s.queued.length === 0);
    expect(done.delivered).toBe(1);
    expect(posts(peer)).toHaveLength(1);
  });

  it("loses nothing when the object restarts", async () => {
    const peer = await newPeer("restart");
    peer.inbox = () => new Response(null, { status: 503 });
    const a = activity();
    // One stub for everything: eviction waits until no other stub references the object.
    const stub = deliveryStub(env, peer.host);
    await stub.enqueue({ inbox: `${peer.origin}/inbox`, activity: a, signerAccountId: sender.id });
    for (let i = 0; i < 100 && (await stub.status()).queued[0]?.attempts !== 1; i++) await runDurableObjectAlarm(stub);
    await evictDurableObject(stub);
    const after = await stub.status();
    expect(after.queued).toHaveLength(1);
    expect(after.queued[0]).toMatchObject({ activityId: a.id, attempts: 1 });
    peer.inbox = () => new Response(null, { status: 202 });
    await runInDurableObject(stub, (o: DeliveryObject) => {
      o.clockOffsetMs = 60_000;
    });
    for (let i = 0; i < 100 && (await stub.status()).delivered !== 1; i++) await runDurableObjectAlarm(stub);
    expect((await stub.status()).queued).toEqual([]);
    expect(posts(peer)).toHaveLength(2);
  });

  it("groups recipients by shared inbox, one queue per host", async () => {
    const a = await newPeer("shared");
    const b = await newPeer("personal");
    const queued = await deliverToActors(env, {
      activity: activity(),
      signerAccountId: sender.id,
      recipients: [
        { inbox: `${a.origin}/users/1/inbox`, sharedInbox: `${a.origin}/inbox` },
        { inbox: `${a.origin}/users/2/inbox`, sharedInbox: `${a.origin}/inbox` },
        { inbox: `${b.origin}/users/3/inbox`, sharedInbox: null },
      ],
    });
    expect(queued.sort()).toEqual([`${a.origin}/inbox`, `${b.origin}/users/3/inbox`].sort());
    await runUntil(a.host, (s) => s.delivered === 1);
    await runUntil(b.host, (s) => s.delivered === 1);
    expect(posts(a)).toHaveLength(1);
  });

  it("refuses unsafe or mismatched inboxes and unsigned-able activities", async () => {
    const peer = await newPeer("checks");
    const bad = async (inbox: string, act: Record<string, unknown> = activity()) => {
      const r = await deliveryStub(env, new URL(inbox).host).enqueue({ inbox, activity: act, signerAccountId: sender.id });
      return (r as Result<unknown>).ok ? 200 : (r as unknown as { status: number }).status;
    };
    expect(await bad("https://127.0.0.1/inbox")).toBe(422);
    expect(await bad("https://[::1]/inbox")).toBe(422);
    expect(await bad("https://printer.local/inbox")).toBe(422);
    expect(await bad(`http://${peer.host}/inbox`)).toBe(422);
    const { actor: _a, ...noActor } = activity();
    expect(await bad(`${peer.origin}/inbox`, noActor)).toBe(422);
    await enqueueDelivery(env, { inbox: `${peer.origin}/inbox`, activity: activity(), signerAccountId: sender.id });
    const wrongQueue = await deliveryStub(env, peer.host).enqueue({ inbox: "https://other.example/inbox", activity: activity(), signerAccountId: sender.id });
    expect((wrongQueue as Result<unknown>).ok ? 200 : (wrongQueue as unknown as { status: number }).status).toBe(422);
    await drain(peer);
  });

  it("drops a delivery whose signer no longer exists", async () => {
    const peer = await newPeer("nosigner");
    await enqueueDelivery(env, { inbox: `${peer.origin}/inbox`, activity: activity(), signerAccountId: "999999999" });
    const s = await runUntil(peer.host, (st) => st.dropped === 1);
    expect(s.queued).toEqual([]);
    expect(posts(peer)).toHaveLength(0);
  });
});
