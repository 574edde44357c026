import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { existsSync, readFileSync } from "node:fs";

// The Mastodon OpenAPI document lives outside the repo (../shared). Without it, the schema
// checks skip and say so; CI always has it.
const specPath = new URL("../shared/reference/mastodon-openapi.json", import.meta.url);
const bindings: Record<string, string> = { REGISTRATION_MODE: "open" };
if (existsSync(specPath)) bindings.OPENAPI_SPEC = readFileSync(specPath, "utf8");

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: { bindings },
    }),
  ],
  test: {
    include: ["test/unit/**/*.test.ts"],
    testTimeout: 30_000,
    // With the on-disk module cache, each test file's first import asks for its whole import
    // graph at once and the pool sends it to workerd in one WebSocket message; past workerd's
    // 1 MiB message limit the runtime exits ("Message is too large"). Fetched per module instead.
    fsModuleCache: false,
  },
});
