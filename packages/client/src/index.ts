// @exoarmur/client: submit action intents to an ExoArmur gateway, wait for their outcome, read
// decisions and executions, guard an action the caller performs itself, and verify evidence
// bundles offline. No dependency beyond fetch.

export { createClient, type ExoArmurClient, type SubmitOptions } from "./client.js";
export { ActionDenied, ExoArmurError, type FieldError } from "./errors.js";
export type { GuardContext, GuardOptions } from "./guard.js";
export type { ClientConfig } from "./http.js";
export { type AwaitOptions, finalOutcome } from "./outcome.js";
export type * from "./types.js";
export {
  type VerifyEvidenceOptions,
  type VerifyOutcome,
  type VerifyReport,
  verifyEvidence,
} from "./verify.js";
