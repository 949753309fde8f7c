// Regenerates docs/examples/ (run: npx tsx scripts/make-examples.ts). The bundles are deterministic,
// and tests/cli/verify.test.ts checks the committed files are exactly what this produces.
import { writeFileSync } from "node:fs";
import { nodeCrypto, nodeSigner } from "../server/crypto/node";
import { EXAMPLE_SECRET_KEY_HEX, exampleBundles } from "../tests/support/examples";

const dir = new URL("../docs/examples/", import.meta.url);
const signer = nodeSigner(EXAMPLE_SECRET_KEY_HEX);
for (const [name, bundle] of Object.entries(exampleBundles(nodeCrypto, signer))) {
  writeFileSync(new URL(`evidence-${name}.json`, dir), `${JSON.stringify(bundle, null, 2)}\n`);
}
writeFileSync(new URL("example-public-key.txt", dir), `${signer.publicKeyHex}\n`);
console.log(`wrote docs/examples (public key ${signer.publicKeyHex})`);
