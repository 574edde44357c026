import http from "node:http";

/** One scenario's figures: requests per second and latency percentiles in milliseconds. */
export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  /** The trivial route measured alongside (interleaved), when it was (`runPaired`). */
  baseline?: Figures;
}

export interface LoadOptions {
  origin: string;
  /** A fixed path, or a function giving each request its own (pages that no cache holds...). */
  path: string | (() => string);
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  concurrency?: number;
  warmupMs?: number;
  durationMs?: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** A single HTTP request over a keep-alive agent; resolves with status and body. */
export function request(origin: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const url = new URL(path, origin);
  return new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const req = http.request(
      { hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: init.method ?? "GET", headers: init.headers, agent },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on("error", reject);
    req.setTimeout(30_000, () => req.destroy(new Error("timeout")));
    if (init.body) req.write(init.body);
    req.end();
  });
}

/** Polls `check` every `intervalMs` until it holds or `timeoutMs` passed; resolves with whether it held. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 2): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Closed-loop load: `concurrency` workers issue requests back to back for `durationMs`. */
export async function runLoad(opts: LoadOptions): Promise<Figures> {
  const target = loop(opts);
  await target.warmUp(opts.warmupMs ?? 1000);
  await target.run(opts.durationMs ?? 5000);
  return target.figures();
}

/**
 * The same load on `opts` and on `baseline` (the trivial route), alternating in slices of
 * `sliceMs` until each had `durationMs`: both then see the same phases of a shared machine,
 * whose speed drifts by tens of percent within minutes. Returns the route's figures with the
 * baseline's attached.
 */
export async function runPaired(opts: LoadOptions, baseline: LoadOptions, sliceMs = 500): Promise<Figures> {
  const target = loop(opts);
  const base = loop(baseline);
  await target.warmUp(opts.warmupMs ?? 1000);
  await base.warmUp(Math.min(500, opts.warmupMs ?? 1000));
  for (let ran = 0; ran < (opts.durationMs ?? 5000); ran += sliceMs) {
    await target.run(sliceMs);
    await base.run(sliceMs);
  }
  return { ...target.figures(), baseline: base.figures() };
}

/** A closed loop that can run in several slices, its figures over all of them. */
function loop(opts: LoadOptions) {
  const concurrency = opts.concurrency ?? 10;
  const init = { method: opts.method, headers: opts.headers, body: opts.body };
  const path = typeof opts.path === "string" ? () => opts.path as string : opts.path;
  const latencies: number[] = [];
  let errors = 0;
  let elapsedMs = 0;
  const workers = (body: () => Promise<void>) => Promise.all(Array.from({ length: concurrency }, body));
  return {
    async warmUp(ms: number) {
      const end = Date.now() + ms;
      await workers(async () => {
        while (Date.now() < end) await request(opts.origin, path(), init);
      });
    },
    async run(ms: number) {
      const start = performance.now();
      const end = start + ms;
      await workers(async () => {
        while (performance.now() < end) {
          const t0 = performance.now();
          try {
            const res = await request(opts.origin, path(), init);
            if (res.status >= 400) errors++;
          } catch {
            errors++;
          }
          latencies.push(performance.now() - t0);
        }
      });
      elapsedMs += performance.now() - start;
    },
    figures(): Figures {
      const sorted = [...latencies].sort((a, b) => a - b);
      return { rps: sorted.length / (elapsedMs / 1000), p50: percentile(sorted, 50), p99: percentile(sorted, 99), errors, requests: sorted.length };
    },
  };
}
