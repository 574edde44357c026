import { DurableObject } from "cloudflare:workers";

/**
 * Sliding-window event counter for one key: failed sign-ins of a client address
 * (`ip:<addr>`), sign-up attempts of one (`signup:<addr>`). In memory only: a restart
 * forgetting recent events is acceptable for rate limiting.
 */
export class RateLimitObject extends DurableObject<Env> {
  private events: number[] = [];

  async isLimited(limit: number, windowMs: number): Promise<boolean> {
    this.prune(windowMs);
    return this.events.length >= limit;
  }

  async record(windowMs: number): Promise<void> {
    this.prune(windowMs);
    this.events.push(Date.now());
  }

  async reset(): Promise<void> {
    this.events = [];
  }

  private prune(windowMs: number): void {
    const since = Date.now() - windowMs;
    this.events = this.events.filter((t) => t >= since);
  }
}
