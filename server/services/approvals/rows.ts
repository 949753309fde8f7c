// Stored approval rows as the core's approval fold takes them (one mapping for every reader).

import type { ApprovalSpec, Vote } from "../../core";
import { iso } from "../shared/ids";

export function approvalSpec(row: {
  quorum: number;
  roles: string[];
  expiresAt: Date;
  requesterId: string;
  submitters: string[];
}): ApprovalSpec {
  return {
    quorum: row.quorum,
    roles: row.roles as ("admin" | "operator")[],
    expiresAt: iso(row.expiresAt),
    requesterId: row.requesterId,
    ...(row.submitters.length > 0 ? { submitters: row.submitters } : {}),
  };
}

export function votesOf(approval: {
  votes: {
    principalType: string;
    principalId: string;
    role: string;
    vote: string;
    reason: string | null;
    at: Date;
    userId: string | null;
    userEmail: string | null;
  }[];
}): Vote[] {
  // A vote's time is taken under the approval's lock and strictly increases per approval
  // (services/approvals/vote.ts), so time order is chain order, the order the verifier replays.
  return [...approval.votes]
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .map((v) => ({
      principal: { type: v.principalType as "user" | "apiKey", id: v.principalId },
      ...(v.userId && v.userEmail ? { person: { id: v.userId, email: v.userEmail } } : {}),
      role: v.role as Vote["role"],
      vote: v.vote as Vote["vote"],
      reason: v.reason,
      at: iso(v.at),
    }));
}
