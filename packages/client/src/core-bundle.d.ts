// The pure core's verifier, bundled into dist/index.js from the server's own source
// (server/core/verify.ts, see build.mjs): one implementation for the server, the CLI, the dashboard
// and this client. Declared here, loosely, so the published types do not reach into the server's
// sources: verify.ts types its answer, and tests/sdk/client.test.ts checks that type against the
// server's own.

declare module "exoarmur-core-verify" {
  export function verifyBundle(bundle: unknown, options?: { trustedKeys?: readonly string[] }): unknown;
}
