import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPushPayload } from "@block65/webcrypto-web-push";
import { buildPushHTTPRequest } from "@pushforge/builder";
import {
  buildPushRequest,
  exportVapidJwk,
  exportVapidRaw,
  generateVapidKeys,
  type ContentEncoding,
  type PushRequest,
  type PushRequestInput,
  type VapidKeys,
} from "../../lib/push";
import { uninstallFakeNetwork } from "./federation-peer";
import { FakePushService, type PushSubscriber } from "./push-service";

const SUBJECT = "mailto:admin@pronghorn.test";
let service: FakePushService;
let vapid: VapidKeys;

beforeAll(async () => {
  service = new FakePushService().install();
  vapid = await generateVapidKeys();
});

afterAll(() => uninstallFakeNetwork());

function input(subscriber: PushSubscriber, encoding: ContentEncoding, extra: Partial<PushRequestInput> = {}): PushRequestInput {
  return {
    endpoint: subscriber.endpoint,
    keys: { p256dh: subscriber.p256dh, auth: subscriber.auth },
    encoding,
    payload: JSON.stringify({ notification_id: "42", title: "New follower", body: "🦌 followed you" }),
    vapid,
    subject: SUBJECT,
    ttl: 172800,
    ...extra,
  };
}

async function build(request: PushRequestInput): Promise<PushRequest> {
  const built = await buildPushRequest(request);
  if (!built.ok) throw new Error(built.error);
  return built.value;
}

const send = (request: PushRequest) => fetch(request.url, { method: request.method, headers: request.headers, body: request.body });

describe("push requests through the fake push service", () => {
  it("aes128gcm: vapid t=/k= authorization, delivery headers, payload decrypted", async () => {
    const subscriber = await service.subscribe();
    const request = await build(input(subscriber, "aes128gcm", { urgency: "high", topic: "follow-42" }));
    expect(request.method).toBe("POST");
    expect(request.url).toBe(subscriber.endpoint);
    expect(request.headers).toMatchObject({
      "Content-Encoding": "aes128gcm",
      "Content-Type": "application/octet-stream",
      TTL: "172800",
      Urgency: "high",
      Topic: "follow-42",
    });
    expect(request.headers.Authorization).toMatch(new RegExp(`^vapid t=[\\w-]+\\.[\\w-]+\\.[\\w-]+, k=${vapid.publicKey}$`));
    expect(request.headers["Crypto-Key"]).toBeUndefined();
    expect(request.headers.Encryption).toBeUndefined();

    const response = await send(request);
    expect(response.status).toBe(201);
    expect(service.rejected).toEqual([]);
    const [message] = service.messagesFor(subscriber);
    expect(message).toMatchObject({
      encoding: "aes128gcm",
      scheme: "vapid",
      json: { notification_id: "42", title: "New follower", body: "🦌 followed you" },
      ttl: "172800",
      urgency: "high",
      topic: "follow-42",
    });
    expect(message.claims.aud).toBe(service.origin);
    expect(message.claims.sub).toBe(SUBJECT);
    expect(message.claims.exp - Date.now() / 1000).toBeGreaterThan(12 * 3600 - 60);
    expect(message.claims.exp - Date.now() / 1000).toBeLessThanOrEqual(12 * 3600);
  });

  it("aesgcm: WebPush authorization, Crypto-Key dh=…;p256ecdsa=…, Encryption salt=…, payload decrypted", async () => {
    const subscriber = await service.subscribe();
    const request = await build(input(subscriber, "aesgcm", { ttl: 0, urgency: "very-low" }));
    expect(request.headers.Authorization).toMatch(/^WebPush [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(request.headers["Crypto-Key"]).toMatch(new RegExp(`^dh=B[\\w-]{86};p256ecdsa=${vapid.publicKey}$`));
    expect(request.headers.Encryption).toMatch(/^salt=[\w-]{22}$/);
    expect(request.headers).toMatchObject({ "Content-Encoding": "aesgcm", TTL: "0", Urgency: "very-low" });
    expect(request.headers.Topic).toBeUndefined();

    expect((await send(request)).status).toBe(201);
    const [message] = service.messagesFor(subscriber);
    expect(message).toMatchObject({ encoding: "aesgcm", scheme: "WebPush", ttl: "0", urgency: "very-low", topic: null });
    expect(message.json).toEqual({ notification_id: "42", title: "New follower", body: "🦌 followed you" });
  });

  it("defaults Urgency to normal and accepts bytes as the payload", async () => {
    const subscriber = await service.subscribe();
    const bytes = new Uint8Array([0x7b, 0x7d]);
    const response = await send(await build(input(subscriber, "aes128gcm", { payload: bytes })));
    expect(response.status).toBe(201);
    expect(service.messagesFor(subscriber)[0]).toMatchObject({ urgency: "normal", text: "{}" });
  });

  it("keys given in standard base64 (+/ and padding) work the same", async () => {
    const subscriber = await service.subscribe();
    const standard = (b64url: string) => {
      const s = b64url.replace(/-/g, "+").replace(/_/g, "/");
      return s + "=".repeat((4 - (s.length % 4)) % 4);
    };
    const keys = { p256dh: standard(subscriber.p256dh), auth: standard(subscriber.auth) };
    for (const encoding of ["aes128gcm", "aesgcm"] as const) {
      expect((await send(await build(input(subscriber, encoding, { keys })))).status).toBe(201);
    }
    expect(service.messagesFor(subscriber)).toHaveLength(2);
  });

  it("answers with the status the test chooses: 404, 410, 429 with Retry-After, 500", async () => {
    const subscriber = await service.subscribe();
    const request = () => build(input(subscriber, "aes128gcm"));
    service.respondFor(subscriber, { status: 429, headers: { "Retry-After": "120" } });
    const limited = await send(await request());
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("120");
    for (const status of [404, 500]) {
      service.respondFor(subscriber, { status });
      expect((await send(await request())).status).toBe(status);
    }
    service.expire(subscriber);
    expect((await send(await request())).status).toBe(410);
    expect(service.messagesFor(subscriber).map((m) => m.status)).toEqual([429, 404, 500, 410]);
  });

  it("rejects a token signed by another key, or for another audience, and a body for another subscriber", async () => {
    const subscriber = await service.subscribe();
    const other = await generateVapidKeys();
    const forged = await build(input(subscriber, "aes128gcm", { vapid: { publicKey: vapid.publicKey, privateKey: other.privateKey } }));
    expect((await send(forged)).status).toBe(403);
    expect(service.rejected.at(-1)?.reason).toMatch(/signature/);

    const elsewhere = await build(input(subscriber, "aesgcm", { endpoint: "https://elsewhere.example/x" }));
    expect((await send({ ...elsewhere, url: subscriber.endpoint })).status).toBe(403);
    expect(service.rejected.at(-1)?.reason).toMatch(/aud/);

    const stranger = await service.subscribe();
    const misaddressed = await build(input(stranger, "aes128gcm"));
    expect((await send({ ...misaddressed, url: subscriber.endpoint })).status).toBe(400);
    expect(service.messagesFor(subscriber)).toEqual([]);
  });

  it("returns error values for bad input, never throws", async () => {
    const subscriber = await service.subscribe();
    const cases: [Partial<PushRequestInput>, string][] = [
      [{ endpoint: "not a url" }, "invalid_endpoint"],
      [{ endpoint: "http://push.example/x" }, "invalid_endpoint"],
      [{ ttl: -1 }, "invalid_ttl"],
      [{ ttl: 1.5 }, "invalid_ttl"],
      [{ urgency: "urgent" as never }, "invalid_urgency"],
      [{ topic: "x".repeat(33) }, "invalid_topic"],
      [{ topic: "has space" }, "invalid_topic"],
      [{ topic: "" }, "invalid_topic"],
      [{ encoding: "gzip" as never }, "invalid_encoding"],
      [{ subject: "admin@pronghorn.test" }, "invalid_subject"],
      [{ keys: { p256dh: subscriber.p256dh, auth: "AAAA" } }, "invalid_auth"],
      [{ keys: { p256dh: subscriber.auth, auth: subscriber.auth } }, "invalid_p256dh"],
      [{ payload: "x".repeat(3994) }, "payload_too_large"],
    ];
    for (const [extra, code] of cases) {
      expect(await buildPushRequest(input(subscriber, "aes128gcm", extra)), code).toMatchObject({ ok: false, code });
    }
    expect(await buildPushRequest(input(subscriber, "aesgcm", { payload: "x".repeat(3994) }))).toMatchObject({ ok: true });
    expect(await buildPushRequest(input(subscriber, "aesgcm", { topic: "x".repeat(32) }))).toMatchObject({ ok: true });
    const local = await buildPushRequest(input(subscriber, "aes128gcm", { endpoint: "http://localhost:8080/push", allowInsecureEndpoint: true }));
    expect(local).toMatchObject({ ok: true });
  });
});

describe("interoperability: other senders' messages reach the fake service intact", () => {
  it("@block65/webcrypto-web-push (aes128gcm, padded to 4096 bytes, RFC 8292 vapid)", async () => {
    const subscriber = await service.subscribe();
    const raw = await exportVapidRaw(vapid);
    if (!raw.ok) throw new Error(raw.error);
    const subscription = { endpoint: subscriber.endpoint, expirationTime: null, keys: { p256dh: subscriber.p256dh, auth: subscriber.auth } };
    const built = await buildPushPayload({ data: { hello: "from block65" }, options: { ttl: 60, urgency: "low" } }, subscription, {
      subject: SUBJECT,
      publicKey: raw.value.publicKey,
      privateKey: raw.value.privateKey,
    });
    const response = await fetch(subscriber.endpoint, { method: "POST", headers: built.headers, body: built.body });
    expect(response.status).toBe(201);
    expect(built.body.length).toBe(4096);
    expect(service.messagesFor(subscriber)[0]).toMatchObject({ encoding: "aes128gcm", scheme: "vapid", json: { hello: "from block65" }, urgency: "low" });
  });

  it("@pushforge/builder (aesgcm with random padding and a vapid authorization)", async () => {
    const subscriber = await service.subscribe();
    const jwk = await exportVapidJwk(vapid);
    if (!jwk.ok) throw new Error(jwk.error);
    const request = await buildPushHTTPRequest({
      privateJWK: jwk.value,
      subscription: { endpoint: subscriber.endpoint, keys: { p256dh: subscriber.p256dh, auth: subscriber.auth } },
      message: { payload: { hello: "from pushforge" }, adminContact: SUBJECT, options: { ttl: 60 } },
    });
    const response = await fetch(request.endpoint, { method: "POST", headers: request.headers, body: request.body });
    expect(response.status).toBe(201);
    expect(service.messagesFor(subscriber)[0]).toMatchObject({ encoding: "aesgcm", scheme: "vapid", json: { hello: "from pushforge" } });
  });
});
