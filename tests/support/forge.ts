// The forgery a signature by an untrusted key cannot rule out: a DENY bundle rewritten into an
// ALLOW (the policy's deny rule flipped to allow, the decision re-run), every hash and chain link
// recomputed, and re-signed with a fresh key that travels inside the bundle. Internally it is
// perfectly consistent; only the question "who signed it?" tells it from a real one.

import {
  buildEvidence,
  type ChainEvent,
  type DecisionInput,
  decide,
  decisionHashes,
  EVENT_TYPES,
  type EvidenceBundle,
  eventHash,
} from "../../server/core";
import { generateSecretKeyHex, nodeCrypto, nodeSigner } from "../../server/crypto/node";

/** A DENY bundle (e.g. docs/examples/evidence-deny.json) forged into an ALLOW, signed by a new key. */
export function forgeAllow(deny: EvidenceBundle, secretKeyHex = generateSecretKeyHex()): EvidenceBundle {
  const input = structuredClone(deny.input) as DecisionInput;
  for (const rule of input.policy.rules) if (rule.effect === "deny") rule.effect = "allow";
  const output = decide(input);
  if (output.verdict !== "ALLOW") throw new Error(`the forgery decides ${output.verdict}, not ALLOW`);
  const hashes = decisionHashes(nodeCrypto, input, output);
  const events: ChainEvent[] = [];
  for (const original of deny.events) {
    const payload =
      original.type === EVENT_TYPES.intentDecided
        ? { ...original.payload, verdict: output.verdict, reason: output.reason, ...hashes }
        : original.payload;
    const previous = events.at(-1);
    const unsealed = { ...original, payload, prevHash: previous ? previous.hash : original.prevHash };
    events.push({ ...unsealed, hash: eventHash(nodeCrypto, unsealed) });
  }
  return buildEvidence(
    { subject: deny.subject, input, output, approval: deny.approval, events },
    nodeCrypto,
    nodeSigner(secretKeyHex),
  );
}
