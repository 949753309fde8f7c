#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx's loader, so the bin needs no build step.
import { register } from "tsx/esm/api";

register();
const { run } = await import("../server/cli/main.ts");
const io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
process.exitCode = await run(process.argv.slice(2), io);
