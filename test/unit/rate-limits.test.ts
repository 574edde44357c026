import { describe, expect, it } from "vitest";
import { env, evictDurableObject } from "cloudflare:test";
import { api, bearer } from "./helpers";
import { accountObject, inObject, newUser, postRaw } from "./status-helpers";
import { photo, uploadRaw } from "./media-helpers";
import { API_LIMIT, BUCKET_LIMITS } from "../../objects/account/rate-limits";
import { sha256Base64url } from "../../lib/crypto";
import { countRequest } from "../../lib/rate-limit";

const verify = (token: string) => api("/api/v1/accounts/verify_credentials", { headers: bearer(token) });

function limits(res: Response) {
  return {
    limit: Number(res.headers.get("x-ratelimit-limit")),
    remaining: Number(res.headers.get("x-ratelimit-remaining")),
    reset: res.headers.get("x-ratelimit-reset"),
  };
}

describe("rate limit counting (pure)", () => {
  it("counts in fixed windows and restarts at the next one", () => {
    const w = { limit: 2, periodMs: 1000 };
    const a = countRequest(undefined, w, 5_100);
    expect(a.info).toEqual({ limit: 2, remaining: 1, reset: 6_000 });
    const b = countRequest(a.next, w, 5_900);
    const c = countRequest(b.next, w, 5_950);
    expect([b.exceeded, c.exceeded, c.info.remaining]).toEqual([false, true, 0]);
    expect(countRequest(c.next, w, 6_000).info.remaining).toBe(1);
  });
});

describe("API rate limits", () => {
  it("answers authenticated calls with Mastodon's X-RateLimit headers, counting down per token", async () => {
    const user = await newUser("rlheaders");
    const first = await verify(user.token);
    expect(first.status).toBe(200);
    const a = limits(first);
    expect(a.limit).toBe(300);
    expect(a.remaining).toBe(299);
    expect(new Date(a.reset!).toISOString()).toBe(a.reset);
    expect(Date.parse(a.reset!) - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    expect(limits(await api("/api/v1/timelines/home", { headers: bearer(user.token) })).remaining).toBe(298);
    // Exposed to browser clients; anonymous calls carry none.
    expect(first.headers.get("access-control-expose-headers")).toMatch(/X-RateLimit-Remaining/);
    expect((await api("/api/v1/instance")).headers.get("x-ratelimit-limit")).toBeNull();
  });

  it("answers 429 with Retry-After past 300 calls in the window, and survives eviction", async () => {
    const user = await newUser("rl429");
    const hash = await sha256Base64url(user.token);
    await inObject(user.id, (o) => o.limiter.preset(`api:${hash}`, API_LIMIT, 298));
    await evictDurableObject(accountObject(user.id));
    const last = await verify(user.token);
    expect(last.status).toBe(200);
    expect(limits(last).remaining).toBe(1);
    expect(limits(await verify(user.token)).remaining).toBe(0);
    const refused = await verify(user.token);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ error: "Too many requests" });
    const retry = Number(refused.headers.get("retry-after"));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(300);
    expect(limits(refused).remaining).toBe(0);
    // Every call of the token is refused meanwhile, posting included (nothing is written).
    expect((await postRaw(user.token, { status: "refused too" })).status).toBe(429);
    // The window ends: allowed again.
    await inObject(user.id, (o) => {
      o.limiter.clockOffsetMs = retry * 1000;
    });
    expect((await verify(user.token)).status).toBe(200);
  });

  it("limits posting to 300 statuses per 3 hours, reporting the tighter budget", async () => {
    const user = await newUser("rlpost");
    const ok = await postRaw(user.token, { status: "counted" });
    expect(ok.status).toBe(200);
    expect(limits(ok).remaining).toBe(299);
    await inObject(user.id, (o) => o.limiter.preset("statuses", BUCKET_LIMITS.statuses, 300));
    const refused = await postRaw(user.token, { status: "one too many" });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(3 * 3600);
    // Other calls still go (their own budget).
    expect((await verify(user.token)).status).toBe(200);
  });

  it("limits media uploads to 30 per 30 minutes, before anything is stored", async () => {
    const user = await newUser("rlmedia");
    await inObject(user.id, (o) => o.limiter.preset("media", BUCKET_LIMITS.media, 29));
    const bytes = await photo();
    const ok = await uploadRaw(user.token, bytes);
    expect(ok.status).toBe(200);
    expect(limits(ok)).toMatchObject({ limit: 30, remaining: 0 });
    const before = (await env.MEDIA.list()).objects.length;
    const refused = await uploadRaw(user.token, bytes);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).not.toBeNull();
    expect((await env.MEDIA.list()).objects.length).toBe(before);
  });
});
