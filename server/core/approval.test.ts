import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ApprovalSpec,
  type ApprovalStatus,
  tallyApproval,
  type Vote,
  type VoteRefusal,
} from "./approval";

const EXPIRES = "2026-11-26T10:00:00Z";
const BEFORE = "2026-11-26T09:30:00Z";
const AFTER = "2026-11-26T10:00:00.000000001Z";

const spec = (patch: Partial<ApprovalSpec> = {}): ApprovalSpec => ({
  quorum: 2,
  roles: ["operator"],
  expiresAt: EXPIRES,
  requesterId: "soar-1",
  ...patch,
});

const vote = (id: string, patch: Partial<Vote> = {}): Vote => ({
  principal: { type: "user", id },
  role: "operator",
  vote: "approve",
  reason: null,
  at: BEFORE,
  ...patch,
});

const deny = (id: string, reason: string | null, patch: Partial<Vote> = {}): Vote =>
  vote(id, { vote: "deny", reason, ...patch });

describe("tallyApproval", () => {
  const cases: [
    string,
    ApprovalSpec,
    Vote[],
    string | undefined,
    ApprovalStatus,
    number,
    (VoteRefusal | null)[],
  ][] = [
    ["no votes yet", spec(), [], undefined, "PENDING", 0, []],
    [
      "two distinct operators reach quorum 2",
      spec(),
      [vote("alice"), vote("bob")],
      undefined,
      "APPROVED",
      2,
      [null, null],
    ],
    ["one approval of two", spec(), [vote("alice")], undefined, "PENDING", 1, [null]],
    ["quorum 1 with one approval", spec({ quorum: 1 }), [vote("alice")], undefined, "APPROVED", 1, [null]],
    ["a deny with a reason", spec(), [deny("alice", "wrong host")], undefined, "DENIED", 0, [null]],
    [
      "a deny after one approval",
      spec(),
      [vote("alice"), deny("bob", "no")],
      undefined,
      "DENIED",
      1,
      [null, null],
    ],
    [
      "a deny with an empty reason",
      spec(),
      [deny("alice", "")],
      undefined,
      "PENDING",
      0,
      ["REASON_REQUIRED"],
    ],
    [
      "a deny with a blank reason",
      spec(),
      [deny("alice", " \t\n")],
      undefined,
      "PENDING",
      0,
      ["REASON_REQUIRED"],
    ],
    [
      "a deny with a null reason",
      spec(),
      [deny("alice", null)],
      undefined,
      "PENDING",
      0,
      ["REASON_REQUIRED"],
    ],
    [
      "a refused deny does not use up the principal's vote",
      spec(),
      [deny("alice", ""), deny("alice", "really no")],
      undefined,
      "DENIED",
      0,
      ["REASON_REQUIRED", null],
    ],
    [
      "the requester approving its own intent",
      spec({ quorum: 1 }),
      [vote("soar-1")],
      undefined,
      "PENDING",
      0,
      ["SELF_APPROVAL"],
    ],
    [
      "the requester through an API key principal",
      spec({ quorum: 1 }),
      [vote("soar-1", { principal: { type: "apiKey", id: "soar-1" } })],
      undefined,
      "PENDING",
      0,
      ["SELF_APPROVAL"],
    ],
    [
      "the same principal twice",
      spec(),
      [vote("alice"), vote("alice")],
      undefined,
      "PENDING",
      1,
      [null, "ALREADY_VOTED"],
    ],
    [
      "the same principal approving then denying",
      spec(),
      [vote("alice"), deny("alice", "changed my mind")],
      undefined,
      "PENDING",
      1,
      [null, "ALREADY_VOTED"],
    ],
    [
      "a user and an API key with the same id are different principals",
      spec(),
      [vote("x"), vote("x", { principal: { type: "apiKey", id: "x" } })],
      undefined,
      "APPROVED",
      2,
      [null, null],
    ],
    [
      "an auditor",
      spec({ quorum: 1 }),
      [vote("alice", { role: "auditor" })],
      undefined,
      "PENDING",
      0,
      ["ROLE_NOT_ALLOWED"],
    ],
    [
      "a client",
      spec({ quorum: 1 }),
      [vote("alice", { role: "client" })],
      undefined,
      "PENDING",
      0,
      ["ROLE_NOT_ALLOWED"],
    ],
    [
      "an admin when only operators may approve",
      spec({ quorum: 1 }),
      [vote("alice", { role: "admin" })],
      undefined,
      "PENDING",
      0,
      ["ROLE_NOT_ALLOWED"],
    ],
    [
      "an admin when admins may approve",
      spec({ quorum: 1, roles: ["admin", "operator"] }),
      [vote("alice", { role: "admin" })],
      undefined,
      "APPROVED",
      1,
      [null],
    ],
    [
      "an operator when only admins may approve",
      spec({ quorum: 1, roles: ["admin"] }),
      [vote("alice")],
      undefined,
      "PENDING",
      0,
      ["ROLE_NOT_ALLOWED"],
    ],
    [
      "a vote at exactly expiresAt",
      spec({ quorum: 1 }),
      [vote("alice", { at: EXPIRES })],
      undefined,
      "PENDING",
      0,
      ["EXPIRED"],
    ],
    [
      "a vote one nanosecond before expiresAt",
      spec({ quorum: 1 }),
      [vote("alice", { at: "2026-11-26T09:59:59.999999999Z" })],
      undefined,
      "APPROVED",
      1,
      [null],
    ],
    [
      "a vote after APPROVED",
      spec(),
      [vote("alice"), vote("bob"), vote("carol")],
      undefined,
      "APPROVED",
      2,
      [null, null, "APPROVAL_CLOSED"],
    ],
    [
      "a deny after APPROVED",
      spec({ quorum: 1 }),
      [vote("alice"), deny("bob", "too late")],
      undefined,
      "APPROVED",
      1,
      [null, "APPROVAL_CLOSED"],
    ],
    [
      "an approval after DENIED",
      spec(),
      [deny("alice", "no"), vote("bob"), vote("carol")],
      undefined,
      "DENIED",
      0,
      [null, "APPROVAL_CLOSED", "APPROVAL_CLOSED"],
    ],
    ["PENDING as of expiresAt", spec(), [vote("alice")], EXPIRES, "EXPIRED", 1, [null]],
    ["PENDING as of after expiresAt", spec(), [], AFTER, "EXPIRED", 0, []],
    ["PENDING as of before expiresAt", spec(), [vote("alice")], BEFORE, "PENDING", 1, [null]],
    [
      "APPROVED stays APPROVED as of later",
      spec(),
      [vote("alice"), vote("bob")],
      AFTER,
      "APPROVED",
      2,
      [null, null],
    ],
    ["DENIED stays DENIED as of later", spec(), [deny("alice", "no")], AFTER, "DENIED", 0, [null]],
  ];

  it.each(cases)("%s", (_name, s, votes, asOf, status, approvals, refusals) => {
    expect(tallyApproval(s, votes, asOf)).toEqual({ status, approvals, refusals });
  });
});

describe("tallyApproval properties", () => {
  const ids = ["soar-1", "alice", "bob", "carol", "dave", "erin"];
  const times = ["2026-11-26T09:00:00Z", "2026-11-26T09:59:59Z", EXPIRES, "2026-11-26T11:00:00Z"];

  const voteArb: fc.Arbitrary<Vote> = fc.record({
    principal: fc.record({ type: fc.constantFrom("user", "apiKey"), id: fc.constantFrom(...ids) }),
    role: fc.constantFrom("admin", "operator", "auditor", "client"),
    vote: fc.constantFrom("approve", "deny"),
    reason: fc.constantFrom(null, "", "  ", "looks wrong"),
    at: fc.constantFrom(...times),
  });

  const specArb: fc.Arbitrary<ApprovalSpec> = fc.record({
    quorum: fc.integer({ min: 1, max: 4 }),
    roles: fc.constantFrom<ApprovalSpec["roles"]>(["operator"], ["admin"], ["admin", "operator"]),
    expiresAt: fc.constant(EXPIRES),
    requesterId: fc.constantFrom("soar-1", "alice"),
  });

  const votesArb = fc.array(voteArb, { maxLength: 12 });
  const RUNS = { numRuns: 1000 };

  const acceptedVotes = (votes: readonly Vote[], refusals: readonly (VoteRefusal | null)[]) =>
    votes.filter((_, i) => refusals[i] === null);

  it("gives one refusal slot per vote, and never counts more approvals than the quorum", () => {
    fc.assert(
      fc.property(specArb, votesArb, (s, votes) => {
        const tally = tallyApproval(s, votes);
        expect(tally.refusals).toHaveLength(votes.length);
        const approves = acceptedVotes(votes, tally.refusals).filter((v) => v.vote === "approve").length;
        expect(approves).toBe(tally.approvals);
        expect(approves).toBeLessThanOrEqual(s.quorum);
      }),
      RUNS,
    );
  });

  it("accepts only votes that follow the rules", () => {
    fc.assert(
      fc.property(specArb, votesArb, (s, votes) => {
        const accepted = acceptedVotes(votes, tallyApproval(s, votes).refusals);
        const principals = accepted.map((v) => `${v.principal.type}:${v.principal.id}`);
        expect(new Set(principals).size).toBe(principals.length);
        for (const v of accepted) {
          expect(v.principal.id).not.toBe(s.requesterId);
          expect(s.roles as readonly string[]).toContain(v.role);
          expect(v.at < EXPIRES).toBe(true);
          if (v.vote === "deny") expect((v.reason ?? "").trim()).not.toBe("");
        }
      }),
      RUNS,
    );
  });

  it("is APPROVED iff accepted approvals reach the quorum before any accepted deny", () => {
    fc.assert(
      fc.property(specArb, votesArb, (s, votes) => {
        const tally = tallyApproval(s, votes);
        let approvals = 0;
        let expected: ApprovalStatus = "PENDING";
        for (const v of acceptedVotes(votes, tally.refusals)) {
          if (v.vote === "deny") {
            expected = "DENIED";
            break;
          }
          if (++approvals >= s.quorum) {
            expected = "APPROVED";
            break;
          }
        }
        expect(tally.status === "APPROVED").toBe(expected === "APPROVED");
        expect(tally.status).toBe(expected);
      }),
      RUNS,
    );
  });

  it("once a deny is accepted, it ends DENIED whatever follows, and every later vote is closed", () => {
    fc.assert(
      fc.property(specArb, votesArb, votesArb, (s, before, after) => {
        const prefix = tallyApproval(s, before);
        fc.pre(prefix.status === "PENDING");
        const denier = { type: "user" as const, id: "zed" };
        const d: Vote = { principal: denier, role: s.roles[0]!, vote: "deny", reason: "stop", at: BEFORE };
        const tally = tallyApproval(s, [...before, d, ...after], AFTER);
        expect(tally.status).toBe("DENIED");
        expect(tally.refusals[before.length]).toBeNull();
        expect(tally.refusals.slice(before.length + 1)).toEqual(after.map(() => "APPROVAL_CLOSED"));
      }),
      RUNS,
    );
  });

  it("a vote refused for any reason changes nothing", () => {
    fc.assert(
      fc.property(specArb, votesArb, (s, votes) => {
        const tally = tallyApproval(s, votes);
        const onlyAccepted = acceptedVotes(votes, tally.refusals);
        const again = tallyApproval(s, onlyAccepted);
        expect(again.status).toBe(tally.status);
        expect(again.approvals).toBe(tally.approvals);
        expect(again.refusals.every((r) => r === null)).toBe(true);
      }),
      RUNS,
    );
  });
});
