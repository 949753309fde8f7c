// Compiles the CLI (server/cli/main.ts, and verify-worker.ts for the threads of a batch `verify`)
// into dist/cli with esbuild, so `exoarmur` starts without transpiling TypeScript at every run.
// npm runs it as `prepare` on `npm install` and `npm ci` (skipped where the scripts are not there
// yet: the Dockerfile's dependency layer); bin/exoarmur.mjs uses the result while it is fresh
// (bin/compiled-cli.mjs) and falls back to the sources through tsx otherwise.
//
//   node scripts/build-cli.mjs             build
//   node scripts/build-cli.mjs --if-stale  build only when dist/cli is missing or older than a source
//
// Packages stay in node_modules (loaded at run time, as from source: Prisma's generated client,
// pg, native and dynamically required modules work unchanged), except the small pure ones every
// command loads — zod, commander, @noble/* — which are bundled: resolving zod's ~80 files one by
// one at each start costs more than reading them as one (about 0.1 s on the reference machine).
// The output sits two levels below the root, like server/cli, because code that finds the
// project's files from its own location (prisma/migrations, scripts/start.sh) counts `../..`.

import { mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { build } from "esbuild";
import { BUILD_INFO, CLI_DIR, ROOT, staleReason } from "../bin/compiled-cli.mjs";

const BUNDLED_PACKAGES = /^(zod|commander|@noble\/(curves|hashes))(\/|$)/;

const reason = staleReason();
if (process.argv.includes("--if-stale") && reason === null) process.exit(0);

const startedAt = new Date();
rmSync(CLI_DIR, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { main: "server/cli/main.ts", "verify-worker": "server/cli/verify-worker.ts" },
  outdir: CLI_DIR,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true, // the two entries share the core in one chunk
  format: "esm",
  platform: "node",
  target: "node20",
  metafile: true,
  logLevel: "warning",
  plugins: [externalPackagesExcept(BUNDLED_PACKAGES)],
  // commander is CommonJS: bundled into ESM, its require() of Node built-ins needs a real require.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);',
  },
});

mkdirSync(CLI_DIR, { recursive: true });
writeFileSync(`${CLI_DIR}meta.json`, JSON.stringify(result.metafile));
// Files only: a plugin's virtual modules ("namespace:path") have no mtime to compare.
const inputs = Object.keys(result.metafile.inputs).filter((input) => !input.includes(":"));
writeFileSync(BUILD_INFO, `${JSON.stringify({ inputs }, null, 1)}\n`);
// Dated at the start: a source saved while the build ran is newer, so the build counts as stale.
utimesSync(BUILD_INFO, startedAt, startedAt);
console.error(`build-cli: dist/cli built from ${inputs.length} files (${reason ?? "it was up to date"})`);

/** Every bare import is external (resolved by Node at run time) unless `bundled` matches it. */
function externalPackagesExcept(bundled) {
  return {
    name: "external-packages",
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, ({ path }) =>
        path.startsWith("node:") || bundled.test(path) ? undefined : { path, external: true },
      );
    },
  };
}
