import { defineConfig } from "@playwright/test";
import { CHROMIUM_ARGS as ARGS } from "./e2e/chromium-args";

/**
 * Browser tests: Debian's Chromium (Playwright's own download does not work on these machines)
 * against a real `next start` with embedded PostgreSQL, started once by e2e/global-setup.ts.
 *
 * Most specs run in chromium-headless-shell, the headless build of Chromium that Playwright itself
 * runs headless tests with: the full browser in its new headless mode took ~45% longer on these two
 * cores (the whole suite: 17.3 min against 11.8 on 2026-12-02), and the suite is CPU-bound. What
 * only the full browser has (the Notification API) is tagged @full-browser and runs there.
 */
const FULL_BROWSER = /@full-browser/;

export default defineConfig({
  testDir: "e2e",
  globalSetup: "./e2e/global-setup.ts",
  globalTeardown: "./e2e/global-teardown.ts",
  // Two cores: one browser at a time keeps timings honest; the specs share one server. (Two workers,
  // each with a server of its own, made every spec two to four times slower: 2026-12-02.)
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  retries: 0,
  reporter: [["list"]],
  outputDir: "e2e-artifacts/results",
  use: {
    browserName: "chromium",
    viewport: { width: 1440, height: 900 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "headless-shell",
      grepInvert: FULL_BROWSER,
      use: {
        launchOptions: {
          executablePath: process.env.CHROMIUM_HEADLESS_SHELL_PATH ?? "/usr/bin/chromium-headless-shell",
          args: ARGS,
        },
      },
    },
    {
      name: "chromium",
      grep: FULL_BROWSER,
      use: {
        launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ARGS },
      },
    },
  ],
});
