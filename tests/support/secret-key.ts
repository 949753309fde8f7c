/** EXOARMUR_SECRET_KEY for tests (vitest.config.ts, tests/support/server.ts): fixed, public, test-only. */
export const TEST_SECRET_KEY = "5e".repeat(32);
