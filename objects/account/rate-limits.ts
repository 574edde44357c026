import { countRequest, tighter, type RateInfo, type RateWindow, type WindowCount } from "../../lib/rate-limit";
import { fail, type Result } from "../../lib/result";

/**
 * Mastodon's API rate limits, counted by the caller's own account object during the token
 * check every authenticated call already makes (no extra RPC, no shared counter):
 * - every authenticated API call: 300 per 5 minutes per token;
 * - posting a status: 300 per 3 hours per account; media uploads: 30 per 30 minutes per account.
 * Counts live in memory and are written to the object's KV storage at a window's first request,
 * every PERSIST_EVERY requests and when the limit is crossed, so an evicted object resumes at
 * most PERSIST_EVERY - 1 requests low, and a busy token costs one small write per ten requests.
 */
export const API_LIMIT: RateWindow = { limit: 300, periodMs: 5 * 60_000 };
export const BUCKET_LIMITS = {
  statuses: { limit: 300, periodMs: 3 * 3600_000 },
  media: { limit: 30, periodMs: 30 * 60_000 },
} satisfies Record<string, RateWindow>;
export type RateBucket = keyof typeof BUCKET_LIMITS;

const PERSIST_EVERY = 10;
const MEMORY_KEYS = 256;
const STORAGE_PREFIX = "ratelimit:";

export class RequestLimiter {
  private readonly counts = new Map<string, WindowCount>();
  /** Tests move this clock forward; always 0 in production. */
  clockOffsetMs = 0;

  /** `factor` multiplies every limit (RATE_LIMIT_FACTOR: operators, and the bench, raise them). */
  constructor(
    private readonly kv: SyncKvStorage,
    private readonly factor = 1,
  ) {}

  /**
   * Counts one request of the token (by its hash) and, for posting or uploads, of the account.
   * A 429 result (with the report) when a limit is exceeded; else the tightest report.
   */
  hit(tokenHash: string, bucket: RateBucket | null): Result<RateInfo> {
    const now = Date.now() + this.clockOffsetMs;
    const api = this.count(`api:${tokenHash}`, this.scaled(API_LIMIT), now);
    const specific = bucket ? this.count(bucket, this.scaled(BUCKET_LIMITS[bucket]), now) : null;
    const info = specific ? tighter(api.info, specific.info) : api.info;
    const over = specific?.exceeded ? specific.info : api.exceeded ? api.info : null;
    if (over) return { ...fail(429, "Too many requests"), rate: over };
    return { ok: true, value: info, rate: info };
  }

  /** Sets a count directly (tests): `count` requests so far in the current window. */
  preset(key: string, window: RateWindow, count: number): void {
    const now = Date.now() + this.clockOffsetMs;
    const next = { start: Math.floor(now / window.periodMs) * window.periodMs, count };
    this.counts.set(key, next);
    this.kv.put(STORAGE_PREFIX + key, next);
  }

  private scaled(window: RateWindow): RateWindow {
    return this.factor === 1 ? window : { ...window, limit: Math.max(1, Math.round(window.limit * this.factor)) };
  }

  forget(): void {
    this.counts.clear();
  }

  private count(key: string, window: RateWindow, now: number) {
    const prev = this.counts.get(key) ?? this.kv.get<WindowCount>(STORAGE_PREFIX + key);
    const result = countRequest(prev, window, now);
    if (this.counts.size >= MEMORY_KEYS && !this.counts.has(key)) this.counts.clear();
    this.counts.set(key, result.next);
    const n = result.next.count;
    if (n === 1 || n % PERSIST_EVERY === 0 || n === window.limit + 1) this.kv.put(STORAGE_PREFIX + key, result.next);
    return result;
  }
}

/** RATE_LIMIT_FACTOR as a positive number; anything else is 1 (Mastodon's limits). */
export function rateLimitFactor(value: string | undefined): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : 1;
}
