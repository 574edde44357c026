import { readFileSync } from "node:fs";
import type { BenchContext, Row } from "../run.ts";
import { percentile, until } from "../load.ts";
import { cpuMs, serverProcesses } from "../proc.ts";
import { appToken, pool, postForm, registerUser } from "../seed.ts";

/**
 * Streaming. (1) FOLLOWERS accounts follow one author and hold a `user` stream; the
 * author posts and we time, from `POST /api/v1/statuses` returning, the `update` on every
 * socket (p50/p99 over all deliveries, and the slowest socket per post). (2) IDLE_SOCKETS
 * connections stay open and silent for IDLE_MS: the workerd process's RSS and the CPU time it
 * spends meanwhile (from /proc) show whether idle sockets cost anything, i.e. the objects
 * hibernated. CPU and RSS are summed over the server's workerd processes (the one running the
 * Worker and every object, and wrangler's proxy in front).
 */
const FOLLOWERS = 200;
const POSTS = 10;
const IDLE_SOCKETS = 1000;
const IDLE_MS = 30_000;
const DELIVERY_TIMEOUT_MS = 10_000;
/** Creating accounts is slow on a busy machine (keys, password hash): seeding stops here. */
const SEED_BUDGET_MS = 35_000;
/** Waiting for the seed's background jobs to finish before the posts. */
const QUIET_MAX_MS = 20_000;
/** Between posts: how long the server must be (nearly) idle for the previous fan-out to count as over. */
const POST_QUIET_MS = 100;

interface Client {
  ws: WebSocket;
}

const arrivals = new Map<string, number[]>();
const openSocket = (url: string) => openUpdateSocket(url, arrivals);

/** A `user` stream socket that notes, per status id, when each `update` arrived (performance.now()). */
export function openUpdateSocket(url: string, arrivals: Map<string, number[]>): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.addEventListener("open", () => resolve({ ws }), { once: true });
    ws.addEventListener("error", () => reject(new Error(`WebSocket failed: ${url.replace(/access_token=[^&]+/, "access_token=…")}`)), { once: true });
    ws.addEventListener("message", (e) => {
      const at = performance.now();
      const m = JSON.parse(String(e.data)) as { event?: string; payload?: string };
      if (m.event !== "update" || !m.payload) return;
      const id = (JSON.parse(m.payload) as { id: string }).id;
      const list = arrivals.get(id);
      if (list) list.push(at);
      else arrivals.set(id, [at]);
    });
  });
}

/** `wrangler dev` restarts the Worker when files change (503 mid-request): try again. */
async function retried<T>(fn: (attempt: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn(i);
    } catch (err) {
      if (i >= attempts || !String(err).includes(" 503 ")) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export async function streaming(ctx: BenchContext): Promise<Row[]> {
  const started = Date.now();
  const app = await appToken(ctx.origin);
  const prefix = `st${Date.now().toString(36).slice(-5)}`;
  const author = await registerUser(ctx.origin, app, `${prefix}_author`);
  const followers: { id: string; token: string }[] = [];
  const seedDeadline = Date.now() + SEED_BUDGET_MS;
  await pool(
    Array.from({ length: FOLLOWERS }, (_, i) => i),
    8,
    async (i) => {
      if (Date.now() > seedDeadline) return;
      const f = await retried((attempt) => registerUser(ctx.origin, app, `${prefix}_f${i}r${attempt}`));
      await retried(() => postForm(ctx.origin, `/api/v1/accounts/${author.id}/follow`, {}, f.token));
      followers.push(f);
    },
  );
  const seeded = Date.now();

  const workerd = serverProcesses(new URL(ctx.origin).port);
  const server = workerd.length ? workerd : null;
  const rssBefore = server ? rssMb(server) : NaN;
  const ws = ctx.origin.replace(/^http/, "ws");
  const url = (token: string) => `${ws}/api/v1/streaming?stream=user&access_token=${token}`;
  const sockets: Client[] = [];
  await pool(followers, 50, async (f) => void sockets.push(await openSocket(url(f.token))));
  // The follows' background jobs (feeds merged, notifications, counters) must not run during the posts.
  const quietAfter = server ? await untilQuiet(server) : NaN;

  // One warm-up post (cold objects), then the measured ones.
  const latencies: number[] = [];
  const fromSent: number[] = [];
  const slowest: number[] = [];
  const posts: number[] = [];
  let early = 0;
  let missing = 0;
  let fanoutCpu = 0;
  for (let i = 0; i <= POSTS; i++) {
    // Each post starts once the previous one's fan-out is over: it also stores the status in
    // every home after the last socket heard of it (a second round of calls), and a post sent
    // into that would time the queue, not this post. A short window: a longer idle time makes
    // the next fan-out itself slower locally (see the note in docs/ARCHITECTURE.md).
    if (i > 0) await (server ? untilQuiet(server, POST_QUIET_MS) : new Promise((r) => setTimeout(r, 300)));
    const cpuBefore = server ? cpuMs(server) : NaN;
    const sent = performance.now();
    const status = await postForm(ctx.origin, "/api/v1/statuses", { status: `bench post ${i}` }, author.token);
    const returned = performance.now();
    const complete = await until(() => (arrivals.get(status.id)?.length ?? 0) >= followers.length, DELIVERY_TIMEOUT_MS);
    const times = arrivals.get(status.id) ?? [];
    if (i === 0) continue;
    if (server) await untilQuiet(server, POST_QUIET_MS);
    fanoutCpu += (server ? cpuMs(server) : NaN) - cpuBefore;
    if (!complete) missing += followers.length - times.length;
    posts.push(returned - sent);
    early += times.filter((at) => at < returned).length;
    // An event can arrive before the client has read the API response: that counts as 0 ms.
    latencies.push(...times.map((at) => Math.max(0, at - returned)));
    fromSent.push(...times.map((at) => at - sent));
    slowest.push(Math.max(0, ...times.map((at) => at - returned)));
  }
  for (const list of [latencies, fromSent, slowest, posts]) list.sort((a, b) => a - b);
  const rssFanout = server ? rssMb(server) : NaN;

  // Idle: top up to IDLE_SOCKETS connections (several per follower), then leave them alone.
  const extra = Array.from({ length: IDLE_SOCKETS - sockets.length }, (_, i) => followers[i % followers.length]);
  await pool(extra, 50, async (f) => void sockets.push(await openSocket(url(f.token))));
  const open = sockets.filter((s) => s.ws.readyState === WebSocket.OPEN).length;
  const rssConnected = server ? rssMb(server) : NaN;
  // CPU per third of the idle time: objects are evicted (hibernate) some seconds after their last event.
  const cpu: number[] = [server ? cpuMs(server) : NaN];
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, IDLE_MS / 3));
    cpu.push(server ? cpuMs(server) : NaN);
  }
  const rssIdle = server ? rssMb(server) : NaN;
  const stillOpen = sockets.filter((s) => s.ws.readyState === WebSocket.OPEN).length;
  for (const s of sockets) s.ws.close();

  const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "-");
  return [
    {
      name: `user stream fan-out: ${followers.length} sockets × ${POSTS} posts`,
      note: `p50 ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms; every socket by p50 ${fmt(percentile(slowest, 50))} ms${early ? ` (${early} of ${latencies.length} arrived before the response)` : ""}; from POST sent p50 ${fmt(percentile(fromSent, 50))} ms, p99 ${fmt(percentile(fromSent, 99))} ms (the POST itself p50 ${fmt(percentile(posts, 50))} ms); workerd CPU ${fmt(fanoutCpu / POSTS)} ms per post (until quiet again)${missing ? `; ${missing} missing` : ""}${followers.length < FOLLOWERS ? ` (seeding budget reached: ${followers.length}/${FOLLOWERS})` : ""}`,
      target: "p50 < 50 ms, p99 < 250 ms",
    },
    {
      name: `${open} idle sockets for ${IDLE_MS / 1000} s (workerd)`,
      note: server
        ? `RSS ${fmt(rssBefore)} MB seeded, ${fmt(rssFanout)} MB after ${followers.length} sockets + fan-out, ${fmt(rssConnected)} MB with ${open}, ${fmt(rssIdle)} MB after idle; CPU ${cpu.slice(1).map((c, i) => fmt(c - cpu[i])).join(" / ")} ms in each ${IDLE_MS / 3000} s; ${stillOpen} still open`
        : "workerd processes not found (no /proc?)",
      target: "no CPU while idle (hibernated)",
    },
    { name: "streaming scenario time", note: `${fmt((Date.now() - started) / 1000)} s (seeding ${fmt((seeded - started) / 1000)} s, then quiet after ${fmt(quietAfter / 1000)} s)` },
  ];
}

/**
 * Waits until the server spends under 4% of a core for `windowMs` (at most QUIET_MAX_MS);
 * returns how long it took. /proc counts CPU in 10 ms ticks, so a window shorter than 250 ms
 * accepts no tick at all.
 */
async function untilQuiet(pids: number[], windowMs = 500): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < QUIET_MAX_MS) {
    const before = cpuMs(pids);
    await new Promise((r) => setTimeout(r, windowMs));
    if (cpuMs(pids) - before <= Math.floor(windowMs * 0.04)) break;
  }
  return Date.now() - start;
}

// ----- /proc: resident memory of the server's workerd processes (CPU: ../proc.ts) -----

function rssMb(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/)?.[1] ?? NaN);
    } catch {
      // exited meanwhile
    }
  }
  return kb / 1024;
}
