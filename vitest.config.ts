import { defineConfig } from "vitest/config";
import { TEST_SECRET_KEY } from "./tests/support/secret-key";

export default defineConfig({
  // packages/client bundles the server's verifier under this name (packages/client/build.mjs).
  resolve: {
    alias: { "exoarmur-core-verify": new URL("./server/core/verify.ts", import.meta.url).pathname },
  },
  test: {
    include: ["server/**/*.test.ts", "tests/**/*.test.ts"],
    globalSetup: ["./tests/support/build-global-setup.ts", "./tests/support/pg-global-setup.ts"],
    reporters: ["default", "./tests/support/summary-reporter.ts"],
    // Generous: many tests start servers and CLI processes, and CI runs the browser suite beside them.
    testTimeout: 60_000,
    // Three files at a time on two cores: many wait on child processes and servers, not the CPU
    // (2026-12-02, the whole suite: 651 s with two, 583 s with three).
    maxWorkers: 3,
    // The key that encrypts secrets at rest (EXOARMUR_SECRET_KEY), the same in every test process and
    // in the servers and workers they start, which share databases. A fixed test value, never a real key.
    env: { EXOARMUR_SECRET_KEY: TEST_SECRET_KEY },
    hookTimeout: 180_000,
  },
});
