import { execFileSync } from "node:child_process";

/**
 * Builds what the tests run, once per test run and only if stale, before any test file starts:
 * the compiled CLI (dist/cli, which the tests' `exoarmur` runs) and the Next app (for the servers).
 */
export default function setup() {
  execFileSync(process.execPath, ["scripts/build-cli.mjs", "--if-stale"], { stdio: "inherit" });
  execFileSync("sh", ["scripts/build-if-stale.sh"], { stdio: "inherit" });
}
