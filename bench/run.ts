// `npm run bench`: starts the local server, seeds it through the API, drives it over loopback
// and prints one table. Every figure is also a ratio against the trivial route measured in the
// same run. Scenarios are in bench/scenarios/*.ts; pick some with `npm run bench -- foundation`.
import { startServer } from "../test/e2e/server.ts";
import { keepStateInRam } from "./ram-state.ts";
import { runLoad, runPaired, type Figures } from "./load.ts";
import { foundation } from "./scenarios/foundation.ts";
import { streaming } from "./scenarios/streaming.ts";
import { federation } from "./scenarios/federation.ts";
import { push } from "./scenarios/push.ts";
import { fanout, fanout10k, growth, growth10k, timelines } from "./scenarios/timelines.ts";
import { media } from "./scenarios/media.ts";
import { opening, posting } from "./scenarios/opening.ts";

export interface Row {
  name: string;
  figures?: Figures;
  /** Free-form measurements that are not request loops (fan-out times, memory...). */
  note?: string;
  target?: string;
}

export interface BenchContext {
  origin: string;
  trivial: Figures;
  load: (path: string | (() => string), headers?: Record<string, string>, init?: { method?: string; body?: string }) => Promise<Figures>;
}

const scenarios: Record<string, (ctx: BenchContext) => Promise<Row[]>> = { foundation, opening, posting, streaming, timelines, growth, fanout, growth10k, fanout10k, federation, media, push };
/** Slow scenarios that run only when named (`npm run bench -- fanout10k`). */
const optIn = new Set(["growth10k", "fanout10k"]);

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");

async function main() {
  const storage = keepStateInRam();
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const names = wanted.length ? wanted : Object.keys(scenarios).filter((n) => !optIn.has(n));
  const started = Date.now();
  // The load loops call one token thousands of times: limits raised so they measure the counting, not 429s.
  const server = await startServer({ WRANGLER_LOG_LEVEL: "error", RATE_LIMIT_FACTOR: "100000" });
  const rows: Row[] = [];
  try {
    const options = { origin: server.origin, concurrency: 10, warmupMs: 1500, durationMs: 5000 };
    const trivialPath = "/api/v1/streaming/health";
    // Every route is measured interleaved with the trivial route; its ratios are to that.
    const load = (path: string | (() => string), headers: Record<string, string> = {}, init: { method?: string; body?: string } = {}) =>
      runPaired({ ...options, ...init, path, headers }, { ...options, path: trivialPath });
    const trivial = await runLoad({ ...options, path: trivialPath });
    rows.push({ name: "trivial route GET /api/v1/streaming/health", figures: trivial });
    const ctx: BenchContext = { origin: server.origin, trivial, load };
    for (const name of names) {
      const scenario = scenarios[name];
      if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(", ")}`);
      rows.push(...(await scenario(ctx)));
    }
    printTable(rows, trivial);
    console.log(
      `\nconcurrency 10, 1.5 s warm-up, 5 s per route interleaved in 0.5 s slices with 5 s of the trivial route ("trivial alongside", which its ratios use), loopback, ${storage}; total ${fmt((Date.now() - started) / 1000, 0)} s`,
    );
  } finally {
    await server.stop();
  }
}

function printTable(rows: Row[], trivial: Figures) {
  const header = ["scenario", "req/s", "p50 ms", "p99 ms", "errors", "trivial alongside", "rps vs trivial", "p50 − trivial", "target"];
  const lines = rows.map((r) => {
    if (!r.figures) return [r.name, r.note ?? "", "", "", "", "", "", "", r.target ?? ""];
    const base = r.figures.baseline ?? trivial;
    return [
      r.name,
      fmt(r.figures.rps, 0),
      fmt(r.figures.p50, 2),
      fmt(r.figures.p99, 2),
      String(r.figures.errors),
      r.figures.baseline ? `${fmt(base.rps, 0)} req/s, p50 ${fmt(base.p50, 2)}` : "",
      `${fmt((100 * r.figures.rps) / base.rps, 0)}%`,
      `${r.figures.p50 - base.p50 >= 0 ? "+" : ""}${fmt(r.figures.p50 - base.p50, 2)} ms`,
      r.target ?? "",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log(row(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const l of lines) console.log(row(l));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
