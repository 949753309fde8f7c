// Builds dist/: one ESM file (the client plus the server's pure verifier, bundled, so the package has
// no runtime dependency) and the type declarations of src/.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
rmSync(join(here, "dist"), { recursive: true, force: true });
await build({
  entryPoints: [join(here, "src/index.ts")],
  outfile: join(here, "dist/index.js"),
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  alias: { "exoarmur-core-verify": join(here, "../../server/core/verify.ts") },
  mainFields: ["module", "main"],
  minify: true,
  // zod's classic entry re-exports every locale (~260 KB) as `z.locales`, which the verifier never
  // reads (both the classic and the core entry do); its English messages come from locales/en.js.
  plugins: [
    {
      name: "zod-without-locales",
      setup(b) {
        b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
          /zod\/v4\/(classic|core)\//.test(args.importer)
            ? { path: "zod-locales", namespace: "stub" }
            : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "export {};", loader: "js" }));
      },
    },
  ],
  legalComments: "eof",
  logLevel: "warning",
});
execFileSync(join(here, "../../node_modules/.bin/tsc"), ["-p", join(here, "tsconfig.json")], {
  stdio: "inherit",
});
