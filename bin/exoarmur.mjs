#!/usr/bin/env node
// Runs the CLI compiled into dist/cli (scripts/build-cli.mjs; npm runs it as `prepare` on every
// `npm install` / `npm ci`) when it is there and no source is newer than it: a start of ~0.1 s
// of Node instead of ~1.5–3 s transpiling TypeScript. Otherwise (not built, or a source edited
// since) it runs the TypeScript itself through tsx's loader, as it always did: same behaviour,
// slower start. `npm run build:cli` brings the compiled one up to date.
import { compiledCliEntry } from "./compiled-cli.mjs";

async function sourceCliEntry() {
  const { register } = await import("tsx/esm/api");
  register();
  return new URL("../server/cli/main.ts", import.meta.url).href;
}

const { run } = await import(compiledCliEntry() ?? (await sourceCliEntry()));
const io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
process.exitCode = await run(process.argv.slice(2), io);
