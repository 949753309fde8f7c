// Regenerates docs/examples/ (run: npx tsx scripts/make-examples.ts) by running the real services
// against a throwaway embedded PostgreSQL (or DATABASE_URL, which must name an empty database).
// tests/examples.test.ts checks the committed files are exactly what this produces.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb } from "../server/db/client";
import { startEmbeddedPostgres } from "../server/db/embedded";
import { migrate } from "../server/db/migrate";
import { makeExamples } from "./examples";

const dataDir = mkdtempSync(join(tmpdir(), "exoarmur-examples-"));
const embedded = process.env.DATABASE_URL
  ? null
  : await startEmbeddedPostgres({ dataDir, database: "examples", ephemeral: true });
const url = process.env.DATABASE_URL ?? embedded!.url;
try {
  await migrate(url);
  const db = createDb(url, 4);
  try {
    const files = await makeExamples(db);
    for (const [name, content] of Object.entries(files))
      writeFileSync(new URL(`../docs/examples/${name}`, import.meta.url), content);
    console.log(`wrote docs/examples: ${Object.keys(files).join(", ")}`);
  } finally {
    await db.$disconnect();
  }
} finally {
  await embedded?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
