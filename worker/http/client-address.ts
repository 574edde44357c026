import type { Ctx } from "../context";
import { ApiError } from "../../lib/result";
import { rateLimitStub } from "../../core/stubs";

/** The client's address: Cloudflare sets CF-Connecting-IP; behind other proxies X-Forwarded-For. */
export function clientAddress(request: Request): string {
  const cf = request.headers.get("cf-connecting-ip");
  if (cf) return cf.trim();
  const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || "local";
}

/**
 * This machine: requests with no client address (the Workers test runtime) or from loopback
 * (`npm start`, its tools and benches). On Cloudflare every request carries the public
 * address it came from, so nothing there counts as local.
 */
export function isLocalAddress(address: string): boolean {
  return address === "local" || address === "::1" || /^(::ffff:)?127\./.test(address);
}

/** Mastodon's rack-attack rule for sign-ups: at most 25 attempts per client address in 5 minutes. */
export const SIGN_UPS_PER_ADDRESS = 25;
const SIGN_UP_WINDOW_MS = 5 * 60_000;

/** Counts a sign-up attempt (API or web form, valid or not); throws 429 once the address has made too many. */
export async function throttleSignUp(c: Ctx): Promise<void> {
  const address = clientAddress(c.request);
  if (isLocalAddress(address)) return;
  const limiter = rateLimitStub(c.env, `signup:${address}`);
  if (await limiter.isLimited(SIGN_UPS_PER_ADDRESS, SIGN_UP_WINDOW_MS)) {
    throw new ApiError(429, "Too many sign-ups from your network; try again later");
  }
  await limiter.record(SIGN_UP_WINDOW_MS);
}
