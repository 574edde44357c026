import { defineConfig } from "vitest/config";

// End-to-end tests run in Node against real local servers they start themselves.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
