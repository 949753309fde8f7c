import { hashJson, idempotencyKeySchema, parseIntentSubmission } from "../../core";
import { nodeCrypto } from "../../crypto/node";
import type { Db } from "../../db/client";
import type { Principal } from "../access/principal";
import { forbidden, invalid } from "../shared/errors";
import { iso } from "../shared/ids";
import type { SubmitOutcome } from "./decide-batch";
import { committerFor } from "./group-commit";
import { submitSpan } from "./trace-context";

/** How far a client's requestedAt may run ahead of the server's clock. */
const MAX_CLOCK_AHEAD_MS = 5 * 60_000;

interface SubmitOptions {
  /** The Idempotency-Key header, if the client sent one. */
  idempotencyKey?: string | null;
  now?: Date;
}

/**
 * submitIntent: validate here, then decide in the next group commit (group-commit.ts,
 * decide-batch.ts): idempotency on (tenant, key) → admission (global, rate, pending cap) → tenant,
 * active policy, kill switches → decide → intent, decision, chain events and an approval or a
 * queued execution, committed in one transaction with the others of its batch. Same key + same
 * content replays the stored result without re-evaluating; same key + other content is a 409.
 */
export async function submitIntent(
  db: Db,
  principal: Principal,
  body: unknown,
  options: SubmitOptions = {},
): Promise<SubmitOutcome> {
  if (principal.kind !== "api-key") throw forbidden("intents are submitted with a tenant's client API key");
  if (principal.role !== "client" && principal.role !== "admin") {
    throw forbidden(`submitting intents needs the client role; the key has ${principal.role}`);
  }
  const parsed = parseIntentSubmission(body);
  if (!parsed.ok) throw invalid(parsed.errors, "intent is invalid");
  // The default mode is not part of the content: `"execution": "executor"` and no field are the same intent.
  const { idempotencyKey: fromBody, execution, ...rest } = parsed.value;
  const submission = execution === "caller" ? { ...rest, execution } : rest;
  if (submission.tenantId !== undefined && submission.tenantId !== principal.tenantId) {
    throw forbidden(`tenantId ${submission.tenantId} is not the tenant of this API key`);
  }
  const idempotencyKey = resolveIdempotencyKey(options.idempotencyKey, fromBody);
  const tenantId = principal.tenantId;
  const submissionHash = hashJson(nodeCrypto, { ...submission, tenantId });

  const now = options.now ?? new Date();
  // A far-future requestedAt would keep the intent's TTL from ever lapsing.
  if (
    submission.requestedAt !== undefined &&
    Date.parse(submission.requestedAt) > now.getTime() + MAX_CLOCK_AHEAD_MS
  ) {
    throw invalid([
      {
        path: "requestedAt",
        message: `is more than ${MAX_CLOCK_AHEAD_MS / 60_000} minutes ahead of the server's clock (${iso(now)})`,
      },
    ]);
  }
  return submitSpan(tenantId, (traceparent) =>
    committerFor(db.pool).submit({ principal, idempotencyKey, submission, submissionHash, now, traceparent }),
  );
}

function resolveIdempotencyKey(header: string | null | undefined, fromBody: string | undefined): string {
  if (header !== undefined && header !== null) {
    const checked = idempotencyKeySchema.safeParse(header);
    if (!checked.success)
      throw invalid([{ path: "Idempotency-Key", message: checked.error.issues[0]?.message ?? "is invalid" }]);
    if (fromBody !== undefined && fromBody !== header) {
      throw invalid([{ path: "idempotencyKey", message: "differs from the Idempotency-Key header" }]);
    }
    return header;
  }
  if (fromBody === undefined) {
    throw invalid([
      {
        path: "idempotencyKey",
        message: "is required (the Idempotency-Key header or the idempotencyKey field)",
      },
    ]);
  }
  return fromBody;
}
