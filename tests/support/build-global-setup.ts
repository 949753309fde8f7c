import { execFileSync } from "node:child_process";

/** Builds the Next app once per test run (if stale), before any test file starts a server. */
export default function setup() {
  execFileSync("sh", ["scripts/build-if-stale.sh"], { stdio: "inherit" });
}
