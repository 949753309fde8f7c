import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, intentBody } from "../support/fixtures";
import { call, startServer, type TestServer } from "../support/server";

/**
 * Key rotation seen from outside: a running server (`next start`) and an operator who rotates the
 * signing key with the CLI (another process, as from another machine). The server's very next
 * bundle is signed by the new key; `GET /api/v1/signing-key` keeps its old fields for the current key
 * and lists the retired one; a reviewer who saved that answer verifies bundles from both sides of
 * the rotation with `exoarmur verify --trusted-keys`.
 */
let server: TestServer;
let db: Db;
let url: string;
let dir: string;
let client: string;
let auditor: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exoarmur(args: string[]): Promise<Run> {
  const { EXOARMUR_SIGNING_KEY: _s, EXOARMUR_TRUSTED_KEYS: _t, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/exoarmur.mjs", ...args], {
      env: { ...inherited, DATABASE_URL: url, EXOARMUR_DATA_DIR: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const save = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(async () => {
  const database = await createTestDatabase();
  ({ db, url } = database);
  dir = mkdtempSync(join(tmpdir(), "exoarmur-rotation-"));
  server = await startServer({ DATABASE_URL: url, EXOARMUR_WORKER: "off", EXOARMUR_SIGNING_KEY: "" });
  const admin = server.adminToken;
  expect(
    (await call(server, "POST", "/api/v1/tenants", { token: admin, body: { id: "acme", name: "Acme" } }))
      .status,
  ).toBe(201);
  expect(
    (await call(server, "POST", "/api/v1/tenants/acme/policies", { token: admin, body: DEMO_POLICY })).status,
  ).toBe(201);
  const key = async (role: string) =>
    (
      await call(server, "POST", "/api/v1/tenants/acme/api-keys", {
        token: admin,
        body: { role, name: role },
      })
    ).json.key as string;
  client = await key("client");
  auditor = await key("auditor");
});

afterAll(async () => {
  await server?.stop();
  await db?.$disconnect();
});

describe("signing key rotation on a running server", () => {
  it("the next bundle is signed by the new key; the list keeps the old fields and the retired key; both verify", async () => {
    const decided = await call(server, "POST", "/api/v1/intents", { token: client, body: intentBody() });
    expect(decided.status).toBe(201);
    const evidence = () =>
      call(server, "GET", `/api/v1/decisions/${decided.json.decisionId}/evidence`, { token: auditor });

    const before = await call(server, "GET", "/api/v1/signing-key", { token: auditor });
    expect(before.status).toBe(200);
    expect(before.json).toEqual({
      alg: "Ed25519",
      keyId: before.json.keyId,
      publicKey: before.json.publicKey,
      keys: [
        {
          keyId: before.json.keyId,
          publicKey: before.json.publicKey,
          active: true,
          createdAt: expect.any(String),
        },
      ],
    });
    const oldBundle = await evidence();
    expect(oldBundle.json.signature.publicKey).toBe(before.json.publicKey);
    const oldFile = save("old.json", oldBundle.text);

    const rotated = await exoarmur(["signing-key", "rotate", "--json"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const current = JSON.parse(rotated.stdout).current as { keyId: string; publicKey: string };

    // The server did not restart: its next export already carries the new key.
    const newBundle = await evidence();
    expect(newBundle.json.signature.publicKey).toBe(current.publicKey);
    const newFile = save("new.json", newBundle.text);

    const after = await call(server, "GET", "/api/v1/signing-key", { token: auditor });
    expect(after.json).toMatchObject({ alg: "Ed25519", keyId: current.keyId, publicKey: current.publicKey });
    expect(after.json.keys.map((k: { keyId: string; active: boolean }) => [k.keyId, k.active])).toEqual([
      [current.keyId, true],
      [before.json.keyId, false],
    ]);
    const stored = await db.signingKey.findMany();
    for (const { secretKey } of stored) expect(after.text).not.toContain(secretKey);

    // A reviewer saves the answer and trusts it: bundles from before and after the rotation verify.
    const keysFile = save("keys.json", after.text);
    for (const file of [oldFile, newFile]) {
      const run = await exoarmur(["verify", file, "--trusted-keys", keysFile]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain("(trusted key)");
    }
    // Only the current key pinned: the old bundle is intact, its signer not trusted.
    const onlyCurrent = await exoarmur(["verify", oldFile, "--public-key", current.publicKey]);
    expect(onlyCurrent.code).toBe(3);
    expect(onlyCurrent.stderr).toContain(
      `integrity OK, signer not trusted: pin its key with --public-key (key id ${before.json.keyId})`,
    );
  }, 180_000);

  it("the OpenAPI document describes the key list", async () => {
    const doc = (await call(server, "GET", "/api/v1/openapi.json")).json;
    expect(doc.paths["/api/v1/signing-key"].get.responses["200"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/SigningKeys",
    });
    expect(Object.keys(doc.components.schemas.SigningKeys.properties)).toEqual([
      "alg",
      "keyId",
      "publicKey",
      "keys",
    ]);
  });
});
