// A bundle re-made around a new input with the real code: the decision re-run, the four content
// hashes, the `intent.decided` event, every chain hash and link after it recomputed, then signed.
// The result is as consistent as one the server exports; whether it is genuine is only a question
// of whose key signed it. Used to forge (tests/support/forge.ts) and to make many distinct bundles
// (bench/verify-many.ts).

import {
  buildEvidence,
  type ChainEvent,
  type CryptoProvider,
  type DecisionInput,
  decide,
  decisionHashes,
  EVENT_TYPES,
  type EvidenceBundle,
  eventHash,
  type Signer,
} from "../../server/core";

export function resealWithInput(
  bundle: EvidenceBundle,
  input: DecisionInput,
  crypto: CryptoProvider,
  signer: Signer,
): EvidenceBundle {
  const output = decide(input);
  const hashes = decisionHashes(crypto, input, output);
  const events: ChainEvent[] = [];
  for (const original of bundle.events) {
    const payload =
      original.type === EVENT_TYPES.intentDecided
        ? { ...original.payload, verdict: output.verdict, reason: output.reason, ...hashes }
        : original.payload;
    const previous = events.at(-1);
    const unsealed = { ...original, payload, prevHash: previous ? previous.hash : original.prevHash };
    events.push({ ...unsealed, hash: eventHash(crypto, unsealed) });
  }
  return buildEvidence(
    { subject: bundle.subject, input, output, approval: bundle.approval, events },
    crypto,
    signer,
  );
}
