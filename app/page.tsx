import type { Metadata } from "next";
import Link from "next/link";
import { Boundaries } from "@/components/Boundaries";
import { Code } from "@/components/Code";
import { CodeBlock } from "@/components/CodeBlock";
import { FlowSteps } from "@/components/FlowSteps";
import { Guarantees } from "@/components/Guarantees";
import { Precedence } from "@/components/Precedence";
import { Section } from "@/components/Section";
import { ShieldMark } from "@/components/ShieldMark";
import { MAIN_FOCUS, SkipLink } from "@/components/ui/skip-link";
import { VerdictBadge } from "@/components/VerdictBadge";

export const metadata: Metadata = { title: "ExoArmur — execution safety gateway" };

const exampleIntent = `POST /api/v1/intents
Authorization: Bearer <api key of tenant acme>
Idempotency-Key: 7f3c0e2a-isolate-web-7

{
  "actor": { "type": "agent", "id": "soar-1" },
  "action": "host.isolate",
  "actionClass": "A1_soft",
  "target": "web-7",
  "parameters": { "reason": "beaconing" },
  "requestedAt": "2026-11-26T09:00:00Z",
  "ttlSeconds": 600
}`;

const verifyCommand = `$ npx exoarmur verify docs/examples/evidence-allow.json --public-key docs/examples/example-public-key.txt`;

const nav = [
  { href: "#how-it-works", label: "How it works" },
  { href: "#precedence", label: "Precedence" },
  { href: "#guarantees", label: "Guarantees" },
  { href: "#verify", label: "Verify offline" },
];

const exitCodes = [
  {
    code: "0",
    meaning: "verdict reproduced, every hash, chain link and the signature (by a key you trust) check out",
  },
  { code: "1", meaning: "mismatch, printed as a readable diff (path, expected, actual)" },
  { code: "2", meaning: "the input could not be read as an evidence bundle" },
  { code: "3", meaning: "intact, but signed by a key you do not trust (pin the server's key)" },
];

const verifyChecks = [
  "re-runs decide(input) and compares the output field by field",
  "recomputes the input and output hashes and every chain link",
  "replays the approval rules over the recorded votes",
  "checks the Ed25519 signature over the canonical (RFC 8785) bundle",
];

export default function LandingPage() {
  return (
    <>
      <SkipLink />

      <header className="sticky top-0 z-40 border-b border-line/80 bg-surface/80 backdrop-blur">
        <div className="mx-auto flex h-16 max-w-7xl items-center justify-between px-6 lg:px-8">
          <a href="#top" className="flex items-center gap-2.5 font-semibold text-white">
            <ShieldMark className="h-7 w-7" />
            <span className="text-lg tracking-tight">ExoArmur</span>
          </a>
          <div className="flex items-center gap-7">
            <nav aria-label="On this page" className="hidden md:block">
              <ul className="flex items-center gap-7 text-sm text-slate-300">
                {nav.map((item) => (
                  <li key={item.href}>
                    <a href={item.href} className="transition-colors hover:text-emerald-300">
                      {item.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            <Link
              href="/dashboard"
              className="rounded-md bg-emerald-500 px-3 py-1.5 text-sm font-medium text-slate-950 hover:bg-emerald-400"
            >
              Open dashboard
            </Link>
          </div>
        </div>
      </header>

      <main id="main" tabIndex={-1} className={`mx-auto max-w-7xl px-6 lg:px-8 ${MAIN_FOCUS}`}>
        <div
          id="top"
          className="grid grid-cols-1 items-center gap-12 py-16 sm:py-24 lg:grid-cols-[1.05fr_1fr] lg:gap-16"
        >
          <div>
            <p className="inline-flex items-center gap-2 rounded-full border border-emerald-400/30 bg-emerald-400/10 px-3 py-1 font-mono text-xs text-emerald-300">
              v0.1 · deterministic · offline-verifiable
            </p>
            <h1 className="mt-6 text-4xl font-semibold tracking-tight text-white sm:text-5xl xl:text-6xl">
              ExoArmur
            </h1>
            <p className="mt-4 text-xl font-medium text-emerald-300 sm:text-2xl">
              An execution safety gateway for automation.
            </p>
            <p className="mt-6 max-w-2xl text-base leading-7 text-slate-300 sm:text-lg sm:leading-8">
              Scripts, SOAR playbooks and AI agents submit <em>action intents</em> instead of acting directly.
              ExoArmur decides — deterministically — whether each one may run, records a signed evidence
              bundle anyone can reproduce offline, and runs allowed actions exactly once with bounded retries.
            </p>
            <ul aria-label="Possible verdicts" className="mt-8 flex flex-wrap gap-3">
              <li>
                <VerdictBadge verdict="ALLOW" />
              </li>
              <li>
                <VerdictBadge verdict="DENY" />
              </li>
              <li>
                <VerdictBadge verdict="REQUIRE_APPROVAL" />
              </li>
            </ul>
            <p className="mt-6 max-w-2xl text-sm leading-6 text-slate-400">
              It never decides <em>what</em> to do — only <em>whether</em> an action may happen, and proves
              afterwards why.
            </p>
          </div>

          <div className="space-y-4">
            <CodeBlock label="example · an agent asks to isolate a host" code={exampleIntent} />
            <div className="flex flex-wrap items-center gap-x-3 gap-y-2 rounded-xl border border-line bg-surface-raised/80 px-4 py-3 text-sm">
              <span className="text-slate-400">decision</span>
              <VerdictBadge verdict="ALLOW" />
              <Code>POLICY_ALLOW</Code>
              <span className="text-slate-400">
                by rule <Code>allow-soft</Code>, sealed in a signed evidence bundle
              </span>
            </div>
          </div>
        </div>

        <Section
          id="how-it-works"
          eyebrow="How it works"
          title="From intent to a single, provable effect"
          intro={
            <p>
              Automation only ever acts through the gate. Humans keep the final say: they vote on approvals
              and flip kill switches, and auditors replay history to see why each decision was made.
            </p>
          }
        >
          <FlowSteps />
        </Section>

        <Section id="scope" eyebrow="Scope" title="What ExoArmur is, and what it is not">
          <Boundaries />
        </Section>

        <Section
          id="precedence"
          eyebrow="Decision precedence"
          title="First check that applies wins"
          intro={
            <p>
              <Code>decide(input)</Code> has no clock, no randomness and no I/O: everything that varies — the
              intent, the full policy, the applicable kill switches, the tenant, <Code>evaluatedAt</Code> — is
              part of its input. Within a policy, <strong className="text-white">deny</strong> beats{" "}
              <strong className="text-white">require_approval</strong> beats{" "}
              <strong className="text-white">allow</strong>, and no match means deny.
            </p>
          }
        >
          <Precedence />
        </Section>

        <Section
          id="guarantees"
          eyebrow="Guarantees"
          title="What must be true of the running system"
          intro={<p>Each guarantee must hold for the running system and be shown by a test.</p>}
        >
          <Guarantees />
        </Section>

        <Section
          id="verify"
          eyebrow="Cold-reviewer reproducibility"
          title="Verify a bundle offline"
          intro={
            <p>
              An evidence bundle (<Code>exoarmur.evidence.v1</Code>) carries the decision input exactly as
              evaluated, the output, the approval and execution events with their chain links, and a
              signature. The CLI needs no server, no database and no network.
            </p>
          }
        >
          <div className="grid grid-cols-1 gap-8 lg:grid-cols-2">
            <div className="space-y-6">
              <CodeBlock label="terminal" code={verifyCommand} />
              <div>
                <h3 className="text-base font-semibold text-white">What it checks</h3>
                <ul className="mt-3 space-y-2 text-sm leading-6 text-slate-300">
                  {verifyChecks.map((check) => (
                    <li key={check} className="flex gap-3">
                      <span aria-hidden="true" className="text-emerald-400">
                        ▸
                      </span>
                      <span>{check}</span>
                    </li>
                  ))}
                </ul>
              </div>
            </div>
            <div>
              <h3 className="text-base font-semibold text-white">Exit codes</h3>
              <dl className="mt-3 divide-y divide-line overflow-hidden rounded-xl border border-line bg-surface-raised/60">
                {exitCodes.map((item) => (
                  <div key={item.code} className="flex gap-4 px-5 py-4 text-sm">
                    <dt className="w-6 shrink-0 font-mono font-semibold leading-6 text-emerald-300">
                      {item.code}
                    </dt>
                    <dd className="leading-6 text-slate-300">{item.meaning}</dd>
                  </div>
                ))}
              </dl>
            </div>
          </div>
        </Section>

        <section aria-labelledby="status-heading" className="border-t border-line py-16 sm:py-20">
          <div className="rounded-2xl border border-amber-400/25 bg-amber-400/[0.05] p-6 sm:p-8">
            <h2 id="status-heading" className="text-xl font-semibold text-amber-200">
              What runs today, and what is coming
            </h2>
            <p className="mt-3 max-w-3xl text-sm leading-6 text-slate-300 sm:text-base sm:leading-7">
              This server already decides: the REST API for automation clients (submit intents, read
              decisions, download evidence, vote on approvals, flip kill switches, manage tenants, keys and
              policies) is live — see its{" "}
              <a
                className="text-emerald-300 underline underline-offset-4 hover:text-emerald-200"
                href="/api/v1/openapi.json"
              >
                OpenAPI document
              </a>{" "}
              and{" "}
              <a
                className="text-emerald-300 underline underline-offset-4 hover:text-emerald-200"
                href="/api/health"
              >
                health
              </a>
              . Dispatching allowed actions to executors, event streaming and the browser dashboard (live
              decisions, the approvals queue, kill switches, policy versions and replay) come in later
              releases; until then an allowed intent's execution waits, queued.
            </p>
          </div>
        </section>
      </main>

      <footer className="border-t border-line">
        <div className="mx-auto flex max-w-7xl flex-col gap-2 px-6 py-8 text-sm text-slate-400 sm:flex-row sm:items-center sm:justify-between lg:px-8">
          <p className="flex items-center gap-2">
            <ShieldMark className="h-5 w-5" />
            <span>ExoArmur 0.1.0 — execution safety gateway</span>
          </p>
          <p>Decisions are deterministic. Evidence is signed. Verification is offline.</p>
        </div>
      </footer>
    </>
  );
}
