// Replay: re-run recorded decisions through the pure core. "Replay now" re-evaluates one decision's
// exact recorded input (it must agree, or something is wrong); a what-if replay swaps in another
// policy — a draft or a past version — and keeps everything else as recorded (intent, kill
// switches, tenant state, clock), so any difference is the policy's alone.
//
// A what-if replay evaluates up to MAX_REPLAY decisions, and any member (auditors included) may start
// one with a draft of their own: that work runs in a worker thread (replay-worker.ts, at the lowest
// CPU priority), never on the event loop that decides every tenant's intents. This thread only reads
// the rows, a page at a time with their JSON as text (parsed in the worker), and hands each page
// over. Still bounded as before: one replay per tenant, MAX_REPLAY decisions, a 256 KB draft that
// must also be within the matching budget (core/match-budget.ts), like any policy that is saved;
// and now at most MAX_WORKERS at once in the process, each stopped after REPLAY_TIMEOUT_MS.

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { z } from "zod";
import {
  type DecisionOutput,
  decide,
  diffJson,
  type Policy,
  parsePolicy,
  policyMatchProblem,
} from "../../core";
import type { Db } from "../../db/client";
import { requireTenantRole } from "../access/authorize";
import { MEMBER_ROLES, type Principal } from "../access/principal";
import { evaluatedInput } from "../decisions/read";
import { conflict, invalid, notFound, ServiceError } from "../shared/errors";
import { iso } from "../shared/ids";
import type { RecordedRow, ReplayTally } from "./replay-evaluate";
import type { ReplayWorkerMessage, ReplayWorkerReply } from "./replay-worker";
import { MAX_POLICY_BYTES } from "./versions";

/** Bounds that keep one what-if from monopolising a server that also decides live intents. */
const MAX_REPLAY = 10_000;
/** Rows per query and per message to the worker: each page is a short stretch of work on this thread. */
const PAGE = 200;
/** Replay workers at once in this process: one per core beyond the one the event loop needs. */
const MAX_WORKERS = Math.max(1, availableParallelism() - 1);
/** A replay still running after this is stopped (a policy stored before the matching budget could be that slow). */
const REPLAY_TIMEOUT_MS = 120_000;
/** Tenants with a replay running or waiting for a worker: one each. */
const running = new Set<string>();
const instant = z.iso.datetime({ offset: true, error: "must be an ISO 8601 timestamp" });

const replayRequestSchema = z
  .strictObject({
    policy: z.unknown().optional(),
    version: z.number().int().min(1).optional(),
    from: instant.optional(),
    to: instant.optional(),
    limit: z.number().int().min(1).max(MAX_REPLAY).default(2_000),
  })
  .refine((r) => (r.policy === undefined) !== (r.version === undefined), {
    error: "give either a candidate policy or a version, not both",
    path: ["policy"],
  });

export async function replayDecision(db: Db, principal: Principal, tenantId: string, decisionId: string) {
  requireTenantRole(principal, tenantId, MEMBER_ROLES);
  const d = await db.decision.findFirst({
    where: { id: decisionId, tenantId },
    select: { id: true, tenantId: true, policyVersion: true, policyHash: true, input: true, output: true },
  });
  if (!d) throw notFound(`decision ${decisionId}`);
  const recorded = d.output as unknown as DecisionOutput;
  const replayed = decide(await evaluatedInput(db, d));
  const differences = diffJson(recorded, replayed);
  return { recorded, replayed, same: differences.length === 0, differences };
}

export async function replayUnderPolicy(db: Db, principal: Principal, tenantId: string, body: unknown) {
  requireTenantRole(principal, tenantId, MEMBER_ROLES);
  const request = replayRequestSchema.safeParse(body);
  if (!request.success)
    throw invalid(
      request.error.issues.map((i) => ({ path: i.path.join(".") || "(body)", message: i.message })),
    );
  const { from, to, limit, version } = request.data;
  let candidate: Policy;
  let label: string;
  if (version !== undefined) {
    const row = await db.policyVersion.findUnique({ where: { tenantId_version: { tenantId, version } } });
    if (!row) throw notFound(`policy version ${version}`);
    candidate = row.document as unknown as Policy;
    label = `version ${version}`;
  } else {
    if (JSON.stringify(request.data.policy ?? null).length > MAX_POLICY_BYTES)
      throw invalid([{ path: "policy", message: `must be at most ${MAX_POLICY_BYTES} bytes of JSON` }]);
    const parsed = parsePolicy(request.data.policy);
    if (!parsed.ok)
      throw invalid(
        parsed.errors.map((e) => ({ ...e, path: `policy${e.path ? `.${e.path}` : ""}` })),
        "candidate policy is invalid",
      );
    candidate = parsed.value;
    const costly = policyMatchProblem(candidate);
    if (costly)
      throw invalid(
        [{ ...costly, path: `policy.${costly.path}` }],
        "candidate policy is over the matching budget",
      );
    label = "draft";
  }
  if (running.has(tenantId))
    throw conflict("a replay of this tenant is already running; try again when it has finished");
  running.add(tenantId);
  try {
    return await evaluate(db, tenantId, candidate, label, { from, to, limit });
  } finally {
    running.delete(tenantId);
  }
}

async function evaluate(
  db: Db,
  tenantId: string,
  candidate: Policy,
  label: string,
  { from, to, limit }: { from?: string; to?: string; limit: number },
) {
  let newest: Date | null = null;
  let oldest: Date | null = null;
  const tally = await withWorkerSlot(() =>
    inReplayWorker(candidate, async (send) => {
      // Page by page, newest first, each handed over as it arrives, at the worker's pace: neither
      // thread holds more than a few pages at once.
      let after: { at: string; id: string } | null = null;
      for (let fetched = 0; fetched < limit; ) {
        const size = Math.min(PAGE, limit - fetched);
        const started = performance.now();
        const page = await recordedPage(db, tenantId, { from, to, after, size });
        if (page.length === 0) break;
        newest ??= page[0]!.createdAt;
        oldest = page.at(-1)!.createdAt;
        await send(page.map(({ at: _, ...row }) => ({ ...row, createdAt: iso(row.createdAt) })));
        // Reading is the part that shares this thread and the database with live requests: it takes
        // at most half of the time, so a cheap draft's replay cannot crowd them out either.
        await new Promise((resolve) => setTimeout(resolve, performance.now() - started));
        fetched += page.length;
        if (page.length < size) break;
        after = { at: page.at(-1)!.at, id: page.at(-1)!.id };
      }
    }),
  );
  return {
    candidate: label,
    evaluated: tally.evaluated,
    changed: tally.changed,
    unchanged: tally.evaluated - tally.changed,
    transitions: tally.transitions,
    changes: tally.changes,
    truncated: tally.truncated,
    range: { from: oldest && iso(oldest), to: newest && iso(newest) },
  };
}

/**
 * One page of a tenant's recorded decisions, newest first, after the keyset `after` (`at` is
 * `createdAt` as PostgreSQL prints it, so the microseconds survive the round trip). The page's ids
 * are chosen first and only its rows are read in full: whatever plan PostgreSQL picks (a sort of the
 * tenant's rows, before statistics exist), it never serializes more than one page of inputs. The
 * keyset is a range on `createdAt` plus the tie-break on `id`. Each stored input carries the policy
 * of its day: leave it in the database. JSON stays text: the worker parses it.
 */
function recordedPage(
  db: Db,
  tenantId: string,
  {
    from,
    to,
    after,
    size,
  }: { from?: string; to?: string; after: { at: string; id: string } | null; size: number },
) {
  const at = after?.at ?? null;
  return db.$queryRaw<(Omit<RecordedRow, "createdAt"> & { createdAt: Date; at: string })[]>`
    SELECT d.id, d."createdAt", d."createdAt"::text AS at, d.action, d."actorId",
           d.input::text AS input, d.output::text AS output
      FROM (SELECT id FROM "Decision"
             WHERE "tenantId" = ${tenantId}
               AND (${from ?? null}::timestamptz IS NULL OR "createdAt" >= ${from ?? null}::timestamptz)
               AND (${to ?? null}::timestamptz IS NULL OR "createdAt" < ${to ?? null}::timestamptz)
               AND (${at}::timestamptz IS NULL OR "createdAt" <= ${at}::timestamptz)
               AND (${at}::timestamptz IS NULL OR "createdAt" < ${at}::timestamptz OR id < ${after?.id ?? null})
             ORDER BY "createdAt" DESC, id DESC
             LIMIT ${size}) page
      JOIN "Decision" d ON d.id = page.id
     ORDER BY d."createdAt" DESC, d.id DESC`;
}

let activeWorkers = 0;
const waitingForWorker: (() => void)[] = [];

/** At most MAX_WORKERS replays evaluate at once; the others wait their turn, first come first served. */
async function withWorkerSlot<T>(work: () => Promise<T>): Promise<T> {
  if (activeWorkers < MAX_WORKERS) activeWorkers++;
  else await new Promise<void>((resolve) => waitingForWorker.push(resolve));
  try {
    return await work();
  } finally {
    const next = waitingForWorker.shift();
    if (next)
      next(); // the slot passes straight on
    else activeWorkers--;
  }
}

/**
 * Under Next (Turbopack) `new Worker(new URL(…, import.meta.url))` is bundled into a JavaScript entry
 * of its own. From source (tsx: CLI, benchmarks; vitest: tests) the entry is TypeScript, which a new
 * thread cannot load by itself: replay-worker-source.mjs registers tsx's loader there first. Its
 * path is derived from this module's by string (not `new URL`), so the bundler leaves it alone.
 */
function startReplayWorker(candidate: Policy): Worker {
  if (process.env.NEXT_RUNTIME)
    return new Worker(new URL("./replay-worker.ts", import.meta.url), { workerData: { candidate } });
  const here = import.meta.url;
  const sibling = (name: string) => here.slice(0, here.lastIndexOf("/") + 1) + name;
  return new Worker(new URL(sibling("replay-worker-source.mjs")), {
    workerData: { candidate, entry: sibling("replay-worker.ts") },
  });
}

/** Pages handed to the worker and not yet evaluated, at most: memory stays a few pages deep. */
const IN_FLIGHT = 2;

/**
 * Starts a worker for `candidate`, lets `feed` send it pages of rows (`send` waits while IN_FLIGHT
 * pages are unevaluated), then collects its tally — or stops it on an error or after the timeout.
 */
async function inReplayWorker(
  candidate: Policy,
  feed: (send: (rows: RecordedRow[]) => Promise<void>) => Promise<void>,
): Promise<ReplayTally> {
  const worker = startReplayWorker(candidate);
  let timer: NodeJS.Timeout | undefined;
  let inFlight = 0;
  let evaluatedOne: (() => void) | null = null;
  const tally = new Promise<ReplayTally>((resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ServiceError(
            "UNAVAILABLE",
            `the replay took longer than ${REPLAY_TIMEOUT_MS / 1000} s and was stopped: replay fewer decisions (limit, from, to)`,
          ),
        ),
      REPLAY_TIMEOUT_MS,
    );
    worker.on("message", (reply: ReplayWorkerReply) => {
      if ("tally" in reply) return resolve(reply.tally);
      inFlight--;
      evaluatedOne?.();
    });
    worker.once("error", reject);
    worker.once("exit", (code) =>
      reject(new Error(`the replay worker exited (code ${code}) before its tally`)),
    );
  });
  const send = async (rows: RecordedRow[]) => {
    while (inFlight >= IN_FLIGHT) await new Promise<void>((resolve) => (evaluatedOne = resolve));
    inFlight++;
    worker.postMessage({ rows } satisfies ReplayWorkerMessage);
  };
  try {
    const feeding = feed(send);
    // Whichever settles first is observed below; neither may be left to reject unhandled.
    tally.catch(() => {});
    feeding.catch(() => {});
    await Promise.race([feeding, tally]);
    worker.postMessage({ done: true } satisfies ReplayWorkerMessage);
    return await tally;
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}
