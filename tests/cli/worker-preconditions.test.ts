import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/db";

// `exoarmur worker` takes no work it could only fail: without the key that opens webhook secrets,
// or with a malformed EXOARMUR_WEBHOOK_ALLOWED_NETWORKS, it exits 2 with the reason.

let url: string;
let dir: string;
beforeAll(async () => {
  const database = await createTestDatabase();
  url = database.url;
  await database.db.$disconnect();
  dir = mkdtempSync(join(tmpdir(), "exoarmur-worker-pre-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const worker = (env: Record<string, string>) =>
  spawnSync(process.execPath, ["bin/exoarmur.mjs", "worker", "--database-url", url], {
    env: { ...process.env, EXOARMUR_DATA_DIR: dir, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });

describe("exoarmur worker", () => {
  it("refuses to start without EXOARMUR_SECRET_KEY", () => {
    const run = worker({ EXOARMUR_SECRET_KEY: "" });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/EXOARMUR_SECRET_KEY is not set/);
  });

  it("refuses to start with a malformed list of allowed networks, naming the entry", () => {
    const run = worker({ EXOARMUR_WEBHOOK_ALLOWED_NETWORKS: "127.0.0.1/32, 10.0.0.0/99" });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/EXOARMUR_WEBHOOK_ALLOWED_NETWORKS: "10\.0\.0\.0\/99"/);
  });
});
