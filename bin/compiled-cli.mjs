// Whether the compiled CLI (dist/cli, written by scripts/build-cli.mjs) may run: it must exist and
// be at least as new as every file it was built from. dist/cli/build.json lists those files (the
// repository's sources and the bundled packages' files) and carries the build's start time as its
// mtime, so a source saved during the build also counts as newer. A stat per file: ~2 ms.

import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const CLI_DIR = `${ROOT}dist/cli/`;
export const BUILD_INFO = `${CLI_DIR}build.json`;

/** Why the compiled CLI may not run, or null when it may. */
export function staleReason() {
  let built;
  let inputs;
  try {
    built = statSync(BUILD_INFO).mtimeMs;
    inputs = JSON.parse(readFileSync(BUILD_INFO, "utf8")).inputs;
  } catch {
    return "not built";
  }
  for (const input of inputs) {
    try {
      if (statSync(ROOT + input).mtimeMs > built) return `${input} changed since the build`;
    } catch {
      return `${input} is gone`;
    }
  }
  return null;
}

/** The compiled entry when it may run; null sends the caller to the TypeScript sources. */
export function compiledCliEntry() {
  // EXOARMUR_CLI_FROM_SOURCE=1 runs the sources even beside a fresh build (tests of that path).
  if (process.env.EXOARMUR_CLI_FROM_SOURCE === "1" || staleReason() !== null) return null;
  return new URL("../dist/cli/main.mjs", import.meta.url).href;
}
