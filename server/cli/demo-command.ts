// `exoarmur demo`: the golden demo. Against a running server (--url / EXOARMUR_URL with
// EXOARMUR_ADMIN_TOKEN) or, with neither, one it starts itself (embedded PostgreSQL, and JetStream
// when nats-server is installed). Every step is checked, printed, and the run ends PASS or FAIL.

import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import type { CommandIO } from "./verify-command";

// biome-ignore lint/suspicious/noExplicitAny: API responses, checked field by field below
type Json = Record<string, any>;

class DemoFailure extends Error {}

export function registerDemoCommand(program: Command, io: CommandIO, setExit: (code: number) => void): void {
  program
    .command("demo")
    .description(
      "the golden demo: tenant, keys, policy, allowed/approved/denied intents, kill switch, evidence verified offline, stream checked",
    )
    .option("--url <url>", "a running ExoArmur (default: EXOARMUR_URL; with neither, start one)")
    .action(async (options: { url?: string }) => {
      let server: { url: string; token: string; stop(): Promise<void> } | null = null;
      let passed = 0;
      const step = (text: string) => io.out(`✔ ${text}`);
      try {
        const url = options.url ?? process.env.EXOARMUR_URL;
        if (url) {
          const token = process.env.EXOARMUR_ADMIN_TOKEN;
          if (!token) {
            io.err("exoarmur demo: --url needs EXOARMUR_ADMIN_TOKEN (the server's platform admin token)");
            return setExit(2);
          }
          server = { url: url.replace(/\/$/, ""), token, stop: async () => {} };
        } else {
          io.out("starting an embedded ExoArmur (npm start in a temporary data directory) ...");
          server = await startLocalServer();
        }
        passed = await runDemo(server.url, server.token, step);
        io.out(`PASS: golden demo, ${passed} checks`);
        setExit(0);
      } catch (error) {
        io.err(`✘ ${(error as Error).message}`);
        io.err(`FAIL: golden demo (after ${passed} checks)`);
        setExit(1);
      } finally {
        await server?.stop();
      }
    });
}

async function startLocalServer() {
  const dataDir = mkdtempSync(join(tmpdir(), "exoarmur-demo-"));
  const { freePort } = await import("../net/free-port");
  const port = await freePort();
  const startScript = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scripts", "start.sh");
  const child: ChildProcess = spawn("sh", [startScript], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      EXOARMUR_DATA_DIR: dataDir,
      DATABASE_URL: "",
      EXOARMUR_ADMIN_TOKEN: "",
    },
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null)
      throw new DemoFailure(`the server exited (${child.exitCode}) while starting`);
    if ((await fetch(`${url}/api/health`).catch(() => null))?.status === 200) break;
    if (i > 1500) throw new DemoFailure("the server did not become healthy");
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    token: readFileSync(join(dataDir, "admin-token"), "utf8").trim(),
    async stop() {
      child.kill("SIGTERM");
      if (child.exitCode === null) await once(child, "exit");
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function runDemo(base: string, admin: string, step: (text: string) => void): Promise<number> {
  let checks = 0;
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new DemoFailure(what);
    checks++;
  };
  const call = async (
    method: string,
    path: string,
    token: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Json };
  };
  const tenant = `demo-${Date.now().toString(36)}`;
  const { keyIdOf, signedBytes, verifyBundle, verifyOutcome } = await import("../core");
  const { generateSecretKeyHex, nodeCrypto, nodeSigner } = await import("../crypto/node");

  check(
    (await call("POST", "/api/v1/tenants", admin, { id: tenant, name: "Golden demo" })).status === 201,
    "create the tenant",
  );
  const policy = {
    rules: [
      { id: "A1-allow", match: { actionClasses: ["A1_soft"] }, effect: "allow" },
      {
        id: "A2-two-operators",
        match: { actionClasses: ["A2_hard"] },
        effect: "require_approval",
        approval: { quorum: 2, roles: ["operator"] },
      },
      { id: "A3-deny", match: { actionClasses: ["A3_irreversible"] }, effect: "deny" },
    ],
  };
  check(
    (await call("POST", `/api/v1/tenants/${tenant}/policies`, admin, policy)).status === 201,
    "apply the policy",
  );
  // A quorum counts people: each operator is a person, a member of the tenant, and votes through a
  // key that acts for them.
  const operator = async (name: string) => {
    const email = `${name}@${tenant}.demo.exoarmur.local`;
    check(
      (await call("POST", "/api/v1/users", admin, { email, name })).status === 201 &&
        (await call("PUT", `/api/v1/tenants/${tenant}/members`, admin, { email, role: "operator" }))
          .status === 200,
      `add ${name} as an operator of the tenant`,
    );
    return email;
  };
  const key = async (role: string, name: string, forUser?: string) =>
    (
      await call("POST", `/api/v1/tenants/${tenant}/api-keys`, admin, {
        role,
        name,
        ...(forUser ? { forUser } : {}),
      })
    ).json.key as string;
  const client = await key("client", "soar");
  const alice = await key("operator", "alice", await operator("alice"));
  const bob = await key("operator", "bob", await operator("bob"));
  const auditor = await key("auditor", "audit");
  check(Boolean(client && alice && bob && auditor), "create API keys");
  step(
    `tenant ${tenant}: policy (A1 allow, A2 two operators, A3 deny); two operators (people) with their keys, a client and an auditor key`,
  );

  const intent = (actionClass: string, n: number) => ({
    actor: { type: "agent", id: "soar-1" },
    action: "host.isolate",
    actionClass,
    target: `web-${n}`,
    parameters: { reason: "golden demo" },
  });
  const settle = async (executionId: string) => {
    for (let i = 0; i < 300; i++) {
      const e = (await call("GET", `/api/v1/executions/${executionId}`, auditor)).json;
      if (["SUCCEEDED", "FAILED", "BLOCKED"].includes(e.status)) return e;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new DemoFailure(`execution ${executionId} did not finish`);
  };
  const decisions: string[] = [];

  const a1 = await call("POST", "/api/v1/intents", client, intent("A1_soft", 1), {
    "idempotency-key": `${tenant}-a1`,
  });
  check(a1.status === 201 && a1.json.verdict === "ALLOW", "A1 is allowed");
  const a1run = await settle(a1.json.executionId);
  check(a1run.status === "SUCCEEDED" && a1run.attempts === 1, "A1 executed once");
  decisions.push(a1.json.decisionId);
  step(
    `A1 intent: ALLOW by ${a1.json.decidingRule}; executed once (${a1run.status}, ${a1run.attempts} attempt)`,
  );

  const a2 = [];
  for (let i = 0; i < 3; i++)
    a2.push(
      await call("POST", "/api/v1/intents", client, intent("A2_hard", 2), {
        "idempotency-key": `${tenant}-a2`,
      }),
    );
  check(
    a2.map((r) => r.status).join() === "201,200,200" && new Set(a2.map((r) => r.json.decisionId)).size === 1,
    "A2 sent 3 times with one key makes one decision",
  );
  const approvalId = a2[0]!.json.approvalId;
  const vote1 = await call("POST", `/api/v1/approvals/${approvalId}/votes`, alice, { vote: "approve" });
  const vote2 = await call("POST", `/api/v1/approvals/${approvalId}/votes`, bob, {
    vote: "approve",
    reason: "confirmed",
  });
  check(vote1.json.status === "PENDING" && vote2.json.status === "APPROVED", "two operators approve A2");
  const a2run = await settle(vote2.json.executionId);
  check(a2run.status === "SUCCEEDED" && a2run.attempts === 1, "A2 executed once");
  decisions.push(a2[0]!.json.decisionId);
  step(
    `A2 intent sent 3× with one key: one decision (201, 200, 200); approved by 2 operators; executed once`,
  );

  const a3 = await call("POST", "/api/v1/intents", client, intent("A3_irreversible", 3));
  check(a3.status === 400, "an intent without an idempotency key is refused");
  const a3ok = await call("POST", "/api/v1/intents", client, intent("A3_irreversible", 3), {
    "idempotency-key": `${tenant}-a3`,
  });
  check(a3ok.json.verdict === "DENY" && a3ok.json.reason === "POLICY_DENY", "A3 is denied");
  decisions.push(a3ok.json.decisionId);
  step("A3 intent: DENY (POLICY_DENY)");

  const pending = await call("POST", "/api/v1/intents", client, intent("A2_hard", 4), {
    "idempotency-key": `${tenant}-a2-late`,
  });
  check(
    (
      await call("PUT", "/api/v1/kill-switches", alice, {
        scope: "tenant",
        engaged: true,
        reason: "golden demo",
      })
    ).status === 200,
    "engage the tenant kill switch",
  );
  const after = await call("POST", "/api/v1/intents", client, intent("A1_soft", 5), {
    "idempotency-key": `${tenant}-after`,
  });
  check(
    after.json.verdict === "DENY" && after.json.reason === "KILL_SWITCH_TENANT",
    "the next intent is denied by the switch",
  );
  await call("POST", `/api/v1/approvals/${pending.json.approvalId}/votes`, alice, { vote: "approve" });
  const late = await call("POST", `/api/v1/approvals/${pending.json.approvalId}/votes`, bob, {
    vote: "approve",
  });
  check(
    late.json.status === "APPROVED" && late.json.executionStatus === "BLOCKED",
    "an execution approved under the switch is BLOCKED",
  );
  decisions.push(after.json.decisionId, pending.json.decisionId);
  step(
    "tenant kill switch engaged: next intent DENY (KILL_SWITCH_TENANT); an execution approved meanwhile is BLOCKED",
  );

  // The keys a reviewer trusts: everything the server publishes (current and retired), fetched
  // from the server itself — never the key a bundle carries.
  const published = (await call("GET", "/api/v1/signing-key", auditor)).json;
  const signingKey = published.publicKey as string;
  const trustedKeys = (published.keys as { publicKey: string }[]).map((k) => k.publicKey);
  check(trustedKeys.includes(signingKey), "the server publishes its current signing key");
  const verifyAgainstServer = (bundle: Json) =>
    verifyBundle(JSON.parse(JSON.stringify(bundle)), { crypto: nodeCrypto, trustedKeys });
  const bundles: Json[] = [];
  for (const id of decisions) {
    const bundle = (await call("GET", `/api/v1/decisions/${id}/evidence`, auditor)).json;
    check(verifyOutcome(verifyAgainstServer(bundle)) === "verified", `evidence for ${id} verifies offline`);
    bundles.push(bundle);
  }
  step(
    `${bundles.length} evidence bundles exported and verified offline against the server's key ${signingKey.slice(0, 16)}…`,
  );
  const tampered = JSON.parse(JSON.stringify(bundles[2]));
  tampered.output.verdict = "ALLOW";
  const refused = verifyAgainstServer(tampered);
  check(
    verifyOutcome(refused) === "mismatch" && refused.mismatches.some((m) => m.path === "output.verdict"),
    "a tampered bundle fails verification",
  );
  step(`tampered bundle (DENY → ALLOW) refused: ${refused.mismatches.map((m) => m.path).join(", ")}`);
  // Re-signed by someone else: intact, but the signer is not one of the server's keys.
  const { signature: _genuine, ...unsigned } = JSON.parse(JSON.stringify(bundles[2])) as Json;
  const impostor = nodeSigner(generateSecretKeyHex());
  const resigned = {
    ...unsigned,
    signature: {
      alg: "Ed25519",
      keyId: keyIdOf(nodeCrypto, impostor.publicKeyHex),
      publicKey: impostor.publicKeyHex,
      value: impostor.sign(signedBytes(unsigned)),
    },
  };
  const untrusted = verifyAgainstServer(resigned);
  check(
    verifyOutcome(untrusted) === "untrusted" && untrusted.mismatches.length === 0,
    "a bundle re-signed with another key is not trusted",
  );
  step(
    `bundle re-signed with a fresh key: integrity OK, signer ${String(untrusted.summary.keyId).slice(0, 16)}… not trusted`,
  );

  let health = (await call("GET", "/api/health", auditor)).json;
  if (health.stream?.status === "disabled") {
    step("JetStream is disabled on this server (no nats-server): stream check skipped");
  } else {
    for (let i = 0; i < 200 && health.stream?.behind > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      health = (await call("GET", "/api/health", auditor)).json;
    }
    check(
      health.stream?.status === "current" && health.stream.behind === 0,
      "every event reached the stream",
    );
    step("JetStream holds every committed event (the outbox is empty)");
  }
  return checks;
}
