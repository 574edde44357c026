import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("trivial routes", () => {
  it("answers the streaming health check", async () => {
    const res = await SELF.fetch("https://pronghorn.test/api/v1/streaming/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toBe("OK");
  });

  it("accepts a trailing slash and sends CORS headers on the API", async () => {
    const res = await SELF.fetch("https://pronghorn.test/api/v1/streaming/health/");
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("answers unknown routes with a Mastodon-shaped 404", async () => {
    const res = await SELF.fetch("https://pronghorn.test/api/v1/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "Record not found" });
  });
});
