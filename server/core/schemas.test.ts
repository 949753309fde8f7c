import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  intentSubmissionSchema,
  killSwitchSchema,
  type Parsed,
  parseDecisionInput,
  parseIntent,
  parseIntentSubmission,
  parsePolicy,
  parseWith,
} from "./schemas";

type Json = Record<string, unknown>;

/** DESIGN.md's example intent, completed with what the server adds (tenant and idempotency key). */
const validIntent = (): Json => ({
  tenantId: "acme",
  actor: { type: "agent", id: "soar-1" },
  action: "host.isolate",
  actionClass: "A1_soft",
  target: "web-7",
  parameters: { reason: "beaconing" },
  idempotencyKey: "k-1",
  requestedAt: "2026-11-26T09:00:00Z",
  ttlSeconds: 600,
});

/** DESIGN.md's example policy. */
const validPolicy = (): Json => ({
  rules: [
    {
      id: "allow-soft",
      description: "agents may softly isolate web hosts",
      match: { actions: ["host.*"], actionClasses: ["A1_soft"], targets: ["web-*"], actorTypes: ["agent"] },
      effect: "allow",
    },
    {
      id: "approve-hard",
      description: "hard containment needs two operators",
      match: { actionClasses: ["A2_hard"], parameters: { region: { in: ["eu", "us"] } } },
      effect: "require_approval",
      approval: { quorum: 2, roles: ["operator"] },
    },
    { id: "deny-irreversible", match: { actionClasses: ["A3_irreversible"] }, effect: "deny" },
  ],
});

const validKillSwitch = (): Json => ({ id: "ks-1", scope: "global", engaged: true, reason: "incident 42" });

/** `n` levels of `{d: …}` around 1: the leaf sits at depth n below the parameters object. */
function nested(n: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < n; i++) value = { d: value };
  return value;
}

function expectFieldError(result: Parsed<unknown>, path: string, fragment: string | RegExp): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  const message =
    typeof fragment === "string" ? expect.stringContaining(fragment) : expect.stringMatching(fragment);
  expect(result.errors).toContainEqual({ path, message });
}

describe("valid documents", () => {
  it("accepts the DESIGN.md intent and returns it unchanged", () => {
    const result = parseIntent(validIntent());
    expect(result).toEqual({ ok: true, value: validIntent() });
  });

  it("accepts the DESIGN.md policy and returns it unchanged", () => {
    const result = parsePolicy(validPolicy());
    expect(result).toEqual({ ok: true, value: validPolicy() });
  });

  it("accepts an intent with a correlationId and parameters nested exactly 32 levels", () => {
    const result = parseIntent({ ...validIntent(), correlationId: "c-1", parameters: nested(32) });
    expect(result.ok).toBe(true);
  });

  it("accepts parameters of exactly 64 KiB in canonical form", () => {
    // {"x":"…"} is 8 bytes of syntax around the string.
    const result = parseIntent({ ...validIntent(), parameters: { x: "a".repeat(65536 - 8) } });
    expect(result.ok).toBe(true);
  });

  it("accepts exactly 1000 rules", () => {
    const rules = Array.from({ length: 1000 }, (_, i) => ({ id: `r${i}`, effect: "deny" }));
    expect(parsePolicy({ rules }).ok).toBe(true);
  });

  it("accepts a rule with no match and no description", () => {
    expect(parsePolicy({ rules: [{ id: "deny-all", effect: "deny" }] }).ok).toBe(true);
  });
});

describe("parseIntent rejections", () => {
  const cases: [string, (intent: Json) => void, string, string | RegExp][] = [
    ["unknown top-level field", (i) => (i.actionclass = "A1_soft"), "actionclass", "is not a known field"],
    [
      "unknown nested field",
      (i) => (i.actor = { type: "agent", id: "soar-1", name: "x" }),
      "actor.name",
      "is not a known field",
    ],
    ["missing actor", (i) => delete i.actor, "actor", "must be an object {type, id}"],
    ["empty target", (i) => (i.target = ""), "target", "must not be empty"],
    ["257-char target", (i) => (i.target = "a".repeat(257)), "target", "at most 256 characters"],
    ["control character in target", (i) => (i.target = "web\n7"), "target", "control characters"],
    ["DEL in target", (i) => (i.target = "web\u007f7"), "target", "control characters"],
    ["actor.type Agent!", (i) => (i.actor = { type: "Agent!", id: "x" }), "actor.type", "lowercase word"],
    ["empty actor.id", (i) => (i.actor = { type: "agent", id: "" }), "actor.id", "must not be empty"],
    ["action host..isolate", (i) => (i.action = "host..isolate"), "action", "dotted name"],
    ["action with a trailing dot", (i) => (i.action = "host."), "action", "dotted name"],
    [
      "actionClass A4_nuclear",
      (i) => (i.actionClass = "A4_nuclear"),
      "actionClass",
      "must be one of A0_observe, A1_soft, A2_hard, A3_irreversible",
    ],
    ["parameters an array", (i) => (i.parameters = [1, 2]), "parameters", "must be a JSON object"],
    ["parameters a string", (i) => (i.parameters = "reason=x"), "parameters", "must be a JSON object"],
    [
      "parameters over 64 KiB",
      (i) => (i.parameters = { x: "a".repeat(65536 - 7) }),
      "parameters",
      /65536.*64 KiB/,
    ],
    [
      "parameters over 64 KiB in UTF-8 bytes though under 64 Ki characters",
      (i) => (i.parameters = { x: "é".repeat(32765) }),
      "parameters",
      "is 65538 bytes",
    ],
    [
      "NaN in parameters",
      (i) => (i.parameters = { x: Number.NaN }),
      "parameters.x",
      "NaN is not a JSON number",
    ],
    [
      "Infinity deep in parameters",
      (i) => (i.parameters = { x: { y: [0, Number.POSITIVE_INFINITY] } }),
      "parameters.x.y[1]",
      "Infinity is not a JSON number",
    ],
    [
      "parameters nested 33 levels",
      (i) => (i.parameters = nested(33)),
      `parameters${".d".repeat(33)}`,
      "deeper than 32 levels",
    ],
    [
      "lone surrogate in a parameter value",
      (i) => (i.parameters = { x: "a\ud800b" }),
      "parameters.x",
      "unpaired UTF-16 surrogate",
    ],
    [
      "lone surrogate in a parameter key",
      (i) => (i.parameters = { "\udc00": 1 }),
      'parameters["\\udc00"]',
      "key contains an unpaired UTF-16 surrogate",
    ],
    ["undefined in parameters", (i) => (i.parameters = { x: undefined }), "parameters.x", "not a JSON value"],
    ["a Date in parameters", (i) => (i.parameters = { x: new Date(0) }), "parameters.x", "non-plain object"],
    [
      "requestedAt with +02:00",
      (i) => (i.requestedAt = "2026-11-26T09:00:00+02:00"),
      "requestedAt",
      "must be in UTC",
    ],
    [
      "requestedAt without Z",
      (i) => (i.requestedAt = "2026-11-26T09:00:00"),
      "requestedAt",
      "must be in UTC",
    ],
    [
      "requestedAt 2026-02-30",
      (i) => (i.requestedAt = "2026-02-30T00:00:00Z"),
      "requestedAt",
      "has no day 30 in 2026-02",
    ],
    [
      "requestedAt month 13",
      (i) => (i.requestedAt = "2026-13-01T00:00:00Z"),
      "requestedAt",
      "has no month 13",
    ],
    [
      "requestedAt with a space instead of T",
      (i) => (i.requestedAt = "2026-11-26 09:00:00Z"),
      "requestedAt",
      "ISO-8601 UTC timestamp",
    ],
    ["requestedAt date only", (i) => (i.requestedAt = "2026-11-26"), "requestedAt", "ISO-8601 UTC timestamp"],
    ["requestedAt hour 24", (i) => (i.requestedAt = "2026-11-26T24:00:00Z"), "requestedAt", "time of day"],
    [
      "requestedAt before 1970",
      (i) => (i.requestedAt = "1969-12-31T23:59:59Z"),
      "requestedAt",
      "before 1970",
    ],
    ["ttlSeconds 0", (i) => (i.ttlSeconds = 0), "ttlSeconds", "at least 1"],
    ["ttlSeconds 1.5", (i) => (i.ttlSeconds = 1.5), "ttlSeconds", "whole number"],
    ["ttlSeconds 604801", (i) => (i.ttlSeconds = 604801), "ttlSeconds", "at most 604800"],
    ['ttlSeconds "600"', (i) => (i.ttlSeconds = "600"), "ttlSeconds", "must be a number"],
    ["idempotencyKey with a space", (i) => (i.idempotencyKey = "k 1"), "idempotencyKey", "without spaces"],
    ["tenantId Acme", (i) => (i.tenantId = "Acme"), "tenantId", "must be a slug"],
    ["tenantId with a trailing hyphen", (i) => (i.tenantId = "acme-"), "tenantId", "must be a slug"],
    ["missing idempotencyKey", (i) => delete i.idempotencyKey, "idempotencyKey", "must be a string"],
  ];

  it.each(cases)("%s", (_name, mutate, path, fragment) => {
    const intent = validIntent();
    mutate(intent);
    expectFieldError(parseIntent(intent), path, fragment);
  });

  it("reports every problem, not only the first", () => {
    const result = parseIntent({ ...validIntent(), target: "", ttlSeconds: 0, extra: 1 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path).sort()).toEqual(["extra", "target", "ttlSeconds"]);
  });

  it("names each unknown field separately", () => {
    const result = parseIntent({ ...validIntent(), a: 1, b: 2 });
    expect(result).toEqual({
      ok: false,
      errors: [
        { path: "a", message: "is not a known field" },
        { path: "b", message: "is not a known field" },
      ],
    });
  });
});

describe("what people are shown is what is there (the write side)", () => {
  // Submitted intents refuse what would display as something else; stored ones still parse.
  const cases: [string, (intent: Json) => void, string, string][] = [
    ["bidi override in target", (i) => (i.target = "web-\u202e7-bew"), "target", "U+202E at index 4"],
    ["bidi isolate in target", (i) => (i.target = "web\u20667"), "target", "U+2066"],
    [
      "zero-width space in actor.id",
      (i) => (i.actor = { type: "agent", id: "so\u200bar" }),
      "actor.id",
      "U+200B",
    ],
    ["zero-width joiner in target", (i) => (i.target = "web\u200d7"), "target", "U+200D"],
    ["byte-order mark in target", (i) => (i.target = "\ufeffweb-7"), "target", "U+FEFF at index 0"],
    ["soft hyphen in target", (i) => (i.target = "web\u00ad7"), "target", "U+00AD"],
    ["line separator in target", (i) => (i.target = "web\u20287"), "target", "U+2028"],
    ["C1 control in target", (i) => (i.target = "web\u00857"), "target", "U+0085"],
    ["lone surrogate in target", (i) => (i.target = "web\ud8007"), "target", "U+D800"],
    ["tag character in correlationId", (i) => (i.correlationId = "c\u{e0041}"), "correlationId", "U+E0041"],
    ["combining grapheme joiner in target", (i) => (i.target = "prod-db\u034f.corp"), "target", "U+034F"],
    ["variation selector in target", (i) => (i.target = "web\ufe0f7"), "target", "U+FE0F"],
    ["Hangul filler as actor.id", (i) => (i.actor = { type: "agent", id: "\u3164" }), "actor.id", "U+3164"],
    ["no-break space in target", (i) => (i.target = "web\u00a07"), "target", "U+00A0"],
    ["braille blank in target", (i) => (i.target = "web\u28007"), "target", "U+2800"],
    ["private-use character in target", (i) => (i.target = "web\ue0007"), "target", "U+E000"],
  ];
  it.each(cases)("%s", (_label, mutate, path, fragment) => {
    const intent = validIntent() as Json;
    mutate(intent);
    expectFieldError(parseIntentSubmission(intent), path, fragment);
    // What was accepted under older rules still loads, decides and verifies.
    expect(parseIntent(intent).ok).toBe(true);
  });

  it("keeps ordinary Unicode: accents, CJK, emoji, spaces", () => {
    expect(parseIntentSubmission({ ...validIntent(), target: "Zürich 中文 🔒 web-7" }).ok).toBe(true);
    // Emoji with their presentation selector and joiners are pictures, not hidden characters.
    expect(
      parseIntentSubmission({ ...validIntent(), actor: { type: "agent", id: "🛡️ guard 👩\u200d💻" } }).ok,
    ).toBe(true);
    expectFieldError(
      parseIntentSubmission({ ...validIntent(), target: "prod-db\ufe0f.corp" }),
      "target",
      "U+FE0F at index 7",
    );
  });

  it("free text keeps line breaks, emoji sequences and the joiners some scripts need", () => {
    const description = "On-call 👩\u200d💻 ⚠\ufe0f\nمی\u200cخواهم";
    expect(parsePolicy({ rules: [{ id: "r", description, effect: "deny" }] }).ok).toBe(true);
  });
});

describe("parsePolicy rejections", () => {
  const rule = (extra: Json): Json => ({ id: "r", effect: "deny", ...extra });
  const one = (extra: Json): Json => ({ rules: [rule(extra)] });
  const actionGlob = (glob: string) => one({ match: { actions: [glob] } });
  const approval = (a: Json) => one({ effect: "require_approval", approval: a });
  const condition = (c: unknown) => one({ match: { parameters: { region: c } } });

  const cases: [string, unknown, string, string | RegExp][] = [
    [
      "duplicate rule ids",
      { rules: [rule({ id: "a" }), rule({ id: "b" }), rule({ id: "a", effect: "allow" })] },
      "rules[2].id",
      'duplicates the id of rules[0] ("a")',
    ],
    ["empty glob", actionGlob(""), "rules[0].match.actions[0]", "must not be empty"],
    ["glob with **", actionGlob("host.**"), "rules[0].match.actions[0]", "'**'"],
    ["glob with [ab]", actionGlob("host.[ab]"), "rules[0].match.actions[0]", "reserved"],
    ["glob with {a,b}", actionGlob("{a,b}"), "rules[0].match.actions[0]", "reserved"],
    ["glob with a backslash", actionGlob("a\\b"), "rules[0].match.actions[0]", "reserved"],
    ["257-char glob", actionGlob("a".repeat(257)), "rules[0].match.actions[0]", "longer than 256"],
    [
      "bidi override in a target glob",
      one({ match: { targets: ["web-\u202e*"] } }),
      "rules[0].match.targets[0]",
      "U+202E at index 4",
    ],
    [
      "rule description with a bidi override",
      one({ description: "de\u202eny" }),
      "rules[0].description",
      "U+202E",
    ],
    [
      "parameter condition named with a zero-width space",
      one({ match: { parameters: { "reg\u200bion": "eu" } } }),
      `rules[0].match.parameters["reg\u200bion"]`,
      "U+200B",
    ],
    [
      "bad glob in second target",
      one({ match: { targets: ["web-*", "db-**"] } }),
      "rules[0].match.targets[1]",
      "'**'",
    ],
    ["empty actions list", one({ match: { actions: [] } }), "rules[0].match.actions", "must not be empty"],
    [
      "effect maybe",
      one({ effect: "maybe" }),
      "rules[0].effect",
      "must be one of allow, deny, require_approval",
    ],
    [
      "require_approval without approval",
      one({ effect: "require_approval" }),
      "rules[0].approval",
      "is required when effect is require_approval",
    ],
    [
      "allow with approval",
      one({ effect: "allow", approval: { quorum: 1, roles: ["operator"] } }),
      "rules[0].approval",
      "only allowed when effect is require_approval",
    ],
    ["quorum 0", approval({ quorum: 0, roles: ["operator"] }), "rules[0].approval.quorum", "at least 1"],
    ["quorum 11", approval({ quorum: 11, roles: ["operator"] }), "rules[0].approval.quorum", "at most 10"],
    [
      "quorum 1.5",
      approval({ quorum: 1.5, roles: ["operator"] }),
      "rules[0].approval.quorum",
      "whole number",
    ],
    [
      "roles [auditor]",
      approval({ quorum: 1, roles: ["auditor"] }),
      "rules[0].approval.roles[0]",
      "must be one of admin, operator",
    ],
    ["roles []", approval({ quorum: 1, roles: [] }), "rules[0].approval.roles", "must not be empty"],
    [
      "condition {in: []}",
      condition({ in: [] }),
      "rules[0].match.parameters.region.in",
      "at least one value",
    ],
    ["condition {in: [{}]}", condition({ in: [{}] }), "rules[0].match.parameters.region", "{in: [values]}"],
    ["condition {eq: 1}", condition({ eq: 1 }), "rules[0].match.parameters.region", "{in: [values]}"],
    ["unknown field in a rule", one({ priority: 1 }), "rules[0].priority", "is not a known field"],
    [
      "unknown field in match",
      one({ match: { target: ["x"] } }),
      "rules[0].match.target",
      "is not a known field",
    ],
    ["rule id with a space", one({ id: "my rule" }), "rules[0].id", "letters, digits"],
    [
      "1001 rules",
      { rules: Array.from({ length: 1001 }, (_, i) => rule({ id: `r${i}` })) },
      "rules",
      "at most 1000 rules",
    ],
    ["not an object", [], "", "must be a policy object"],
    ["rules missing", {}, "rules", "must be an array"],
  ];

  it.each(cases)("%s", (_name, policy, path, fragment) => {
    expectFieldError(parsePolicy(policy), path, fragment);
  });
});

describe("killSwitchSchema", () => {
  const parse = (patch: Json) => parseWith(killSwitchSchema, { ...validKillSwitch(), ...patch });

  it.each([
    ["global", {}],
    ["tenant", { scope: "tenant", tenantId: "acme" }],
    ["action", { scope: "action", tenantId: "acme", action: "host.*" }],
  ])("accepts a %s switch", (_name, patch) => {
    expect(parse(patch).ok).toBe(true);
  });

  it.each([
    [
      "global with tenantId",
      { tenantId: "acme" },
      "scope",
      "a global switch takes neither tenantId nor action",
    ],
    ["global with action", { action: "host.*" }, "scope", "a global switch takes neither"],
    ["tenant without tenantId", { scope: "tenant" }, "tenantId", "is required for a tenant switch"],
    ["tenant with action", { scope: "tenant", tenantId: "acme", action: "x" }, "action", "only allowed"],
    [
      "action without action glob",
      { scope: "action", tenantId: "acme" },
      "action",
      "is required for an action switch",
    ],
    [
      "action without tenantId",
      { scope: "action", action: "host.*" },
      "tenantId",
      /is required for an? action switch/,
    ],
    [
      "action with invalid glob",
      { scope: "action", tenantId: "acme", action: "host.[x]" },
      "action",
      "reserved",
    ],
    ["unknown scope", { scope: "region" }, "scope", "must be one of global, tenant, action"],
    ["engaged as a string", { engaged: "yes" }, "engaged", "must be true or false"],
  ])("rejects %s", (_name, patch, path, fragment) => {
    expectFieldError(parse(patch), path, fragment);
  });
});

describe("parseDecisionInput", () => {
  const input = (patch: Json): Json => ({
    intent: validIntent(),
    policy: validPolicy(),
    killSwitches: [],
    tenant: { id: "acme", status: "active" },
    evaluatedAt: "2026-11-26T09:00:01Z",
    ...patch,
  });

  it("accepts a full input", () => {
    expect(parseDecisionInput(input({})).ok).toBe(true);
  });

  it("accepts tenant null (an unknown tenant is a decision, not a parse error)", () => {
    const result = parseDecisionInput(input({ tenant: null }));
    expect(result.ok && result.value.tenant).toBeNull();
  });

  it.each([
    [
      "tenant status deleted",
      { tenant: { id: "acme", status: "deleted" } },
      "tenant.status",
      "active, suspended",
    ],
    ["tenant missing", { tenant: undefined }, "tenant", /./],
    ["evaluatedAt not UTC", { evaluatedAt: "2026-11-26T10:00:01+01:00" }, "evaluatedAt", "must be in UTC"],
    [
      "an invalid kill switch",
      { killSwitches: [{ ...validKillSwitch(), tenantId: "acme" }] },
      "killSwitches[0].scope",
      "a global switch",
    ],
    [
      "an invalid nested intent",
      { intent: { ...validIntent(), target: "" } },
      "intent.target",
      "must not be empty",
    ],
    [
      "an invalid nested policy",
      { policy: { rules: [{ id: "r", effect: "maybe" }] } },
      "policy.rules[0].effect",
      "must be one of allow",
    ],
  ])("rejects %s", (_name, patch, path, fragment) => {
    expectFieldError(parseDecisionInput(input(patch)), path, fragment);
  });
});

describe("intent submission", () => {
  const minimal = () => ({
    actor: { type: "agent", id: "soar-1" },
    action: "host.isolate",
    actionClass: "A1_soft",
    target: "web-7",
  });

  it("accepts a submission without tenantId, requestedAt, ttlSeconds and idempotencyKey, defaulting parameters to {}", () => {
    const result = parseIntentSubmission(minimal());
    expect(result).toEqual({ ok: true, value: { ...minimal(), parameters: {} } });
  });

  it("applies the parameters default through the schema itself", () => {
    expect(intentSubmissionSchema.parse(minimal()).parameters).toEqual({});
  });

  it("keeps the optional fields when given", () => {
    const full = { ...validIntent(), correlationId: "c-1" };
    expect(parseIntentSubmission(full)).toEqual({ ok: true, value: full });
  });

  it("still validates the optional fields when present", () => {
    expectFieldError(parseIntentSubmission({ ...minimal(), ttlSeconds: 0 }), "ttlSeconds", "at least 1");
    expectFieldError(parseIntentSubmission({ ...minimal(), tenantId: "Acme" }), "tenantId", "must be a slug");
  });

  it("is strict too", () => {
    expectFieldError(
      parseIntentSubmission({ ...minimal(), verdict: "ALLOW" }),
      "verdict",
      "is not a known field",
    );
  });
});

describe("parsers never throw", () => {
  const wellFormed = (result: Parsed<unknown>) => {
    if (result.ok) return;
    expect(result.errors.length).toBeGreaterThan(0);
    for (const error of result.errors) {
      expect(typeof error.path).toBe("string");
      expect(error.message.length).toBeGreaterThan(0);
    }
  };

  const garbage = fc.anything();
  const nastyGarbage = fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withSparseArray: true,
    withTypedArray: true,
  });

  it("parseIntent and parsePolicy return a result for arbitrary values", () => {
    fc.assert(
      fc.property(fc.oneof(garbage, nastyGarbage), (value) => {
        wellFormed(parseIntent(value));
        wellFormed(parsePolicy(value));
      }),
      { numRuns: 500 },
    );
  });

  it("parseIntent returns a result for arbitrary parameters in an otherwise valid intent", () => {
    fc.assert(
      fc.property(fc.oneof(garbage, nastyGarbage), (parameters) => {
        wellFormed(parseIntent({ ...validIntent(), parameters }));
      }),
      { numRuns: 500 },
    );
  });

  it("parsePolicy returns a result for arbitrary rules and match fields", () => {
    fc.assert(
      fc.property(fc.oneof(garbage, nastyGarbage), (value) => {
        wellFormed(parsePolicy({ rules: [value] }));
        wellFormed(parsePolicy({ rules: [{ id: "r", effect: "deny", match: value }] }));
      }),
      { numRuns: 500 },
    );
  });
});

describe("reserved __proto__ keys (zod records would drop them silently)", () => {
  it("an intent whose parameters carry an own __proto__ key is refused, not altered", () => {
    const result = parseIntent({
      ...VALID_INTENT_FOR_PROTO,
      parameters: JSON.parse('{"__proto__":{"x":1},"a":1}'),
    });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors).toContainEqual({ path: "parameters.__proto__", message: "is a reserved key" });
  });

  it("a policy condition on __proto__ is refused instead of vanishing and matching everything", () => {
    const result = parsePolicy(
      JSON.parse(
        '{"rules":[{"id":"allow-proto-only","match":{"parameters":{"__proto__":"never"}},"effect":"allow"}]}',
      ),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.path).toBe("rules[0].match.parameters.__proto__");
  });

  it("a null rule gets a message saying what a rule is", () => {
    const result = parsePolicy({ rules: [null] });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors).toContainEqual({
        path: "rules[0]",
        message: "must be a rule object {id, match?, effect, approval?}",
      });
  });
});

const VALID_INTENT_FOR_PROTO = {
  tenantId: "acme",
  actor: { type: "agent", id: "soar-1" },
  action: "host.isolate",
  actionClass: "A1_soft",
  target: "web-7",
  parameters: {},
  idempotencyKey: "k-1",
  requestedAt: "2026-11-26T09:00:00Z",
  ttlSeconds: 600,
};
