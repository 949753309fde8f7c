import { defineConfig } from "vitest/config";

export default defineConfig({
  // packages/client bundles the server's verifier under this name (packages/client/build.mjs).
  resolve: {
    alias: { "exoarmur-core-verify": new URL("./server/core/verify.ts", import.meta.url).pathname },
  },
  test: {
    include: ["server/**/*.test.ts", "tests/**/*.test.ts"],
    globalSetup: ["./tests/support/build-global-setup.ts", "./tests/support/pg-global-setup.ts"],
    reporters: ["default", "./tests/support/summary-reporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 180_000,
  },
});
