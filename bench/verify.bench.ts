// verifyBundle over the three example bundles (allow, approved, deny), as a verifier reads them from
// files: parsed JSON, no shared references with the objects that built them. Measured with the
// server's node:crypto provider and with the pure-JS noble provider the browser uses, plus the
// primitives a verification is made of, so a reader sees where the time goes. Then the CLI over
// many bundles on two threads (bench/verify-cli.ts; BENCH_VERIFY_MANY=0 skips it).

import { readFileSync } from "node:fs";
import {
  type CanonicalMemo,
  type CryptoProvider,
  canonicalJson,
  decide,
  diffJson,
  type EvidenceBundle,
  eventHash,
  evidenceBundleSchema,
  nobleCrypto,
  signedBytes,
  verifyBundle,
} from "../server/core";
import { nodeCrypto } from "../server/crypto/node";
import { emit, isMain, type Measurement, measure, printMachineContext } from "./harness";
import { type CliFigures, runCli } from "./verify-cli";

export interface VerifyFigures {
  node: number;
  noble: number;
  /** Absent when BENCH_VERIFY_MANY=0. */
  cli?: CliFigures;
}

function loadBundles(): { name: string; bundle: EvidenceBundle; bytes: number }[] {
  return ["allow", "approved", "deny"].map((name) => {
    const text = readFileSync(new URL(`../docs/examples/evidence-${name}.json`, import.meta.url), "utf8");
    return { name, bundle: JSON.parse(text) as EvidenceBundle, bytes: Buffer.byteLength(text) };
  });
}

function assertVerifies(bundles: { name: string; bundle: EvidenceBundle }[], crypto: CryptoProvider): void {
  for (const { name, bundle } of bundles) {
    const report = verifyBundle(bundle, { crypto });
    if (!report.ok) {
      throw new Error(`example bundle "${name}" does not verify: ${JSON.stringify(report.mismatches)}`);
    }
  }
}

export async function run(): Promise<VerifyFigures> {
  printMachineContext();
  console.log("\n== verifyBundle: the three example bundles ==");

  const loaded = loadBundles();
  assertVerifies(loaded, nodeCrypto);
  assertVerifies(loaded, nobleCrypto);
  for (const { name, bundle, bytes } of loaded) {
    const canonical = Buffer.byteLength(canonicalJson(bundle));
    console.log(
      `  ${name.padEnd(9)} ${String(bytes).padStart(6)} bytes as a file (2-space JSON), ` +
        `${canonical} bytes canonical, ${bundle.events.length} chain events`,
    );
  }
  const bundles = loaded.map((entry) => entry.bundle);
  const n = bundles.length;

  const viaNode = measure("verifyBundle (node:crypto)", (i) =>
    verifyBundle(bundles[i % n]!, { crypto: nodeCrypto }),
  );
  const viaNoble = measure(
    "verifyBundle (noble, pure JS)",
    (i) => verifyBundle(bundles[i % n]!, { crypto: nobleCrypto }),
    { minMs: 600 },
  );

  // The parts: one signature check, one SHA-256 of a kilobyte, one canonicalization of a bundle.
  const messages = bundles.map((bundle) => signedBytes(bundle as unknown as Record<string, unknown>));
  const signatures = bundles.map((bundle) => bundle.signature);
  const ed25519 = measure(
    "ed25519 verify (node:crypto)",
    (i) => {
      const k = i % n;
      return nodeCrypto.verifyEd25519(signatures[k]!.publicKey, messages[k]!, signatures[k]!.value);
    },
    { minMs: 500 },
  );
  const edNoble = measure(
    "ed25519 verify (noble)",
    (i) => {
      const k = i % n;
      return nobleCrypto.verifyEd25519(signatures[k]!.publicKey, messages[k]!, signatures[k]!.value);
    },
    { minMs: 400, rounds: 3 },
  );
  const kilobyte = "x".repeat(1024);
  const quick = { minMs: 400, latency: false };
  const sha = measure("sha256 1 KiB (node:crypto)", () => nodeCrypto.sha256Hex(kilobyte), quick);
  const shaNoble = measure("sha256 1 KiB (noble)", () => nobleCrypto.sha256Hex(kilobyte), quick);
  const canonicalize = measure("canonicalJson(bundle)", (i) => canonicalJson(bundles[i % n]), { minMs: 500 });
  const zod = measure(
    "evidenceBundleSchema.safeParse",
    (i) => evidenceBundleSchema.safeParse(bundles[i % n]),
    {
      minMs: 500,
    },
  );

  // The same work verifyBundle does, step by step (server/core/verify.ts), per bundle on average.
  console.log("\nwhere verifyBundle (node:crypto) spends its time, per bundle (mirrors verify.ts steps):");
  const part = { minMs: 300, rounds: 3, latency: false };
  const steps: [string, Measurement][] = [
    [
      "1 zod: the bundle schema (input reused from it)",
      measure("  zod parse", (i) => evidenceBundleSchema.safeParse(bundles[i % n]), part),
    ],
    [
      "2,3,8 JCS + sha256: events, sections, signed bytes (one memo)",
      measure(
        "  hashing",
        (i) => {
          const b = bundles[i % n]!;
          const memo: CanonicalMemo = new WeakMap();
          const events = b.events.map((e) => eventHash(nodeCrypto, e, memo));
          const sections = [b.input.intent, b.input.policy, b.input, b.output].map((v) =>
            nodeCrypto.sha256Hex(canonicalJson(v, memo)),
          );
          return [events, sections, signedBytes(b as unknown as Record<string, unknown>, memo)];
        },
        part,
      ),
    ],
    [
      "5 re-run decide + diff",
      measure(
        "  decide + diffJson",
        (i) => {
          const b = bundles[i % n]!;
          return diffJson(decide(b.input), b.output, ["output"]);
        },
        part,
      ),
    ],
    ["8 Ed25519 verify", ed25519],
  ];
  const totalUs = 1e6 / viaNode.opsPerSec;
  let accountedUs = 0;
  for (const [label, m] of steps) {
    const us = 1e6 / m.opsPerSec;
    accountedUs += us;
    console.log(
      `  ${label.padEnd(48)} ${us.toFixed(1).padStart(7)} µs  ${((us / totalUs) * 100).toFixed(0)}%`,
    );
  }
  const restUs = totalUs - accountedUs;
  console.log(
    `  ${"residual: other checks, approval replay, GC".padEnd(48)} ${restUs.toFixed(1).padStart(7)} µs` +
      `  ${((restUs / totalUs) * 100).toFixed(0)}%  (total minus the parts; noise can make it negative)`,
  );
  console.log(`  ${"verifyBundle total".padEnd(48)} ${totalUs.toFixed(1).padStart(7)} µs`);

  emit("verify_bundle_node", viaNode.opsPerSec, "bundles/s");
  emit("verify_bundle_noble", viaNoble.opsPerSec, "bundles/s");
  emit("verify_bundle_node_p50", viaNode.p50Us!, "us");
  emit("verify_bundle_node_p99", viaNode.p99Us!, "us");
  emit("ed25519_verify_node", ed25519.opsPerSec, "ops/s");
  emit("sha256_1kb_node", sha.opsPerSec, "ops/s");
  emit("canonicalize_bundle", canonicalize.opsPerSec, "ops/s");
  emit("zod_parse_bundle", zod.opsPerSec, "ops/s");
  emit("ed25519_verify_noble", edNoble.opsPerSec, "ops/s");
  emit("sha256_1kb_noble", shaNoble.opsPerSec, "ops/s");
  const cli = process.env.BENCH_VERIFY_MANY === "0" ? undefined : await runCli(ed25519.opsPerSec);
  return { node: viaNode.opsPerSec, noble: viaNoble.opsPerSec, ...(cli ? { cli } : {}) };
}

if (isMain(import.meta.url)) await run();
