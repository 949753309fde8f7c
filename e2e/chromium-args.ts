/**
 * Flags for Debian's Chromium under Playwright here: no sandbox (root in a VM), no GPU, and nothing
 * that reaches the network on its own. Shared by the browser tests and the dashboard benchmark.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
