import { DurableObject } from "cloudflare:workers";

/**
 * Sliding-window failure counter for one key (a client address): `idFromName("ip:<addr>")`.
 * In memory only: a restart forgetting recent failures is acceptable for rate limiting.
 */
export class RateLimitObject extends DurableObject<Env> {
  private failures: number[] = [];

  async isLimited(limit: number, windowMs: number): Promise<boolean> {
    this.prune(windowMs);
    return this.failures.length >= limit;
  }

  async recordFailure(windowMs: number): Promise<void> {
    this.prune(windowMs);
    this.failures.push(Date.now());
  }

  async reset(): Promise<void> {
    this.failures = [];
  }

  private prune(windowMs: number): void {
    const since = Date.now() - windowMs;
    this.failures = this.failures.filter((t) => t >= since);
  }
}
