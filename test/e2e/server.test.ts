import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LocalServer } from "./server";

describe("npm start", () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("serves the instance on the PORT it was given", async () => {
    const res = await fetch(`${server.origin}/api/v1/streaming/health`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("OK");
  });
});
