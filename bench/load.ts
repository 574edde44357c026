import http from "node:http";

/** One scenario's figures: requests per second and latency percentiles in milliseconds. */
export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
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
  const concurrency = opts.concurrency ?? 10;
  const init = { method: opts.method, headers: opts.headers, body: opts.body };
  const path = typeof opts.path === "string" ? () => opts.path as string : opts.path;
  const warmupEnd = Date.now() + (opts.warmupMs ?? 1000);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < warmupEnd) await request(opts.origin, path(), init);
    }),
  );
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + (opts.durationMs ?? 5000);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
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
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, requests: latencies.length };
}
