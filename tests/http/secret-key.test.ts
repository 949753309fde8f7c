import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyBundle, verifyOutcome } from "../../server/core";
import { nodeCrypto } from "../../server/crypto/node";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, intentBody } from "../support/fixtures";
import { call, startServer, type TestServer } from "../support/server";

// Issue 11 §7 on the real server: the embedded server keeps its key-encryption key in a 0600 file
// in its data dir, the signing key in its database is ciphertext, and bundles signed before and
// after a restart verify; a server on an external database without EXOARMUR_SECRET_KEY refuses to start.

let dataDir: string;
let server: TestServer | undefined;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), "exoarmur-kek-server-"));
});

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts the embedded server on `dataDir` with no key given: it must find or make its own. */
const startEmbedded = () =>
  startServer({
    DATABASE_URL: "",
    EXOARMUR_DATA_DIR: dataDir,
    EXOARMUR_SECRET_KEY: "",
    EXOARMUR_DEMO_SEED: "off",
    EXOARMUR_WORKER: "off",
  });

async function storedSigningKeys(): Promise<string[]> {
  const { databaseUrl } = JSON.parse(readFileSync(join(dataDir, "runtime.json"), "utf8"));
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(`SELECT "secretKey" FROM "SigningKey"`)).rows.map(
      (r) => r.secretKey as string,
    );
  } finally {
    await client.end();
  }
}

async function signedBundle(s: TestServer, tenant: string) {
  const admin = s.adminToken;
  await call(s, "POST", "/api/v1/tenants", { token: admin, body: { id: tenant, name: tenant } });
  await call(s, "POST", `/api/v1/tenants/${tenant}/policies`, { token: admin, body: DEMO_POLICY });
  const key = async (role: string) =>
    (
      await call(s, "POST", `/api/v1/tenants/${tenant}/api-keys`, {
        token: admin,
        body: { role, name: role },
      })
    ).json.key as string;
  const decided = await call(s, "POST", "/api/v1/intents", {
    token: await key("client"),
    body: intentBody({ actionClass: "A3_irreversible" }),
  });
  return (
    await call(s, "GET", `/api/v1/decisions/${decided.json.decisionId}/evidence`, {
      token: await key("auditor"),
    })
  ).json;
}

describe("the key-encryption key of the embedded server", () => {
  it("is created in a 0600 file, seals the signing key, and survives a restart: bundles verify", async () => {
    server = await startEmbedded();
    const file = join(dataDir, "secret-key");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const kek = readFileSync(file, "utf8").trim();
    expect(kek).toMatch(/^[0-9a-f]{64}$/);
    expect(server.output()).not.toContain(kek);
    const published = (await call(server, "GET", "/api/v1/signing-key", { token: server.adminToken })).json
      .publicKey as string;
    expect(published).toMatch(/^[0-9a-f]{64}$/);
    const stored = await storedSigningKeys();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatch(/^enc:v1:/);
    const before = await signedBundle(server, "before");
    await server.stop();

    server = await startEmbedded();
    expect(readFileSync(file, "utf8").trim()).toBe(kek);
    expect(
      (await call(server, "GET", "/api/v1/signing-key", { token: server.adminToken })).json.publicKey,
    ).toBe(published);
    const after = await signedBundle(server, "after");
    for (const bundle of [before, after])
      expect(verifyOutcome(verifyBundle(bundle, { crypto: nodeCrypto, trustedKeys: [published] }))).toBe(
        "verified",
      );
  });

  it("is the one the CLI uses on that data dir: a key rotated by `exoarmur signing-key rotate` signs the server's next bundle", async () => {
    const rotate = spawnSync(process.execPath, ["bin/exoarmur.mjs", "signing-key", "rotate", "--json"], {
      env: { ...process.env, EXOARMUR_DATA_DIR: dataDir, EXOARMUR_SECRET_KEY: "", DATABASE_URL: "" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(rotate.status, rotate.stderr).toBe(0);
    const rotated = JSON.parse(rotate.stdout).current.publicKey as string;
    expect((await storedSigningKeys()).every((k) => k.startsWith("enc:v1:"))).toBe(true);
    const bundle = await signedBundle(server!, "rotated");
    expect(bundle.signature.publicKey).toBe(rotated);
    expect(verifyOutcome(verifyBundle(bundle, { crypto: nodeCrypto, trustedKeys: [rotated] }))).toBe(
      "verified",
    );
  });
});

describe("a server on an external database", () => {
  it("refuses to start without EXOARMUR_SECRET_KEY, saying why", async () => {
    const database = await createTestDatabase();
    try {
      await expect(startServer({ DATABASE_URL: database.url, EXOARMUR_SECRET_KEY: "" })).rejects.toThrow(
        /EXOARMUR_SECRET_KEY is not set/,
      );
      await expect(
        startServer({ DATABASE_URL: database.url, EXOARMUR_SECRET_KEY: "too-short" }),
      ).rejects.toThrow(/EXOARMUR_SECRET_KEY must be 32 bytes/);
    } finally {
      await database.db.$disconnect();
    }
  });
});
