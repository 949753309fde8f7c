// The documentation's evidence bundles, produced by the real code path: the services and the
// dispatcher against a real PostgreSQL, on a fixed clock, with numbered ids and the published
// example key, so the output is byte-for-byte reproducible. scripts/make-examples.ts writes it to
// docs/examples; tests/examples.test.ts checks the committed files are exactly this.

import { readFileSync } from "node:fs";
import { nodeSigner } from "../server/crypto/node";
import type { Db } from "../server/db/client";
import { startWorker } from "../server/exec/worker";
import { PLATFORM_ADMIN, type Principal } from "../server/services/access/principal";
import { voteOnApproval } from "../server/services/approvals/vote";
import { exportEvidence } from "../server/services/decisions/read";
import { submitIntent } from "../server/services/decisions/submit-intent";
import { createApiKey } from "../server/services/keys/api-keys";
import { applyPolicy } from "../server/services/policies/versions";
import { switchToSequentialIds } from "../server/services/shared/ids";
import { createTenant } from "../server/services/tenants/tenants";
import { createUser, setMembership } from "../server/services/users/users";

/** The example key is public on purpose: it signs documentation, never a real deployment. */
const EXAMPLE_SECRET_KEY_HEX = "4578616d706c65206b6579202d2d206e6f742061207365637265742021212121";

const TENANT = "acme";
const at = (time: string) => new Date(`2026-11-26T${time}Z`);

/** Runs the dispatcher until `executionId` is done, stamping its events with `times`, in order. */
async function dispatch(db: Db, executionId: string, times: string[]): Promise<void> {
  const clock = [...times];
  const worker = startWorker({
    pool: db.pool,
    workerId: "example-worker",
    concurrency: 1,
    pollMs: 10,
    clock: () => at(clock.length > 1 ? clock.shift()! : clock[0]!),
  });
  try {
    for (let i = 0; i < 1000; i++) {
      const row = await db.execution.findUnique({ where: { id: executionId }, select: { status: true } });
      if (row?.status === "SUCCEEDED") return;
      if (row && row.status !== "QUEUED" && row.status !== "RUNNING")
        throw new Error(`example execution ${executionId} ended ${row.status}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`example execution ${executionId} did not finish`);
  } finally {
    await worker.stop();
  }
}

/**
 * One tenant's history on one chain: an allowed intent, executed; an intent that two operators
 * approve, executed; an intent the policy denies. `db` must be a freshly migrated, empty database.
 */
export async function makeExamples(db: Db): Promise<Record<string, string>> {
  const restoreIds = switchToSequentialIds();
  try {
    const policy = JSON.parse(readFileSync(new URL("../docs/examples/policy.json", import.meta.url), "utf8"));
    const setup = at("08:55:00");
    await createTenant(db, PLATFORM_ADMIN, { id: TENANT, name: "Acme" }, setup);
    await applyPolicy(db, PLATFORM_ADMIN, TENANT, policy, { now: setup });
    const key = await createApiKey(db, PLATFORM_ADMIN, TENANT, { role: "client", name: "soar" }, setup);
    const client: Principal = { kind: "api-key", id: key.id, tenantId: TENANT, role: "client", name: "soar" };
    const operators: Principal[] = [];
    for (const [email, name] of [
      ["alice@acme.example", "Alice"],
      ["bob@acme.example", "Bob"],
    ] as const) {
      const user = await createUser(db, { email, name, password: "example-password-not-used" }, setup);
      await setMembership(db, PLATFORM_ADMIN, TENANT, { email, role: "operator" }, setup);
      operators.push({ kind: "user", id: user.id, tenantId: TENANT, role: "operator", name });
    }

    // 1. ALLOW, executed once.
    const allow = await submitIntent(
      db,
      client,
      {
        actor: { type: "agent", id: "soar-1" },
        action: "host.isolate",
        actionClass: "A1_soft",
        target: "web-7",
        parameters: { reason: "beaconing" },
        requestedAt: "2026-11-26T09:00:00Z",
        correlationId: "incident-4711",
      },
      { idempotencyKey: "soar-1:incident-4711:isolate-web-7", now: at("09:00:00.250") },
    );
    await dispatch(db, allow.result.executionId!, ["09:00:00.400", "09:00:00.610"]);

    // 2. REQUIRE_APPROVAL, approved by two operators, then executed once.
    const approved = await submitIntent(
      db,
      client,
      {
        actor: { type: "agent", id: "soar-1" },
        action: "host.quarantine",
        actionClass: "A2_hard",
        target: "db-1",
        parameters: { region: "eu", reason: "ransomware note found" },
        requestedAt: "2026-11-26T09:01:00Z",
      },
      { idempotencyKey: "soar-1:incident-4712:quarantine-db-1", now: at("09:01:00.120") },
    );
    const approvalId = approved.result.approvalId!;
    await voteOnApproval(db, operators[0]!, approvalId, { vote: "approve" }, at("09:04:10"));
    const resolved = await voteOnApproval(
      db,
      operators[1]!,
      approvalId,
      { vote: "approve", reason: "confirmed with DB owner" },
      at("09:06:45"),
    );
    await dispatch(db, resolved.executionId!, ["09:06:45.300", "09:06:46.020"]);

    // 3. DENY by policy.
    const deny = await submitIntent(
      db,
      client,
      {
        actor: { type: "agent", id: "llm-agent-7" },
        action: "host.wipe",
        actionClass: "A3_irreversible",
        target: "web-7",
        parameters: {},
        requestedAt: "2026-11-26T09:10:00Z",
      },
      { idempotencyKey: "llm-agent-7:wipe-web-7", now: at("09:10:00.090") },
    );

    const signer = nodeSigner(EXAMPLE_SECRET_KEY_HEX);
    const files: Record<string, string> = {};
    for (const [name, outcome] of Object.entries({ allow, approved, deny })) {
      const bundle = await exportEvidence(db, PLATFORM_ADMIN, outcome.result.decisionId, signer);
      files[`evidence-${name}.json`] = `${JSON.stringify(bundle, null, 2)}\n`;
    }
    files["example-public-key.txt"] = `${signer.publicKeyHex}\n`;
    return files;
  } finally {
    restoreIds();
  }
}
