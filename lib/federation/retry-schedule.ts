/**
 * Mastodon's delivery retry schedule (Sidekiq's default, DeliveryWorker retries 16 times):
 * after the n-th failure (n = 0 for the first) wait n^4 + 15 s plus rand(10) * (n + 1) s.
 * 16 retries after the first attempt add up to about 2.07 days.
 */
export const MAX_DELIVERY_RETRIES = 16;

/** Seconds to wait after failure number `failures` (0-based). `random` in [0, 1). */
export function retryDelaySeconds(failures: number, random: number = Math.random()): number {
  const jitter = Math.floor(random * 10) * (failures + 1);
  return failures ** 4 + 15 + jitter;
}

/** Nominal (jitter-free) bounds of the whole schedule, in seconds: for tests and docs. */
export function scheduleBoundsSeconds(): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (let n = 0; n < MAX_DELIVERY_RETRIES; n++) {
    min += retryDelaySeconds(n, 0);
    max += retryDelaySeconds(n, 0.999);
  }
  return { min, max };
}

export type DeliveryOutcome = "delivered" | "retry" | "final";

/**
 * What a response status means for a delivery: 2xx delivered; 4xx other than 401, 408 and 429
 * is final (the peer will never accept it); anything else (3xx, 401, 408, 429, 5xx, no answer)
 * is worth retrying.
 */
export function classifyDeliveryStatus(status: number | null): DeliveryOutcome {
  if (status === null) return "retry";
  if (status >= 200 && status < 300) return "delivered";
  if (status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 429) return "final";
  return "retry";
}

/**
 * Circuit breaker per host: after this many consecutive failures the host is paused; one probe
 * delivery (the oldest queued, whatever its own backoff) goes out when the pause ends. Pauses
 * double on each failed probe but never exceed a minute: a host that is down sees one request a
 * minute, and a host that comes back is found within a minute, its whole queue then due at once.
 */
export const BREAKER_THRESHOLD = 10;
export const BREAKER_FIRST_PAUSE_MS = 30_000;
export const BREAKER_MAX_PAUSE_MS = 60_000;

export function breakerPauseMs(failedProbes: number): number {
  return Math.min(BREAKER_FIRST_PAUSE_MS * 2 ** failedProbes, BREAKER_MAX_PAUSE_MS);
}
