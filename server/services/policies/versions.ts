// Policy versions are immutable: applying a document creates version N+1 and activates it;
// activating an older version never edits it. Compiled forms are cached per (tenant, version),
// which is safe precisely because versions never change.

import { z } from "zod";
import {
  type CanonicalMemo,
  type CompiledPolicy,
  canonicalJson,
  chainEvent,
  compilePolicy,
  hashJson,
  type Policy,
  parsePolicy,
  policyChangeWarnings,
  policyMatchProblem,
  policySchema,
} from "../../core";
import { nodeCrypto } from "../../crypto/node";
import type { Db } from "../../db/client";
import type { Prisma } from "../../db/generated/client";
import { requireActiveTenant, requireTenantRole } from "../access/authorize";
import { accountableLabel, type Principal, principalLabel } from "../access/principal";
import { principalNames } from "../access/principal-names";
import { appendEvents } from "../chain/append";
import { conflict, forbidden, invalid, notFound } from "../shared/errors";
import { iso } from "../shared/ids";
import { readInSnapshot, TX_OPTIONS, type Tx } from "../shared/transaction";

export interface ActivePolicy {
  version: number | null;
  document: Policy;
  compiled: CompiledPolicy;
  /** The hash of `document`, made once per version and process (not on every decision). */
  hash: string;
  /** Holds `document`'s canonical text, so each decision's input hash reuses it (never mutate the document). */
  memo: CanonicalMemo;
}

/** A version as decisions use it: compiled, hashed and canonicalized once. */
function activate(version: number | null, document: Policy): ActivePolicy {
  const memo: CanonicalMemo = new WeakMap();
  const hash = nodeCrypto.sha256Hex(canonicalJson(document, memo));
  return { version, document, compiled: compilePolicy(document), hash, memo };
}

export const MAX_POLICY_BYTES = 256 * 1024;
const EMPTY: Policy = { rules: [] };
const cache = new Map<string, ActivePolicy>();
const empty = activate(null, EMPTY);

/** The compiled form of a stored version, from the cache or from `fetch` (a query on the caller's connection). */
export async function loadPolicy(
  tenantId: string,
  version: number | null,
  fetch: () => Promise<{ document: unknown; hash: string } | null>,
): Promise<ActivePolicy> {
  if (version === null) return empty;
  const key = `${tenantId}:${version}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const row = await fetch();
  if (!row) throw new Error(`policy version ${version} of ${tenantId} is missing`);
  const document = policySchema.parse(row.document);
  const active = activate(version, document);
  if (cache.size > 10_000) cache.clear();
  cache.set(key, active);
  return active;
}

/**
 * The policy a decision was made under, for its evidence and replay. Read from the version, not
 * the cache, and checked against the hash the decision recorded: evidence is signed from it, so a
 * version edited behind the services' back must fail here rather than be signed.
 */
export async function policyOfDecision(
  db: Db,
  decision: { id: string; tenantId: string; policyVersion: number | null; policyHash: string },
): Promise<Policy> {
  const { tenantId, policyVersion: version } = decision;
  const document =
    version === null
      ? EMPTY
      : (
          await db.policyVersion.findUnique({
            where: { tenantId_version: { tenantId, version } },
            select: { document: true },
          })
        )?.document;
  if (document === undefined) throw new Error(`policy version ${version} of tenant ${tenantId} is missing`);
  if (hashJson(nodeCrypto, document) !== decision.policyHash) {
    throw new Error(
      `policy version ${version} of tenant ${tenantId} no longer has the hash ${decision.policyHash} that decision ${decision.id} was made under`,
    );
  }
  return document as unknown as Policy;
}

/** A change note: why this version, in the author's words (the dashboard requires one). */
export const changeNoteSchema = z
  .string({ error: "must be a string" })
  .trim()
  .min(1, { error: "must not be empty: say why the policy changes" })
  .max(1000, { error: "must be at most 1000 characters" });

/** A change note or a rejection reason, checked, or a 400 naming `field`. */
function changeText(value: unknown, field: string): string {
  const checked = changeNoteSchema.safeParse(value);
  if (!checked.success) throw invalid([{ path: field, message: checked.error.issues[0]!.message }]);
  return checked.data;
}

/**
 * Stores a document as version N+1. Without four eyes it is activated at once; with four eyes it
 * waits (review PENDING) for another admin to activate it. The chain event records the note and
 * the change's warnings (policyChangeWarnings) either way.
 */
export async function applyPolicy(
  db: Db,
  principal: Principal,
  tenantId: string,
  body: unknown,
  options: { note?: unknown; now?: Date } = {},
) {
  const now = options.now ?? new Date();
  requireTenantRole(principal, tenantId, ["admin"]);
  // Every evidence bundle carries the policy, and compiling it runs on the event loop: bound it.
  if (JSON.stringify(body ?? null).length > MAX_POLICY_BYTES)
    throw invalid([{ path: "(body)", message: `must be at most ${MAX_POLICY_BYTES} bytes of JSON` }]);
  const parsed = parsePolicy(body);
  if (!parsed.ok) throw invalid(parsed.errors, "policy document is invalid");
  const costly = policyMatchProblem(parsed.value);
  if (costly) throw invalid([costly], "policy document is over the matching budget");
  const note = options.note === undefined ? null : changeText(options.note, "note");
  const hash = hashJson(nodeCrypto, parsed.value);
  return db.$transaction(async (tx: Tx) => {
    await requireActiveTenant(tx, principal);
    const [tenant] = await tx.$queryRaw<
      { id: string; activePolicyVersion: number | null; policyFourEyes: boolean }[]
    >`SELECT id, "activePolicyVersion", "policyFourEyes" FROM "Tenant" WHERE id = ${tenantId} FOR NO KEY UPDATE`;
    if (!tenant) throw notFound(`tenant ${tenantId}`);
    const last = await tx.policyVersion.findFirst({
      where: { tenantId },
      orderBy: { version: "desc" },
      select: { version: true },
    });
    const version = (last?.version ?? 0) + 1;
    const active = tenant.activePolicyVersion;
    const before =
      active === null
        ? null
        : (
            await loadPolicy(tenantId, active, () =>
              tx.policyVersion.findUnique({
                where: { tenantId_version: { tenantId, version: active } },
                select: { document: true, hash: true },
              }),
            )
          ).document;
    const warnings = policyChangeWarnings(before, parsed.value);
    const review = tenant.policyFourEyes;
    await tx.policyVersion.create({
      data: {
        tenantId,
        version,
        document: parsed.value as unknown as Prisma.InputJsonValue,
        hash,
        createdBy: principalLabel(principal),
        author: accountableLabel(principal),
        note,
        review: review ? "PENDING" : null,
      },
    });
    if (!review) await tx.tenant.update({ where: { id: tenantId }, data: { activePolicyVersion: version } });
    await appendEvents(tx, tenantId, [
      chainEvent(review ? "policy.proposed" : "policy.activated", `${tenantId}:v${version}`, iso(now), {
        version,
        hash,
        rules: parsed.value.rules.length,
        by: principalLabel(principal),
        ...(note !== null ? { note } : {}),
        ...(warnings.length ? { warnings: warnings.map((w) => w.message) } : {}),
      }),
    ]);
    return {
      tenantId,
      version,
      hash,
      active: !review,
      review: review ? ("PENDING" as const) : null,
      warnings,
    };
  }, TX_OPTIONS);
}

/**
 * Makes a stored version the active one (a rollback, or the second admin's approval of a proposed
 * version). Under four eyes nobody activates a version they wrote, through any key of theirs.
 */
export async function activatePolicyVersion(
  db: Db,
  principal: Principal,
  tenantId: string,
  version: number,
  now = new Date(),
) {
  requireTenantRole(principal, tenantId, ["admin"]);
  return db.$transaction(async (tx: Tx) => {
    await requireActiveTenant(tx, principal);
    const [tenant] = await tx.$queryRaw<
      { policyFourEyes: boolean }[]
    >`SELECT "policyFourEyes" FROM "Tenant" WHERE id = ${tenantId} FOR NO KEY UPDATE`;
    if (!tenant) throw notFound(`tenant ${tenantId}`);
    // Locked, so an approval and a rejection of one proposal cannot both succeed.
    const [row] = await tx.$queryRaw<
      { document: unknown; hash: string; review: string | null; author: string | null; createdBy: string }[]
    >`SELECT document, hash, review, author, "createdBy" FROM "PolicyVersion"
       WHERE "tenantId" = ${tenantId} AND version = ${version} FOR UPDATE`;
    if (!row) throw notFound(`policy version ${version} of tenant ${tenantId}`);
    if (row.review === "REJECTED")
      throw conflict(`policy version ${version} was rejected; save it again to propose it anew`);
    if (tenant.policyFourEyes && (row.author ?? row.createdBy) === accountableLabel(principal))
      throw forbidden(
        `four eyes: policy version ${version} was written by you; another admin of ${tenantId} must activate it`,
      );
    // A version stored before the matching budget existed stays history (replayable), not live.
    const costly = policyMatchProblem(policySchema.parse(row.document));
    if (costly) throw invalid([costly], `policy version ${version} is over the matching budget`);
    await tx.tenant.update({ where: { id: tenantId }, data: { activePolicyVersion: version } });
    if (row.review === "PENDING")
      await tx.policyVersion.update({
        where: { tenantId_version: { tenantId, version } },
        data: { review: "APPROVED", reviewedBy: principalLabel(principal) },
      });
    await appendEvents(tx, tenantId, [
      chainEvent("policy.activated", `${tenantId}:v${version}`, iso(now), {
        version,
        hash: row.hash,
        by: principalLabel(principal),
        ...(row.review === "PENDING" ? { proposedBy: row.createdBy } : {}),
      }),
    ]);
    return { tenantId, version, hash: row.hash, active: true };
  }, TX_OPTIONS);
}

/** Turns down a version waiting for review (its author may withdraw it too); it can never be activated. */
export async function rejectPolicyVersion(
  db: Db,
  principal: Principal,
  tenantId: string,
  version: number,
  reason: unknown,
  now = new Date(),
) {
  requireTenantRole(principal, tenantId, ["admin"]);
  const why = changeText(reason, "reason");
  return db.$transaction(async (tx: Tx) => {
    await requireActiveTenant(tx, principal);
    // The tenant first, then the version: the order activation takes them in (no deadlock).
    await tx.$queryRaw`SELECT id FROM "Tenant" WHERE id = ${tenantId} FOR NO KEY UPDATE`;
    const [row] = await tx.$queryRaw<
      { review: string | null }[]
    >`SELECT review FROM "PolicyVersion" WHERE "tenantId" = ${tenantId} AND version = ${version} FOR UPDATE`;
    if (!row) throw notFound(`policy version ${version} of tenant ${tenantId}`);
    if (row.review !== "PENDING") throw conflict(`policy version ${version} is not waiting for review`);
    await tx.policyVersion.update({
      where: { tenantId_version: { tenantId, version } },
      data: { review: "REJECTED", reviewedBy: principalLabel(principal) },
    });
    await appendEvents(tx, tenantId, [
      chainEvent("policy.rejected", `${tenantId}:v${version}`, iso(now), {
        version,
        by: principalLabel(principal),
        reason: why,
      }),
    ]);
    return { tenantId, version, review: "REJECTED" as const };
  }, TX_OPTIONS);
}

export async function listPolicies(db: Db, principal: Principal, tenantId: string) {
  requireTenantRole(principal, tenantId, ["operator", "auditor", "admin"]);
  // The tenant's active version and the versions of one moment: a version applied between the two
  // reads would be listed neither active nor awaiting review, and offered for activation.
  const { tenant, versions } = await readInSnapshot(db, async (tx) => {
    const tenant = await tx.tenant.findUnique({
      where: { id: tenantId },
      select: { activePolicyVersion: true, policyFourEyes: true },
    });
    if (!tenant) throw notFound(`tenant ${tenantId}`);
    const versions = await tx.policyVersion.findMany({ where: { tenantId }, orderBy: { version: "desc" } });
    return { tenant, versions };
  });
  // Who wrote each version, as people read it (an email, a key's name), not `user:usr_…`.
  const names = await principalNames(
    db,
    versions.flatMap((v) => (v.reviewedBy ? [v.createdBy, v.reviewedBy] : [v.createdBy])),
  );
  return {
    tenantId,
    activeVersion: tenant.activePolicyVersion,
    fourEyes: tenant.policyFourEyes,
    versions: versions.map((v) => ({
      version: v.version,
      hash: v.hash,
      active: v.version === tenant.activePolicyVersion,
      createdBy: v.createdBy,
      createdByName: names[v.createdBy] ?? v.createdBy,
      createdAt: iso(v.createdAt),
      note: v.note,
      review: v.review as "PENDING" | "APPROVED" | "REJECTED" | null,
      reviewedByName: v.reviewedBy ? (names[v.reviewedBy] ?? v.reviewedBy) : null,
      author: v.author ?? v.createdBy,
      document: v.document,
    })),
  };
}
