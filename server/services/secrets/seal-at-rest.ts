// The start-up pass that encrypts what earlier releases stored in plaintext: webhook secrets in
// Tenant.executorConfig and signing keys' secret halves. It runs on every start (server/boot.ts)
// and is idempotent: sealed values are left alone, so a second instance starting at the same time
// finds nothing to do. Each row is rewritten under a row lock, re-reading it first, so a concurrent
// setExecutorConfig is never overwritten with an older configuration. Readers accept plaintext
// values meanwhile, so nothing depends on this pass having run.

import { isSealed, sealSecret } from "../../crypto/secret-box";
import type { Db } from "../../db/client";
import type { Prisma } from "../../db/generated/client";
import { storedExecutorConfigSchema } from "../executors/config";
import { hasPlaintextSecret, sealConfig } from "../executors/stored";
import { signingKeyContext } from "../keys/signing-key";
import { TX_OPTIONS, type Tx } from "../shared/transaction";

async function sealTenantSecrets(db: Db): Promise<number> {
  // Only configurations with a webhook secret that does not start with the envelope's prefix.
  const candidates = await db.$queryRaw<{ id: string }[]>`
    SELECT t.id FROM "Tenant" t, jsonb_array_elements(t."executorConfig"->'routes') r
     WHERE jsonb_typeof(t."executorConfig"->'routes') = 'array'
       AND r ? 'secret' AND left(r->>'secret', 7) <> 'enc:v1:'
     GROUP BY t.id`;
  let sealed = 0;
  for (const { id } of candidates) {
    const done = await db.$transaction(async (tx: Tx) => {
      const [row] = await tx.$queryRaw<{ executorConfig: unknown }[]>`
        SELECT "executorConfig" FROM "Tenant" WHERE id = ${id} FOR NO KEY UPDATE`;
      const parsed = storedExecutorConfigSchema.safeParse(row?.executorConfig);
      // An invalid configuration fails its attempts INVALID anyway; it is not rewritten here.
      if (!parsed.success || !hasPlaintextSecret(parsed.data)) return false;
      await tx.tenant.update({
        where: { id },
        data: { executorConfig: sealConfig(parsed.data, id) as unknown as Prisma.InputJsonValue },
      });
      return true;
    }, TX_OPTIONS);
    if (done) sealed++;
  }
  return sealed;
}

async function sealSigningKeys(db: Db): Promise<number> {
  const rows = await db.signingKey.findMany({ select: { id: true, secretKey: true } });
  let sealed = 0;
  for (const row of rows) {
    if (isSealed(row.secretKey)) continue;
    // Conditional on the value read: a concurrent pass that sealed it first wins, nothing is lost.
    const { count } = await db.signingKey.updateMany({
      where: { id: row.id, secretKey: row.secretKey },
      data: { secretKey: sealSecret(row.secretKey, signingKeyContext(row.id)) },
    });
    sealed += count;
  }
  return sealed;
}

export async function sealSecretsAtRest(db: Db, log: (line: string) => void): Promise<void> {
  const tenants = await sealTenantSecrets(db);
  const keys = await sealSigningKeys(db);
  if (tenants + keys > 0)
    log(
      `encrypted secrets stored in plaintext by an earlier release: ${tenants} tenant executor configuration(s), ${keys} signing key(s)`,
    );
}
