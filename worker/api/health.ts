import type { Router } from "../router";

/** The trivial route: Mastodon's streaming health check. Benchmarks measure against it. */
export function registerHealth(router: Router): void {
  router.get("/api/v1/streaming/health", () => new Response("OK", { headers: { "content-type": "text/plain; charset=utf-8" } }));
  // Mastodon's own health check, which uptime monitors poll.
  router.get("/health", () => new Response("OK", { headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } }));
}
