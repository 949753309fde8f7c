import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { makeExamples } from "../../scripts/examples";
import type { Db } from "../../server/db/client";
import { createTestDatabase } from "../support/db";

// docs/examples come out of the real services (scripts/make-examples.ts); this runs the same code
// on a fresh database and requires the committed files, byte for byte.
let db: Db | undefined;
afterAll(async () => {
  await db?.$disconnect();
});

describe("docs/examples", () => {
  it("are exactly what the real services produce (scripts/make-examples.ts)", async () => {
    ({ db } = await createTestDatabase());
    const files = await makeExamples(db);
    expect(Object.keys(files).sort()).toEqual([
      "evidence-allow.json",
      "evidence-approved.json",
      "evidence-deny.json",
      "example-public-key.txt",
    ]);
    for (const [name, content] of Object.entries(files))
      expect(content, `docs/examples/${name} is stale: run npx tsx scripts/make-examples.ts`).toBe(
        readFileSync(`docs/examples/${name}`, "utf8"),
      );
  }, 60_000);
});
