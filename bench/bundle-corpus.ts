// Many distinct, genuine evidence bundles for the batch benchmark: the three example bundles
// (docs/examples) varied in their intent's parameters, so every bundle has its own input, hashes,
// chain and signature (no cache can answer for another), re-made with the real code and signed by
// one key, as a server's export would be.

import { readFileSync } from "node:fs";
import type { DecisionInput, EvidenceBundle, Signer } from "../server/core";
import { nodeCrypto } from "../server/crypto/node";
import { resealWithInput } from "../tests/support/reseal";

const EXAMPLES = ["allow", "approved", "deny"].map(
  (name) =>
    JSON.parse(
      readFileSync(new URL(`../docs/examples/evidence-${name}.json`, import.meta.url), "utf8"),
    ) as EvidenceBundle,
);

/** Bundle `i` of the corpus: example i mod 3, its intent carrying ticket `INC-<i>`. */
export function corpusBundle(i: number, signer: Signer): EvidenceBundle {
  const example = EXAMPLES[i % EXAMPLES.length]!;
  const input = structuredClone(example.input) as DecisionInput;
  input.intent.parameters = { ...input.intent.parameters, ticket: `INC-${100000 + i}` };
  return resealWithInput(example, input, nodeCrypto, signer);
}
