import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Fixed-window request counting (windows aligned to multiples of their period, as Rack::Attack
 * counts) and the per-request slot the HTTP layer reads the outcome from.
 */
export interface RateWindow {
  limit: number;
  periodMs: number;
}

/** What the `X-RateLimit-*` headers report: `reset` is when the window ends (ms since epoch). */
export interface RateInfo {
  limit: number;
  remaining: number;
  reset: number;
}

/** A window's count as kept in memory and storage. */
export interface WindowCount {
  start: number;
  count: number;
}

/** Counts one more request into `prev` (a stale window restarts at zero). */
export function countRequest(prev: WindowCount | undefined, window: RateWindow, now: number): { next: WindowCount; info: RateInfo; exceeded: boolean } {
  const start = Math.floor(now / window.periodMs) * window.periodMs;
  const count = (prev && prev.start === start ? prev.count : 0) + 1;
  return {
    next: { start, count },
    info: { limit: window.limit, remaining: Math.max(0, window.limit - count), reset: start + window.periodMs },
    exceeded: count > window.limit,
  };
}

/** The tighter of two reports: the one with fewer requests left. */
export function tighter(a: RateInfo, b: RateInfo): RateInfo {
  return b.remaining < a.remaining ? b : a;
}

/** Response headers for a report, as Mastodon sends them; `Retry-After` (seconds) when limited. */
export function rateHeaders(info: RateInfo, limited: boolean, now = Date.now()): Record<string, string> {
  const headers: Record<string, string> = {
    "x-ratelimit-limit": String(info.limit),
    "x-ratelimit-remaining": String(info.remaining),
    "x-ratelimit-reset": new Date(info.reset).toISOString(),
  };
  if (limited) headers["retry-after"] = String(Math.max(1, Math.ceil((info.reset - now) / 1000)));
  return headers;
}

/** The current request's slot: whoever unwraps a result carrying a report notes it here. */
const slot = new AsyncLocalStorage<{ rate?: RateInfo }>();

/** Runs `run` (which should not throw) with a fresh slot; returns its value and the report noted. */
export async function runWithRateSlot<T>(run: () => Promise<T>): Promise<{ value: T; rate: RateInfo | undefined }> {
  const holder: { rate?: RateInfo } = {};
  const value = await slot.run(holder, run);
  return { value, rate: holder.rate };
}

export function noteRate(rate: RateInfo | undefined): void {
  if (!rate) return;
  const holder = slot.getStore();
  if (holder) holder.rate = holder.rate ? tighter(holder.rate, rate) : rate;
}
