// decide on a realistic 50-rule policy: the compiled path (what the gateway runs per request) and
// the reference interpreter (what the verifier re-runs), over 1,024 prepared inputs that exercise
// every precedence step and every verdict.

import {
  compilePolicy,
  type DecisionInput,
  type DecisionOutput,
  decide,
  decideCompiled,
  type KillSwitchState,
  type Policy,
  parseDecisionInput,
  parsePolicy,
  REASON_CODES,
  type TenantState,
} from "../server/core";
import { emit, isMain, measure, printMachineContext } from "./harness";

const operator = (quorum: number) => ({ quorum, roles: ["operator" as const] });
const admin = (quorum: number) => ({ quorum, roles: ["admin" as const] });

/** A SOC's containment policy: 12 deny, 14 require_approval and 24 allow rules. */
export const BENCH_POLICY_DOCUMENT: unknown = {
  rules: [
    // --- hard stops
    {
      id: "deny-irreversible-prod",
      match: { actionClasses: ["A3_irreversible"], parameters: { env: "prod" } },
      effect: "deny",
    },
    { id: "deny-delete-db", match: { actions: ["*.delete"], targets: ["db-??"] }, effect: "deny" },
    {
      id: "deny-user-delete-by-automation",
      match: { actions: ["user.delete"], actorTypes: ["agent", "script"] },
      effect: "deny",
    },
    { id: "deny-bucket-delete", match: { actions: ["cloud.bucket.delete"] }, effect: "deny" },
    {
      id: "deny-firewall-any",
      match: { actions: ["firewall.*"], parameters: { cidr: { in: ["0.0.0.0/0", "::/0"] } } },
      effect: "deny",
    },
    {
      id: "deny-playbook-terminate-prod",
      match: { actions: ["cloud.instance.terminate"], actorTypes: ["playbook"], targets: ["prod-*"] },
      effect: "deny",
    },
    {
      id: "deny-disable-admins",
      match: { actions: ["user.disable", "user.delete"], targets: ["admin-*", "root"] },
      effect: "deny",
    },
    {
      id: "deny-dns-corp-zone",
      match: { actions: ["dns.*"], targets: ["*.acme.example"], parameters: { zone: "corp" } },
      effect: "deny",
    },
    {
      id: "deny-kube-system",
      match: { actions: ["k8s.*"], parameters: { namespace: "kube-system" } },
      effect: "deny",
    },
    {
      id: "deny-email-purge-all",
      match: { actions: ["email.purge"], parameters: { scope: "all" } },
      effect: "deny",
    },
    {
      id: "deny-script-hard",
      match: { actionClasses: ["A2_hard", "A3_irreversible"], actorTypes: ["script"] },
      effect: "deny",
    },
    {
      id: "deny-wipe-without-ticket",
      match: { actions: ["host.wipe", "disk.wipe"], parameters: { ticket: null } },
      effect: "deny",
    },
    // --- human in the loop
    {
      id: "approve-hard-containment",
      description: "hard containment needs two operators",
      match: { actionClasses: ["A2_hard"], parameters: { region: { in: ["eu", "us"] } } },
      effect: "require_approval",
      approval: operator(2),
    },
    {
      id: "approve-irreversible",
      match: { actionClasses: ["A3_irreversible"] },
      effect: "require_approval",
      approval: admin(2),
    },
    {
      id: "approve-user-disable",
      match: { actions: ["user.disable"] },
      effect: "require_approval",
      approval: operator(1),
    },
    {
      id: "approve-db-change",
      match: { targets: ["db-??"], actionClasses: ["A1_soft", "A2_hard"] },
      effect: "require_approval",
      approval: { quorum: 2, roles: ["admin", "operator"] },
    },
    {
      id: "approve-isolate-db",
      match: { actions: ["host.isolate", "host.quarantine"], targets: ["db-*"] },
      effect: "require_approval",
      approval: operator(1),
    },
    {
      id: "approve-wide-block",
      match: { actions: ["firewall.block_*"], parameters: { scope: { in: ["subnet", "region"] } } },
      effect: "require_approval",
      approval: operator(2),
    },
    {
      id: "approve-prod-reboot",
      match: { actions: ["host.reboot"], targets: ["prod-*", "web-*"], parameters: { env: "prod" } },
      effect: "require_approval",
      approval: operator(1),
    },
    {
      id: "approve-scale-to-zero",
      match: { actions: ["k8s.deployment.scale"], parameters: { replicas: 0 } },
      effect: "require_approval",
      approval: operator(1),
    },
    {
      id: "approve-cloud-instance-hard",
      match: { actions: ["cloud.instance.*"], actionClasses: ["A2_hard"] },
      effect: "require_approval",
      approval: operator(2),
    },
    {
      id: "approve-human-irreversible",
      match: { actorTypes: ["human"], actionClasses: ["A3_irreversible"] },
      effect: "require_approval",
      approval: admin(3),
    },
    {
      id: "approve-bulk-password-reset",
      match: { actions: ["user.reset_password"], parameters: { bulk: true } },
      effect: "require_approval",
      approval: admin(2),
    },
    {
      id: "approve-email-purge",
      match: { actions: ["email.purge"] },
      effect: "require_approval",
      approval: operator(1),
    },
    {
      id: "approve-sinkhole-corp",
      match: { actions: ["dns.sinkhole"], targets: ["*.acme.example"] },
      effect: "require_approval",
      approval: operator(1),
    },
    {
      id: "approve-share-delete",
      match: { actions: ["*.delete"], targets: ["share-*"] },
      effect: "require_approval",
      approval: operator(2),
    },
    // --- routine automation
    { id: "allow-observe", match: { actionClasses: ["A0_observe"] }, effect: "allow" },
    {
      id: "allow-soft-web",
      description: "agents may softly isolate web hosts",
      match: { actions: ["host.*"], actionClasses: ["A1_soft"], targets: ["web-*"], actorTypes: ["agent"] },
      effect: "allow",
    },
    { id: "allow-scan", match: { actions: ["host.scan", "file.scan"] }, effect: "allow" },
    { id: "allow-ticketing", match: { actions: ["ticket.*"] }, effect: "allow" },
    {
      id: "allow-block-ip",
      match: { actions: ["firewall.block_ip"], parameters: { ttlMinutes: { in: [15, 30, 60] } } },
      effect: "allow",
    },
    {
      id: "allow-unblock-ip",
      match: { actions: ["firewall.unblock_ip"], actorTypes: ["human", "playbook"] },
      effect: "allow",
    },
    {
      id: "allow-file-quarantine",
      match: { actions: ["file.quarantine"], actionClasses: ["A1_soft"] },
      effect: "allow",
    },
    { id: "allow-db-snapshot", match: { actions: ["db.snapshot"], targets: ["db-??"] }, effect: "allow" },
    {
      id: "allow-user-lock",
      match: { actions: ["user.lock", "user.unlock"], actionClasses: ["A1_soft"] },
      effect: "allow",
    },
    {
      id: "allow-pod-restart",
      match: {
        actions: ["k8s.pod.delete", "k8s.pod.restart"],
        parameters: { namespace: { in: ["web", "api", "batch"] } },
      },
      effect: "allow",
    },
    {
      id: "allow-sinkhole-confident",
      match: {
        actions: ["dns.sinkhole"],
        actorTypes: ["agent", "playbook"],
        parameters: { confidence: { in: ["high", "critical"] } },
      },
      effect: "allow",
    },
    { id: "allow-email-quarantine", match: { actions: ["email.quarantine"] }, effect: "allow" },
    { id: "allow-cloud-tag", match: { actions: ["cloud.*.tag"] }, effect: "allow" },
    {
      id: "allow-playbook-soft",
      match: { actorTypes: ["playbook"], actionClasses: ["A0_observe", "A1_soft"] },
      effect: "allow",
    },
    {
      id: "allow-single-password-reset",
      match: { actions: ["user.reset_password"], parameters: { bulk: false } },
      effect: "allow",
    },
    {
      id: "allow-reboot-nonprod",
      match: { actions: ["host.reboot"], targets: ["stg-*", "dev-??"] },
      effect: "allow",
    },
    {
      id: "allow-human-hard-web",
      match: { actorTypes: ["human"], targets: ["web-*"], actionClasses: ["A2_hard"] },
      effect: "allow",
    },
    { id: "allow-notify", match: { actions: ["notify.*", "*.notify"] }, effect: "allow" },
    {
      id: "allow-enrich",
      match: { actions: ["intel.lookup", "intel.enrich"], actionClasses: ["A0_observe"] },
      effect: "allow",
    },
    {
      id: "allow-kill-process",
      match: { actions: ["host.kill_process"], parameters: { signal: { in: ["TERM", "KILL"] } } },
      effect: "allow",
    },
    {
      id: "allow-revoke-sessions",
      match: { actions: ["user.revoke_sessions"], actorTypes: ["agent", "human"] },
      effect: "allow",
    },
    { id: "allow-cdn-purge", match: { actions: ["cdn.purge"], targets: ["cdn-*"] }, effect: "allow" },
    {
      id: "allow-replica-restart",
      match: { actions: ["db.restart"], targets: ["db-r?", "db-replica-*"] },
      effect: "allow",
    },
    {
      id: "allow-verified-restore",
      match: { actions: ["file.restore"], actorTypes: ["agent"], parameters: { verified: true } },
      effect: "allow",
    },
  ],
};

/** mulberry32: a tiny seeded PRNG, so the input set is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACTIONS: [string, DecisionInput["intent"]["actionClass"][]][] = [
  ["host.isolate", ["A1_soft", "A2_hard"]],
  ["host.quarantine", ["A2_hard"]],
  ["host.reboot", ["A1_soft", "A2_hard"]],
  ["host.scan", ["A0_observe"]],
  ["host.wipe", ["A3_irreversible"]],
  ["host.kill_process", ["A1_soft"]],
  ["user.disable", ["A1_soft", "A2_hard"]],
  ["user.delete", ["A3_irreversible"]],
  ["user.lock", ["A1_soft"]],
  ["user.reset_password", ["A1_soft"]],
  ["user.revoke_sessions", ["A1_soft"]],
  ["file.quarantine", ["A1_soft"]],
  ["file.delete", ["A2_hard", "A3_irreversible"]],
  ["file.restore", ["A1_soft"]],
  ["firewall.block_ip", ["A1_soft", "A2_hard"]],
  ["firewall.unblock_ip", ["A1_soft"]],
  ["db.snapshot", ["A0_observe", "A1_soft"]],
  ["db.restart", ["A2_hard"]],
  ["db.delete", ["A3_irreversible"]],
  ["dns.sinkhole", ["A1_soft", "A2_hard"]],
  ["email.purge", ["A2_hard"]],
  ["email.quarantine", ["A1_soft"]],
  ["k8s.pod.delete", ["A1_soft"]],
  ["k8s.deployment.scale", ["A2_hard"]],
  ["cloud.instance.stop", ["A2_hard"]],
  ["cloud.instance.terminate", ["A3_irreversible"]],
  ["cloud.instance.tag", ["A0_observe"]],
  ["cloud.bucket.delete", ["A3_irreversible"]],
  ["ticket.create", ["A0_observe"]],
  ["intel.enrich", ["A0_observe"]],
  ["cdn.purge", ["A1_soft"]],
  ["siem.notify", ["A0_observe"]],
  ["backup.verify", ["A0_observe", "A1_soft"]],
];

const TARGETS = [
  "web-1",
  "web-17",
  "web-frontend-eu-3",
  "db-01",
  "db-42",
  "db-1",
  "db-r1",
  "db-replica-eu",
  "prod-billing-7",
  "stg-api-2",
  "dev-07",
  "admin-ops",
  "root",
  "alice@acme.example",
  "mail.acme.example",
  "evil-c2.example.net",
  "share-finance",
  "cdn-edge-12",
  "10.1.2.3",
  "INC-4711",
];

const ACTOR_TYPES = ["agent", "agent", "agent", "playbook", "script", "human"];

const PARAMETER_VALUES: Record<string, unknown[]> = {
  env: ["prod", "prod", "staging"],
  region: ["eu", "us", "apac"],
  namespace: ["web", "api", "kube-system", "monitoring"],
  replicas: [0, 3],
  bulk: [true, false],
  ttlMinutes: [15, 30, 45],
  scope: ["host", "subnet", "all"],
  confidence: ["high", "critical", "low"],
  signal: ["TERM", "HUP"],
  verified: [true, false],
  zone: ["corp", "public"],
  cidr: ["0.0.0.0/0", "10.1.2.0/24"],
  ticket: [null, "INC-4711"],
  reason: ["beaconing", "ransomware note found", "impossible travel"],
};
const PARAMETER_KEYS = Object.keys(PARAMETER_VALUES);

const TENANT: TenantState = { id: "acme", status: "active" };
const SUSPENDED: TenantState = { id: "acme", status: "suspended" };
const OTHER_TENANT: TenantState = { id: "globex", status: "active" };

const ks = (
  id: string,
  scope: KillSwitchState["scope"],
  engaged: boolean,
  action?: string,
  tenantId = "acme",
): KillSwitchState => ({
  id,
  scope,
  ...(scope === "global" ? {} : { tenantId }),
  ...(action === undefined ? {} : { action }),
  engaged,
  reason: `bench switch ${id}`,
});

/**
 * Kill-switch sets: most requests see none, or only switches that do not apply (disengaged, another
 * tenant, an action glob that does not match); a few hit an engaged global, tenant or action switch.
 */
const SWITCH_SETS: { weight: number; switches: KillSwitchState[] }[] = [
  { weight: 70, switches: [] },
  {
    weight: 14,
    switches: [
      ks("ks-global-drill", "global", false),
      ks("ks-acme-freeze", "tenant", false),
      ks("ks-acme-user", "action", false, "user.*"),
      ks("ks-globex-all", "tenant", true, undefined, "globex"),
      ks("ks-acme-noop", "action", true, "noop.*"),
    ],
  },
  { weight: 3, switches: [ks("ks-global-incident", "global", true)] },
  {
    weight: 3,
    switches: [ks("ks-acme-freeze", "tenant", true), ks("ks-acme-host", "action", true, "host.*")],
  },
  { weight: 5, switches: [ks("ks-acme-host", "action", true, "host.*"), ks("ks-b", "action", true, "db.*")] },
  { weight: 5, switches: [ks("ks-acme-deletes", "action", true, "*.delete")] },
];

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

export function buildInputs(policy: Policy, count: number, seed = 0xe40a): DecisionInput[] {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const totalWeight = SWITCH_SETS.reduce((sum, set) => sum + set.weight, 0);
  const pickSwitches = () => {
    let r = random() * totalWeight;
    for (const set of SWITCH_SETS) {
      r -= set.weight;
      if (r < 0) return set.switches;
    }
    return [];
  };
  const inputs: DecisionInput[] = [];
  for (let i = 0; i < count; i++) {
    const [action, classes] = pick(ACTIONS);
    const parameters: Record<string, unknown> = {};
    const keyCount = Math.floor(random() * 5);
    for (let k = 0; k < keyCount; k++) {
      const key = pick(PARAMETER_KEYS);
      parameters[key] = pick(PARAMETER_VALUES[key]!);
    }
    const minute = Math.floor(random() * 60);
    const second = Math.floor(random() * 60);
    const ttlSeconds = pick([60, 300, 600, 3600]);
    const expired = random() < 0.05;
    const delaySeconds = expired ? ttlSeconds + 1 + Math.floor(random() * 30) : Math.floor(random() * 50);
    const evaluated = 9 * 3600 + minute * 60 + second + delaySeconds;
    const r = random();
    const tenant = r < 0.02 ? null : r < 0.03 ? OTHER_TENANT : r < 0.05 ? SUSPENDED : TENANT;
    inputs.push({
      intent: {
        tenantId: "acme",
        actor: { type: pick(ACTOR_TYPES), id: `actor-${i % 37}` },
        action,
        actionClass: pick(classes),
        target: pick(TARGETS),
        parameters,
        idempotencyKey: `bench:${i}`,
        requestedAt: `2026-11-26T09:${pad(minute)}:${pad(second)}Z`,
        ttlSeconds,
        ...(i % 3 === 0 ? { correlationId: `incident-${4700 + (i % 50)}` } : {}),
      },
      policy,
      killSwitches: pickSwitches(),
      tenant,
      evaluatedAt:
        `2026-11-26T${pad(Math.floor(evaluated / 3600) % 24)}:${pad(Math.floor(evaluated / 60) % 60)}` +
        `:${pad(evaluated % 60)}.${pad(Math.floor(random() * 1000), 3)}Z`,
    });
  }
  return inputs;
}

export interface DecideFigures {
  compiled: number;
  reference: number;
  compiledP99Us: number;
}

export async function run(): Promise<DecideFigures> {
  printMachineContext();
  console.log("\n== decide: 50-rule policy ==");

  const parsed = parsePolicy(BENCH_POLICY_DOCUMENT);
  if (!parsed.ok) throw new Error(`bench policy is invalid: ${JSON.stringify(parsed.errors, null, 2)}`);
  const policy = parsed.value;
  if (policy.rules.length !== 50) throw new Error(`bench policy has ${policy.rules.length} rules, not 50`);
  const effects: Record<string, number> = {};
  for (const rule of policy.rules) effects[rule.effect] = (effects[rule.effect] ?? 0) + 1;
  console.log(`policy: ${policy.rules.length} rules ${JSON.stringify(effects)}`);
  const compiled = compilePolicy(policy);

  const COUNT = 1024; // a power of two: round-robin with a mask
  const inputs = buildInputs(policy, COUNT);
  for (const [i, input] of inputs.entries()) {
    const check = parseDecisionInput(input);
    if (!check.ok) throw new Error(`bench input ${i} is invalid: ${JSON.stringify(check.errors)}`);
  }

  // Sanity: both paths agree on every input, and the set covers every verdict and precedence step.
  const byVerdict: Record<string, number> = {};
  const byReason: Record<string, number> = Object.fromEntries(REASON_CODES.map((code) => [code, 0]));
  let matchedTotal = 0;
  for (const [i, input] of inputs.entries()) {
    const fast: DecisionOutput = decideCompiled(compiled, input);
    const slow = decide(input);
    if (JSON.stringify(fast) !== JSON.stringify(slow)) {
      throw new Error(
        `decideCompiled and decide disagree on input ${i}:\n${JSON.stringify(fast)}\n${JSON.stringify(slow)}`,
      );
    }
    byVerdict[fast.verdict] = (byVerdict[fast.verdict] ?? 0) + 1;
    byReason[fast.reason] = byReason[fast.reason]! + 1;
    matchedTotal += fast.matchedRules.length;
  }
  const missing = REASON_CODES.filter((code) => byReason[code] === 0);
  if (missing.length > 0) throw new Error(`the input set never reaches: ${missing.join(", ")}`);
  const share = (n: number) => `${n} (${((n / COUNT) * 100).toFixed(1)}%)`;
  console.log(
    `inputs: ${COUNT}, compiled and reference agree on all; ` +
      `mean matched rules per input ${(matchedTotal / COUNT).toFixed(2)}`,
  );
  console.log("verdicts:");
  for (const verdict of ["ALLOW", "REQUIRE_APPROVAL", "DENY"]) {
    console.log(`  ${verdict.padEnd(18)} ${share(byVerdict[verdict] ?? 0)}`);
  }
  console.log("reasons (precedence order):");
  for (const code of REASON_CODES) console.log(`  ${code.padEnd(24)} ${share(byReason[code]!)}`);

  const mask = COUNT - 1;
  const fast = measure("decideCompiled", (i) => decideCompiled(compiled, inputs[i & mask]!));
  const slow = measure("decide (reference)", (i) => decide(inputs[i & mask]!));

  emit("decide_compiled_50_rules", fast.opsPerSec, "decisions/s");
  emit("decide_reference_50_rules", slow.opsPerSec, "decisions/s");
  emit("decide_compiled_p50", fast.p50Us!, "us");
  emit("decide_compiled_p99", fast.p99Us!, "us");
  return { compiled: fast.opsPerSec, reference: slow.opsPerSec, compiledP99Us: fast.p99Us! };
}

if (isMain(import.meta.url)) await run();
