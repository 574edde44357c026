import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { BenchContext, Row } from "../run.ts";
import { percentile, request, until } from "../load.ts";
import { appToken, pool, postForm, registerUser } from "../seed.ts";
import { freePort, startServer } from "../../test/e2e/server.ts";
import { startProfiling } from "../profile.ts";
import { cpuMs, serverProcesses } from "../proc.ts";
import {
  decryptAes128gcm,
  decryptAesgcm,
  newSubscriberKeys,
  readVapidCredentials,
  toBase64url,
  verifyVapidToken,
  type SubscriberKeys,
} from "../../test/unit/push-receiver.ts";

/**
 * Web Push: the time from a mention's API call until its encrypted POST reaches the push
 * service, for RECIPIENTS local accounts that each have a push subscription. The push service
 * is an HTTP server on loopback in this process: like a real one it checks every message (the
 * VAPID token's signature, audience and expiry, then decrypts it with the subscriber's private
 * key, half of them `aes128gcm`, half the legacy `aesgcm`) before answering 201, and the arrival
 * is timed when the request is in, before that work. The server is our own, started with
 * ALLOW_PRIVATE_ADDRESSES=true (loopback http endpoints). One status mentions all recipients;
 * each round starts once the previous one is over.
 */
const RECIPIENTS = 50;
const WARMUP_ROUNDS = 2;
const ROUNDS = 10;
const WAIT_MS = 30_000;
const GAP_MS = 300;
/** CPU is read this long after each API call (or once the last push arrived, if later). */
const CPU_WINDOW_MS = 1000;
/** PUSH_PROFILE=1 prints a CPU profile (self time per function) of the measured rounds. */
const PROFILE = process.env.PUSH_PROFILE === "1";

const sleepUntil = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");

interface Subscriber {
  index: number;
  keys: SubscriberKeys;
  standard: boolean;
  arrivals: number[];
}

/** The loopback push service: `/push/<index>`. */
class LoopbackPushService {
  origin = "";
  readonly subscribers: Subscriber[] = [];
  rejected: string[] = [];
  checked = 0;
  private server: Server | null = null;

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.receive(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const subscriber = this.subscribers[Number(/^\/push\/(\d+)$/.exec(req.url ?? "")?.[1] ?? -1)];
    if (req.method !== "POST" || !subscriber) return void res.writeHead(404).end();
    subscriber.arrivals.push(at);
    try {
      const headers = new Headers(Object.entries(req.headers).map(([k, v]) => [k, String(v)]) as [string, string][]);
      const { token, key } = readVapidCredentials(headers);
      await verifyVapidToken(token, key, this.origin);
      const body = new Uint8Array(Buffer.concat(chunks));
      const plaintext = subscriber.standard
        ? (await decryptAes128gcm(subscriber.keys, body)).plaintext
        : await decryptAesgcm(subscriber.keys, body, headers.get("encryption"), headers.get("crypto-key"));
      const payload = JSON.parse(new TextDecoder().decode(plaintext));
      if (payload.notification_type !== "mention" || typeof payload.access_token !== "string") throw new Error("unexpected payload");
      this.checked++;
      res.writeHead(201).end();
    } catch (err) {
      this.rejected.push(err instanceof Error ? err.message : String(err));
      res.writeHead(400).end();
    }
  }
}

export async function push(_ctx: BenchContext): Promise<Row[]> {
  const started = Date.now();
  const inspectorPort = PROFILE ? await freePort() : 0;
  const server = await startServer({ ALLOW_PRIVATE_ADDRESSES: "true", WRANGLER_LOG_LEVEL: "error", ...(PROFILE ? { INSPECTOR_PORT: String(inspectorPort) } : {}) });
  const service = new LoopbackPushService();
  await service.start();
  try {
    const origin = server.origin;
    const app = await appToken(origin);
    const author = await registerUser(origin, app, "pushauthor");
    const names = Array.from({ length: RECIPIENTS }, (_, i) => `p${String(i).padStart(2, "0")}`);
    const recipients: { id: string; token: string }[] = new Array(RECIPIENTS);
    await pool(names, 5, async (name, i) => {
      recipients[i] = await registerUser(origin, app, name);
    });
    await pool(recipients, 5, async (r, i) => {
      const keys = await newSubscriberKeys();
      const standard = i % 2 === 0;
      service.subscribers[i] = { index: i, keys, standard, arrivals: [] };
      await postForm(
        origin,
        "/api/v1/push/subscription",
        {
          "subscription[endpoint]": `${service.origin}/push/${i}`,
          "subscription[keys][p256dh]": toBase64url(keys.publicKey),
          "subscription[keys][auth]": toBase64url(keys.auth),
          "subscription[standard]": String(standard),
          "data[alerts][mention]": "true",
          "data[policy]": "all",
        },
        r.token,
      );
    });
    const seeded = Date.now();
    const text = names.map((n) => `@${n}`).join(" ") + " ping";
    const pids = serverProcesses(String(server.port));
    const latencies: number[] = [];
    const lastOfRound: number[] = [];
    const apiCalls: number[] = [];
    let missing = 0;
    let cpu = 0;
    const profiler = PROFILE ? await startProfiling(inspectorPort) : null;
    for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
      await new Promise((r) => setTimeout(r, GAP_MS));
      const before = service.subscribers.map((s) => s.arrivals.length);
      const cpuBefore = cpuMs(pids);
      const sent = performance.now();
      await postForm(origin, "/api/v1/statuses", { status: `${text} ${round}` }, author.token);
      const returned = performance.now();
      const complete = await until(() => service.subscribers.every((s, i) => s.arrivals.length > before[i]), WAIT_MS);
      if (round < WARMUP_ROUNDS) {
        if (round === WARMUP_ROUNDS - 1) await profiler?.start();
        continue;
      }
      await sleepUntil(sent + CPU_WINDOW_MS);
      cpu += cpuMs(pids) - cpuBefore;
      apiCalls.push(returned - sent);
      const times = service.subscribers.flatMap((s, i) => (s.arrivals.length > before[i] ? [s.arrivals[before[i]] - sent] : []));
      if (!complete) missing += RECIPIENTS - times.length;
      latencies.push(...times);
      lastOfRound.push(Math.max(...times));
    }
    if (profiler) {
      const rows = await profiler.stop();
      console.log(`push: µs per status by function (self time), ${ROUNDS} statuses:`);
      for (const [key, us] of rows.slice(0, Number(process.env.PROFILE_TOP ?? 40))) console.log(`${(us / ROUNDS).toFixed(0).padStart(8)}  ${key}`);
    }
    const arrived = service.subscribers.reduce((n, s) => n + s.arrivals.length, 0);
    await until(() => service.checked + service.rejected.length >= arrived, 10_000, 20);

    // The same statuses once nobody is subscribed: what the pushes add to the call and the CPU.
    await pool(recipients, 5, async (r) => {
      await request(origin, "/api/v1/push/subscription", { method: "DELETE", headers: { authorization: `Bearer ${r.token}` } });
    });
    const plainCalls: number[] = [];
    let plainCpu = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await new Promise((r) => setTimeout(r, GAP_MS));
      const cpuBefore = cpuMs(pids);
      const sent = performance.now();
      await postForm(origin, "/api/v1/statuses", { status: `${text} plain ${round}` }, author.token);
      plainCalls.push(performance.now() - sent);
      await sleepUntil(sent + CPU_WINDOW_MS);
      plainCpu += cpuMs(pids) - cpuBefore;
    }
    for (const list of [latencies, lastOfRound, apiCalls, plainCalls]) list.sort((a, b) => a - b);
    return [
      {
        name: `push: mention → encrypted POST at the push service, ${RECIPIENTS} subscribed recipients × ${ROUNDS} statuses`,
        note:
          `p50 ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms from the API call; ` +
          `last recipient p50 ${fmt(percentile(lastOfRound, 50))} ms; the API call p50 ${fmt(percentile(apiCalls, 50))} ms; ` +
          `workerd CPU ${fmt(cpu / ROUNDS)} ms per status; without subscriptions the call p50 ${fmt(percentile(plainCalls, 50))} ms and ${fmt(plainCpu / ROUNDS)} ms CPU; ` +
          `${service.checked} messages verified and decrypted (half aes128gcm, half aesgcm)` +
          `${service.rejected.length ? `, ${service.rejected.length} rejected (${service.rejected[0]})` : ""}${missing ? `; ${missing} missing` : ""}`,
        target: "p50 < 500 ms",
      },
      { name: "push scenario time", note: `${fmt((Date.now() - started) / 1000)} s (seeding ${fmt((seeded - started) / 1000)} s; own server with ALLOW_PRIVATE_ADDRESSES=true)` },
    ];
  } finally {
    await service.stop();
    await server.stop();
  }
}
