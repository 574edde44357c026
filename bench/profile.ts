// `npm run profile -- <route> [bearer]`: a CPU profile of the local Worker (and its Durable
// Objects, which share its isolate under `wrangler dev`) while a route is under the bench's
// load. Prints self time per function, heaviest first. Seeds a reader with a home timeline and
// notifications first when the route needs a token and none is given.
import { freePort, startServer } from "../test/e2e/server.ts";
import { runLoad } from "./load.ts";
import { keepStateInRam } from "./ram-state.ts";
import { cpuMs, serverProcesses } from "./proc.ts";
import { appToken, getJson, pool, postForm, registerUser } from "./seed.ts";
import WebSocket from "ws";
import { pathToFileURL } from "node:url";

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

async function seedReader(origin: string): Promise<string> {
  const app = await appToken(origin);
  const tag = Date.now().toString(36).slice(-5);
  const reader = await registerUser(origin, app, `pr${tag}`);
  const authors = await Promise.all(Array.from({ length: 10 }, (_, i) => registerUser(origin, app, `pa${tag}${i}`)));
  for (const a of authors) {
    await postForm(origin, `/api/v1/accounts/${a.id}/follow`, {}, reader.token);
    await postForm(origin, `/api/v1/accounts/${reader.id}/follow`, {}, a.token);
  }
  await pool(Array.from({ length: 200 }, (_, i) => i), 10, async (i) => {
    const text = `${i % 4 === 0 ? `@pr${tag} ` : ""}profile status ${i} with a #tag and https://example.com/link`;
    await postForm(origin, "/api/v1/statuses", { status: text }, authors[i % authors.length].token);
  });
  await new Promise((r) => setTimeout(r, 8000));
  return reader.token;
}

async function homeIdsOf(origin: string, token: string): Promise<string[]> {
  const ids: string[] = [];
  for (let page = 0; page < 5; page++) {
    const query = ids.length ? `&max_id=${ids[ids.length - 1]}` : "";
    const statuses: { id: string }[] = await getJson(origin, `/api/v1/timelines/home?limit=40${query}`, token);
    ids.push(...statuses.map((s) => s.id));
  }
  if (ids.length < 100) throw new Error(`the seeded home holds only ${ids.length} statuses`);
  return ids;
}

/** Native calls whose cost belongs to the JS function that made them (shown as `caller > exec`). */
const NATIVE = new Set(["exec", "toArray", "one", "next", "transactionSync", "raw"]);

export function selfTimes(nodes: ProfileNode[], samples: number[], timeDeltas: number[]) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => {
    const file = n.callFrame.url.split("/").slice(-2).join("/");
    return `${n.callFrame.functionName || "(anonymous)"} ${file}:${n.callFrame.lineNumber + 1}`;
  };
  const totals = new Map<string, number>();
  samples.forEach((id, i) => {
    const n = byId.get(id)!;
    let key = label(n);
    if (!n.callFrame.url && NATIVE.has(n.callFrame.functionName)) {
      const caller = byId.get(parent.get(id) ?? -1);
      if (caller) key = `${label(caller)} > ${n.callFrame.functionName}`;
    }
    totals.set(key, (totals.get(key) ?? 0) + (timeDeltas[i] ?? 0));
  });
  return [...totals.entries()].sort((a, b) => b[1] - a[1]);
}

/** The V8 CPU profile of the local server's isolate (`startServer({ INSPECTOR_PORT })`). */
export async function connectProfiler(inspectorPort: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as { webSocketDebuggerUrl: string }[];
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl, { headers: { origin: `http://127.0.0.1:${inspectorPort}` } });
  await new Promise((r, j) => (ws.once("open", r), ws.once("error", j)));
  let seq = 0;
  const pending = new Map<number, (v: any) => void>();
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data));
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const send = (method: string, params: object = {}) =>
    new Promise<any>((resolve) => {
      const id = ++seq;
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 100 });
  return {
    start: () => send("Profiler.start"),
    async stop(): Promise<{ nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }> {
      const { profile } = await send("Profiler.stop");
      ws.close();
      return profile;
    },
  };
}

/**
 * Attaches to the local server's inspector (`startServer({ INSPECTOR_PORT })`); `stop()` returns
 * self time in µs per function, heaviest first. Usable from scratch scripts around any workload.
 */
export async function startProfiling(inspectorPort: number) {
  const profiler = await connectProfiler(inspectorPort);
  return {
    start: profiler.start,
    async stop(): Promise<[string, number][]> {
      const profile = await profiler.stop();
      return selfTimes(profile.nodes, profile.samples, profile.timeDeltas);
    },
  };
}

async function main() {
  const [path = "/api/v1/timelines/home?limit=40", given] = process.argv.slice(2);
  console.log(keepStateInRam());
  const inspectorPort = await freePort();
  const server = await startServer({ WRANGLER_LOG_LEVEL: "error", INSPECTOR_PORT: String(inspectorPort) });
  try {
    const token = given ?? (path.includes("/streaming/health") || path.includes("/instance") ? undefined : await seedReader(server.origin));
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    // `{max_id}` in the path: each request asks for a page before a random status of the
    // reader's home, so no rendered page is kept (the read-and-render path).
    const homeIds = path.includes("{max_id}") ? await homeIdsOf(server.origin, token!) : [];
    const target = homeIds.length ? () => path.replace("{max_id}", homeIds[Math.floor(Math.random() * homeIds.length)]) : path;
    const profiler = await startProfiling(inspectorPort);
    await runLoad({ origin: server.origin, path: target, headers, concurrency: 10, warmupMs: 0, durationMs: 1500 });
    const workerd = serverProcesses(String(server.port));
    const cpuBefore = workerd.map((pid) => cpuMs([pid]));
    if (!process.env.NO_PROFILE) await profiler.start();
    const figures = await runLoad({ origin: server.origin, path: target, headers, concurrency: 10, warmupMs: 0, durationMs: 5000 });
    const rows = process.env.NO_PROFILE ? [] : await profiler.stop();
    const cpu = workerd.map((pid, i) => `${((cpuMs([pid]) - cpuBefore[i]) / figures.requests).toFixed(2)} ms`);
    console.log(`workerd CPU per request by process (proxy and Worker, profiler overhead included): ${cpu.join(", ")}`);
    const total = rows.reduce((s, [, t]) => s + t, 0);
    const perRequest = (us: number) => (us / figures.requests).toFixed(1);
    console.log(`${path}: ${figures.requests} requests (${figures.errors} errors), ${figures.rps.toFixed(0)} req/s, p50 ${figures.p50.toFixed(2)} ms`);
    console.log(`sampled time ${(total / 1000).toFixed(0)} ms; µs per request by function (self time):`);
    for (const [key, us] of rows.slice(0, Number(process.env.PROFILE_TOP ?? 45))) console.log(`${perRequest(us).padStart(8)}  ${key}`);
  } finally {
    await server.stop();
  }
}

// Only as `npm run profile` (not bench/stream-profile.ts, whose name also ends so).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
