// `exoarmur replay --from-stream`: rebuild each tenant's chain from JetStream alone, verify it, and
// cross-check it with the database, event by event. The stream is an independent copy: a row
// altered in the database after it was published shows up as a difference here.

import { type ChainEvent, canonicalJson, verifyChainSegment } from "../core";
import { nodeCrypto } from "../crypto/node";
import type { Db } from "../db/client";
import { toChainEvent } from "../services/chain/append";
import { publishedThrough } from "../services/chain/outbox";
import { type JetStream, STREAM } from "./jetstream";

interface TenantReplay {
  tenantId: string;
  streamEvents: number;
  databaseEvents: number;
  chain: { ok: true } | { ok: false; firstBrokenSeq: number; problem: string };
  /** Published in the database's view but absent from the stream. */
  missing: number[];
  /** In the stream but not in the database. */
  extra: number[];
  /** Present in both but not the same event. */
  differing: { seq: number; problem: string }[];
  /** Committed, not yet published (the relay is behind): not a discrepancy. */
  unpublished: number;
}

async function readStream(jetstream: JetStream, tenantId?: string): Promise<Map<string, ChainEvent[]>> {
  const info = await jetstream.jsm.streams.info(STREAM);
  const byTenant = new Map<string, ChainEvent[]>();
  if (info.state.messages === 0) return byTenant;
  // Read everything and filter here: consumer subject filters beyond one are a 2.10 feature.
  const consumer = await jetstream.js.consumers.get(STREAM);
  let lastSeq = 0;
  while (lastSeq < info.state.last_seq) {
    const batch = await consumer.fetch({ max_messages: 1000, expires: 1000 });
    let got = 0;
    for await (const message of batch) {
      got++;
      lastSeq = message.seq;
      const event = message.json<ChainEvent>();
      if (tenantId && event.tenantId !== tenantId) continue;
      byTenant.set(event.tenantId, [...(byTenant.get(event.tenantId) ?? []), event]);
    }
    if (got === 0) break;
  }
  return byTenant;
}

export async function replayFromStream(
  db: Db,
  jetstream: JetStream,
  tenantId?: string,
): Promise<TenantReplay[]> {
  const stream = await readStream(jetstream, tenantId);
  const tenants = tenantId
    ? [tenantId]
    : [
        ...new Set([
          ...stream.keys(),
          ...(await db.chainHead.findMany({ select: { tenantId: true } })).map((h) => h.tenantId),
        ]),
      ].sort();
  const reports: TenantReplay[] = [];
  for (const id of tenants) {
    const fromStream = stream.get(id) ?? [];
    const [rows, published] = await Promise.all([
      db.event.findMany({ where: { tenantId: id }, orderBy: { seq: "asc" } }),
      publishedThrough(db, id),
    ]);
    const fromDb = new Map(
      rows.map((r) => [r.seq, { event: toChainEvent(r), published: r.seq <= published }]),
    );
    const chain = verifyChainSegment(nodeCrypto, fromStream);
    const report: TenantReplay = {
      tenantId: id,
      streamEvents: fromStream.length,
      databaseEvents: rows.length,
      chain: chain.ok
        ? { ok: true }
        : { ok: false, firstBrokenSeq: chain.firstBroken.seq, problem: chain.firstBroken.problem },
      missing: [],
      extra: [],
      differing: [],
      unpublished: rows.filter((r) => r.seq > published).length,
    };
    const seen = new Set<number>();
    for (const event of fromStream) {
      seen.add(event.seq);
      const stored = fromDb.get(event.seq);
      if (!stored) {
        report.extra.push(event.seq);
        continue;
      }
      if (canonicalJson(stored.event) !== canonicalJson(event)) {
        const fields = (Object.keys(event) as (keyof ChainEvent)[]).filter(
          (k) => canonicalJson(stored.event[k]) !== canonicalJson(event[k]),
        );
        report.differing.push({
          seq: event.seq,
          problem: `the database row differs from the stream in ${fields.join(", ") || "its fields"}`,
        });
      }
    }
    for (const [seq, stored] of fromDb) if (stored.published && !seen.has(seq)) report.missing.push(seq);
    reports.push(report);
  }
  return reports;
}

export const consistent = (r: TenantReplay) =>
  r.chain.ok && r.missing.length === 0 && r.extra.length === 0 && r.differing.length === 0;
