// The forgery a signature by an untrusted key cannot rule out: a DENY bundle rewritten into an
// ALLOW (the policy's deny rule flipped to allow, the decision re-run), every hash and chain link
// recomputed, and re-signed with a fresh key that travels inside the bundle. Internally it is
// perfectly consistent; only the question "who signed it?" tells it from a real one.

import { type DecisionInput, decide, type EvidenceBundle } from "../../server/core";
import { generateSecretKeyHex, nodeCrypto, nodeSigner } from "../../server/crypto/node";
import { resealWithInput } from "./reseal";

/** A DENY bundle (e.g. docs/examples/evidence-deny.json) forged into an ALLOW, signed by a new key. */
export function forgeAllow(deny: EvidenceBundle, secretKeyHex = generateSecretKeyHex()): EvidenceBundle {
  const input = structuredClone(deny.input) as DecisionInput;
  for (const rule of input.policy.rules) if (rule.effect === "deny") rule.effect = "allow";
  const verdict = decide(input).verdict;
  if (verdict !== "ALLOW") throw new Error(`the forgery decides ${verdict}, not ALLOW`);
  return resealWithInput(deny, input, nodeCrypto, nodeSigner(secretKeyHex));
}
