import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EvidenceBundle, keyIdOf, signedBytes } from "../../server/core";
import { generateSecretKeyHex, nodeCrypto, nodeSigner } from "../../server/crypto/node";
import { openSecret } from "../../server/crypto/secret-box";
import type { Db } from "../../server/db/client";
import { signingKeyContext } from "../../server/services/keys/signing-key";
import { createTestDatabase } from "../support/db";

/**
 * `exoarmur signing-key rotate | list`, run as an operator would (the real bin in a child process)
 * against a fresh migrated database; then `exoarmur verify --trusted-keys` on what `list --json`
 * wrote, for bundles signed before and after the rotation.
 */
let url: string;
let db: Db;
let dir: string;

beforeAll(async () => {
  ({ url, db } = await createTestDatabase());
  dir = mkdtempSync(join(tmpdir(), "exoarmur-signing-key-"));
});
afterAll(async () => {
  await db.$disconnect();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The bin with DATABASE_URL set and no signing or trusted keys inherited from this environment. */
function exoarmur(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const { EXOARMUR_SIGNING_KEY: _s, EXOARMUR_TRUSTED_KEYS: _t, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/exoarmur.mjs", ...args], {
      env: { ...inherited, EXOARMUR_DATA_DIR: dir, DATABASE_URL: url, ...env },
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
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The documentation's deny bundle, re-signed with a stored key's secret (as the server would sign it). */
async function signedWith(keyId: string, name: string): Promise<string> {
  const { secretKey } = await db.signingKey.findUniqueOrThrow({ where: { id: keyId } });
  const { signature: _old, ...unsigned } = JSON.parse(
    readFileSync("docs/examples/evidence-deny.json", "utf8"),
  ) as EvidenceBundle;
  // Stored sealed under EXOARMUR_SECRET_KEY (this process has the same key as the CLI it runs).
  const signer = nodeSigner(openSecret(secretKey, signingKeyContext(keyId)));
  const bundle = {
    ...unsigned,
    signature: {
      alg: "Ed25519",
      keyId: keyIdOf(nodeCrypto, signer.publicKeyHex),
      publicKey: signer.publicKeyHex,
      value: signer.sign(signedBytes(unsigned)),
    },
  };
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(bundle));
  return path;
}

describe("exoarmur signing-key", () => {
  it("rotate: a new active key, the old one retired and kept; verify trusts both through list --json", async () => {
    const first = await exoarmur(["signing-key", "list", "--json"]);
    expect(first.code, first.stderr).toBe(0);
    const before = JSON.parse(first.stdout);
    expect(before.keys).toHaveLength(1);
    const oldBundle = await signedWith(before.keyId, "old.json");

    const rotated = await exoarmur(["signing-key", "rotate"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const stored = await db.signingKey.findMany({ orderBy: { createdAt: "asc" } });
    expect(stored.map((k) => [k.id, k.active])).toEqual([
      [before.keyId, false],
      [stored[1]!.id, true],
    ]);
    expect(rotated.stdout).toContain(`rotated: new bundles are signed by ${stored[1]!.id}`);
    expect(rotated.stdout).toContain(`retired (kept, still trusted by whoever pinned it): ${before.keyId}`);

    const listed = await exoarmur(["signing-key", "list", "--json"]);
    const after = JSON.parse(listed.stdout);
    expect(after).toMatchObject({ alg: "Ed25519", keyId: stored[1]!.id, publicKey: stored[1]!.publicKey });
    expect(after.keys.map((k: { keyId: string; active: boolean }) => [k.keyId, k.active])).toEqual([
      [stored[1]!.id, true],
      [before.keyId, false],
    ]);
    const text = await exoarmur(["signing-key", "list"]);
    expect(text.stdout).toMatch(new RegExp(`${stored[1]!.id} .*active`));
    expect(text.stdout).toMatch(new RegExp(`${before.keyId} .*retired`));

    // The saved list is what `verify --trusted-keys` reads: old and new bundles verify.
    const keysFile = join(dir, "keys.json");
    writeFileSync(keysFile, listed.stdout);
    const newBundle = await signedWith(stored[1]!.id, "new.json");
    for (const bundle of [oldBundle, newBundle]) {
      const run = await exoarmur(["verify", bundle, "--trusted-keys", keysFile]);
      expect(run.code, run.stderr).toBe(0);
    }
    // Trusting only the new key leaves the old bundle intact but untrusted.
    const onlyNew = await exoarmur(["verify", oldBundle, "--public-key", stored[1]!.publicKey]);
    expect(onlyNew.code).toBe(3);
  }, 180_000); // eight runs of the bin, each paying for tsx and Prisma

  it("rotate --json answers the new key and the retired one", async () => {
    const active = await db.signingKey.findFirstOrThrow({ where: { active: true } });
    const run = await exoarmur(["signing-key", "rotate", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.current).toMatchObject({ active: true, createdAt: expect.any(String) });
    expect(json.retired).toEqual([
      {
        keyId: active.id,
        publicKey: active.publicKey,
        active: false,
        createdAt: active.createdAt.toISOString(),
      },
    ]);
    expect(JSON.stringify(json)).not.toContain(active.secretKey);
  });

  it("refuses to rotate when EXOARMUR_SIGNING_KEY pins the key, and writes nothing", async () => {
    const stored = await db.signingKey.findMany({ orderBy: { id: "asc" } });
    const run = await exoarmur(["signing-key", "rotate"], { EXOARMUR_SIGNING_KEY: generateSecretKeyHex() });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: the signing key is pinned by EXOARMUR_SIGNING_KEY/);
    expect(run.stdout).toBe("");
    expect(await db.signingKey.findMany({ orderBy: { id: "asc" } })).toEqual(stored);
    const json = await exoarmur(["signing-key", "rotate", "--json"], {
      EXOARMUR_SIGNING_KEY: generateSecretKeyHex(),
    });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "CONFLICT" } });
  });

  it("exit 2 without a database to work on", async () => {
    const run = await exoarmur(["signing-key", "rotate"], { DATABASE_URL: "" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("no database to work on");
  });
});
