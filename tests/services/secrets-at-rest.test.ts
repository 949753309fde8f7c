import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyIdOf, verifyBundle, verifyOutcome } from "../../server/core";
import { generateSecretKeyHex, nodeCrypto, nodeSigner } from "../../server/crypto/node";
import type { Db } from "../../server/db/client";
import { startWorker } from "../../server/exec/worker";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { exportEvidence } from "../../server/services/decisions/read";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { getExecutorConfig, setExecutorConfig } from "../../server/services/executors/executors";
import { getSigner, rotateSigningKey } from "../../server/services/keys/signing-key";
import { sealSecretsAtRest } from "../../server/services/secrets/seal-at-rest";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { RECEIVER_NETWORK, type Receiver, startReceiver } from "../support/receiver";
import { until } from "../support/wait";

// Issue 11 §7 against a real PostgreSQL: what a backup of the database holds is ciphertext, and the
// secrets still do their work (webhook signatures, evidence signatures). Rows written before
// encryption existed keep working and are re-encrypted by the start-up pass.

let db: Db;
let receiver: Receiver;
let acme: TenantFixture;
const SECRET = "hmac-secret-0123456789";
const pinnedBefore = process.env.EXOARMUR_SIGNING_KEY;
const holder = globalThis as unknown as { __exoarmurSigner?: unknown };

const rawConfig = async (tenantId: string) =>
  (await db.pool.query(`SELECT "executorConfig"::text AS c FROM "Tenant" WHERE id = $1`, [tenantId])).rows[0]
    .c as string;
const rawKeys = async () =>
  (await db.pool.query(`SELECT id, "secretKey" FROM "SigningKey" ORDER BY "createdAt"`)).rows as {
    id: string;
    secretKey: string;
  }[];

/** One allowed intent through the in-process dispatcher; the request the receiver saw. */
async function executeOnce(tenant: TenantFixture) {
  const id = (await submitIntent(db, tenant.keys.client.principal, intentBody())).result.executionId!;
  const worker = startWorker({ pool: db.pool, pollMs: 20, leaseMs: 5000 });
  try {
    await until(
      () => db.execution.findUniqueOrThrow({ where: { id } }),
      (e) => e.status === "SUCCEEDED" || e.status === "FAILED",
    );
  } finally {
    await worker.stop();
  }
  expect((await db.execution.findUniqueOrThrow({ where: { id } })).status).toBe("SUCCEEDED");
  return receiver.requests.find((r) => r.body.executionId === id)!;
}

const hmac = (body: Record<string, unknown>) =>
  `sha256=${createHmac("sha256", SECRET).update(JSON.stringify(body)).digest("hex")}`;

async function bundleVerifies(tenant: TenantFixture, publicKey: string) {
  const { result } = await submitIntent(db, tenant.keys.client.principal, intentBody());
  const bundle = await exportEvidence(db, tenant.keys.auditor.principal, result.decisionId);
  return verifyOutcome(
    verifyBundle(JSON.parse(JSON.stringify(bundle)), { crypto: nodeCrypto, trustedKeys: [publicKey] }),
  );
}

beforeAll(async () => {
  delete process.env.EXOARMUR_SIGNING_KEY;
  holder.__exoarmurSigner = undefined;
  process.env.EXOARMUR_WEBHOOK_ALLOWED_NETWORKS = RECEIVER_NETWORK; // the receiver is on loopback
  ({ db } = await createTestDatabase());
  receiver = await startReceiver();
  acme = await seedTenant(db, "acme");
});

afterAll(async () => {
  if (pinnedBefore !== undefined) process.env.EXOARMUR_SIGNING_KEY = pinnedBefore;
  holder.__exoarmurSigner = undefined;
  await receiver?.close();
  await db?.$disconnect();
});

describe("the signing key from before encryption", () => {
  it("keeps signing, is re-encrypted at start-up, and bundles still verify", async () => {
    // A row as the previous release wrote it: the secret key in plaintext.
    const secretKey = generateSecretKeyHex();
    const publicKey = nodeSigner(secretKey).publicKeyHex;
    await db.signingKey.create({
      data: { id: keyIdOf(nodeCrypto, publicKey), publicKey, secretKey, active: true },
    });
    expect(await bundleVerifies(acme, publicKey)).toBe("verified");
    await sealSecretsAtRest(db, () => {});
    const [row] = await rawKeys();
    expect(row!.secretKey).toMatch(/^enc:v1:/);
    expect(row!.secretKey).not.toContain(secretKey);
    holder.__exoarmurSigner = undefined; // as a restarted server: the key is read from the row again
    expect((await getSigner(db)).publicKeyHex).toBe(publicKey);
    expect(await bundleVerifies(acme, publicKey)).toBe("verified");
  });

  it("a new key (rotation) is stored encrypted from the start, and signs verifiable bundles", async () => {
    const { current } = await rotateSigningKey(db, PLATFORM_ADMIN);
    const rows = await rawKeys();
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.secretKey).toMatch(/^enc:v1:/);
    expect(await bundleVerifies(acme, current.publicKey)).toBe("verified");
  });
});

describe("webhook secrets", () => {
  it("are stored encrypted, never in plaintext, and still sign each request", async () => {
    await setExecutorConfig(db, PLATFORM_ADMIN, "acme", {
      routes: [{ type: "webhook", actions: ["*"], url: receiver.url, timeoutMs: 2000, secret: SECRET }],
    });
    const stored = await rawConfig("acme");
    expect(stored).not.toContain(SECRET);
    expect(stored).toMatch(/"secret": ?"enc:v1:/);
    expect((await getExecutorConfig(db, PLATFORM_ADMIN, "acme")).routes).toEqual([
      { type: "webhook", actions: ["*"], url: receiver.url, timeoutMs: 2000, hasSecret: true },
    ]);
    const request = await executeOnce(acme);
    expect(request.signature).toBe(hmac(request.body));
  });

  it("stored in plaintext by an earlier release keep working and are re-encrypted at start-up", async () => {
    const legacy = await seedTenant(db, "legacy");
    const config = {
      routes: [{ type: "webhook", actions: ["*"], url: receiver.url, timeoutMs: 2000, secret: SECRET }],
    };
    await db.pool.query(`UPDATE "Tenant" SET "executorConfig" = $2::jsonb WHERE id = $1`, [
      "legacy",
      JSON.stringify(config),
    ]);
    expect((await executeOnce(legacy)).signature).toMatch(/^sha256=/);
    await sealSecretsAtRest(db, () => {});
    const stored = await rawConfig("legacy");
    expect(stored).not.toContain(SECRET);
    expect(stored).toMatch(/enc:v1:/);
    const request = await executeOnce(legacy);
    expect(request.signature).toBe(hmac(request.body));
    // The pass is idempotent: sealed values are left alone.
    await sealSecretsAtRest(db, () => {});
    expect(await rawConfig("legacy")).toBe(stored);
  });

  it("a sealed secret moved to another tenant's row does not open there: the attempt fails INVALID", async () => {
    const thief = await seedTenant(db, "thief");
    await db.pool.query(
      `UPDATE "Tenant" SET "executorConfig" = (SELECT "executorConfig" FROM "Tenant" WHERE id = 'acme') WHERE id = 'thief'`,
    );
    const id = (await submitIntent(db, thief.keys.client.principal, intentBody())).result.executionId!;
    const worker = startWorker({ pool: db.pool, pollMs: 20, leaseMs: 5000 });
    try {
      const done = await until(
        () => db.execution.findUniqueOrThrow({ where: { id } }),
        (e) => e.status === "SUCCEEDED" || e.status === "FAILED",
      );
      expect(done).toMatchObject({ status: "FAILED", failureClass: "INVALID" });
    } finally {
      await worker.stop();
    }
    expect(receiver.requests.some((r) => r.body.executionId === id)).toBe(false);
  });
});
