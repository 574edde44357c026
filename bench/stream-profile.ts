// `node bench/stream-profile.ts [followers] [posts]`: the streaming scenario's fan-out (followers
// holding a `user` socket, the author posts) under the V8 CPU profiler. Prints the delivery
// latencies and CPU (self time) per post by function, heaviest first.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpuMs, serverProcesses } from "./proc.ts";
import { keepStateInRam } from "./ram-state.ts";
import { freePort, startServer } from "../test/e2e/server.ts";
import { connectProfiler, selfTimes, type ProfileNode } from "./profile.ts";
import { appToken, pool, postForm, registerUser } from "./seed.ts";
import { percentile, until } from "./load.ts";
import { openUpdateSocket } from "./scenarios/streaming.ts";

const FOLLOWERS = Number(process.argv[2] ?? 200);
const POSTS = Number(process.argv[3] ?? 5);
const arrivals = new Map<string, number[]>();

const openSocket = (url: string) => openUpdateSocket(url, arrivals);

async function main() {
  // ORIGIN=<url> INSPECTOR=<port>: use a running `npm start` instead (its seed is kept in SEED_FILE).
  const inspectorPort = process.env.INSPECTOR ? Number(process.env.INSPECTOR) : await freePort();
  keepStateInRam();
  const server = process.env.ORIGIN
    ? { origin: process.env.ORIGIN, stop: async () => {} }
    : await startServer({ WRANGLER_LOG_LEVEL: "error", INSPECTOR_PORT: String(inspectorPort) });
  try {
    const origin = server.origin;
    const seedFile = process.env.SEED_FILE;
    let author: { id: string; token: string };
    let followers: { id: string; token: string }[] = [];
    if (seedFile && existsSync(seedFile)) {
      ({ author, followers } = JSON.parse(readFileSync(seedFile, "utf8")));
    } else {
      const app = await appToken(origin);
      const prefix = `sp${Date.now().toString(36).slice(-5)}`;
      author = await registerUser(origin, app, `${prefix}_author`);
      await pool(Array.from({ length: FOLLOWERS }, (_, i) => i), 8, async (i) => {
        const f = await registerUser(origin, app, `${prefix}_f${i}`);
        await postForm(origin, `/api/v1/accounts/${author.id}/follow`, {}, f.token);
        followers.push(f);
      });
      if (seedFile) writeFileSync(seedFile, JSON.stringify({ author, followers }));
    }
    const ws = origin.replace(/^http/, "ws");
    // NOSOCKETS=1: the same fan-out with nobody listening (each post then gets 2 s), for its CPU alone.
    const listening = process.env.NOSOCKETS ? [] : followers;
    await pool(listening, 50, async (f) => void (await openSocket(`${ws}/api/v1/streaming?stream=user&access_token=${f.token}`)));
    const post = async (i: number) => {
      const sent = performance.now();
      const status = await postForm(origin, "/api/v1/statuses", { status: `profiled post ${i}` }, author.token);
      const returned = performance.now();
      if (listening.length) await until(() => (arrivals.get(status.id)?.length ?? 0) >= listening.length, 10_000);
      else await new Promise((r) => setTimeout(r, 2000));
      return { times: (arrivals.get(status.id) ?? [NaN]).map((t) => Math.max(0, t - returned)), post: returned - sent };
    };
    await post(-1); // warm-up: cold objects
    await new Promise((r) => setTimeout(r, 500));
    const profiler = process.env.NOPROFILE ? null : await connectProfiler(inspectorPort);
    await profiler?.start();
    const latencies: number[] = [];
    const slowest: number[] = [];
    const first: number[] = [];
    const posts: number[] = [];
    const pids = serverProcesses(new URL(origin).port);
    const cpu0 = cpuMs(pids);
    const each0 = pids.map((p) => cpuMs([p]));
    for (let i = 0; i < POSTS; i++) {
      const r = await post(i);
      latencies.push(...r.times);
      slowest.push(Math.max(...r.times));
      first.push(Math.min(...r.times));
      posts.push(r.post);
      await new Promise((r) => setTimeout(r, 300));
    }
    const cpu1 = cpuMs(pids);
    const each = pids.map((p, i) => ((cpuMs([p]) - each0[i]) / POSTS).toFixed(0)).join(" + ");
    const raw = await profiler?.stop();
    const rows = raw ? selfTimes(raw.nodes, raw.samples, raw.timeDeltas) : [];
    for (const l of [latencies, slowest, first, posts]) l.sort((a, b) => a - b);
    console.log(
      `${followers.length} sockets × ${POSTS} posts: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ` +
        `every socket by p50 ${percentile(slowest, 50).toFixed(1)} ms, first socket p50 ${percentile(first, 50).toFixed(1)} ms; ` +
        `workerd CPU ${((cpu1 - cpu0) / POSTS).toFixed(0)} ms per post (${each}); POST p50 ${percentile(posts, 50).toFixed(1)} ms`,
    );
    const busy = rows.filter(([k]) => !k.startsWith("(idle)") && !k.startsWith("(program)"));
    const total = busy.reduce((s, [, t]) => s + t, 0);
    console.log(`busy CPU ${(total / 1000 / POSTS).toFixed(1)} ms per post (idle excluded); ms per post by function (self time):`);
    for (const [key, us] of rows.slice(0, Number(process.env.PROFILE_TOP ?? 50))) console.log(`${(us / 1000 / POSTS).toFixed(2).padStart(8)}  ${key}`);
    if (raw && process.env.PROFILE_CALLERS) printCallers(raw, Number(process.env.PROFILE_CALLERS), POSTS);
    if (raw && process.env.PROFILE_INCLUSIVE) printInclusive(raw, Number(process.env.PROFILE_INCLUSIVE), POSTS);
  } finally {
    await server.stop();
  }
}

/** For the heaviest functions by self time, the call paths (3 frames up) their samples came from. */
function printCallers(p: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }, top: number, posts: number) {
  const parent = new Map<number, ProfileNode>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const name = (n: ProfileNode) => `${n.callFrame.functionName || "(anon)"}:${n.callFrame.lineNumber + 1}`;
  const paths = new Map<string, Map<string, number>>();
  p.samples.forEach((id, i) => {
    let n = byId.get(id)!;
    const key = name(n);
    const chain: string[] = [];
    for (let k = 0; k < 4 && parent.get(n.id); k++) {
      n = parent.get(n.id)!;
      chain.push(name(n));
    }
    const m = paths.get(key) ?? new Map<string, number>();
    m.set(chain.join(" < "), (m.get(chain.join(" < ")) ?? 0) + (p.timeDeltas[i] ?? 0));
    paths.set(key, m);
  });
  const totals = [...paths.entries()].map(([k, m]) => [k, [...m.values()].reduce((a, b) => a + b, 0), m] as const);
  totals.sort((a, b) => b[1] - a[1]);
  for (const [k, t, m] of totals.slice(0, top)) {
    console.log(`${(t / 1000 / posts).toFixed(2).padStart(8)}  ${k}`);
    for (const [chain, us] of [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4)) console.log(`          ${(us / 1000 / posts).toFixed(2).padStart(7)} < ${chain}`);
  }
}

/** Total (inclusive) time per function: every sample counts once for each function on its stack. */
function printInclusive(p: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }, top: number, posts: number) {
  const parent = new Map<number, ProfileNode>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const seen = new Set<string>();
    for (let n: ProfileNode | undefined = byId.get(id); n; n = parent.get(n.id)) {
      seen.add(`${n.callFrame.functionName || "(anon)"}:${n.callFrame.lineNumber + 1}`);
    }
    for (const k of seen) totals.set(k, (totals.get(k) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  console.log("ms per post by function (inclusive):");
  for (const [k, us] of [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${(us / 1000 / posts).toFixed(2).padStart(8)}  ${k}`);
}

main().then(() => process.exit(0)).catch((err) => {
  console.error(err);
  process.exit(1);
});
