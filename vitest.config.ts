import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["server/**/*.test.ts", "tests/**/*.test.ts"],
    globalSetup: ["./tests/support/build-global-setup.ts", "./tests/support/pg-global-setup.ts"],
    reporters: ["default", "./tests/support/summary-reporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 180_000,
  },
});
