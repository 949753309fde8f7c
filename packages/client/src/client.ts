import { type ClientConfig, request } from "./http";
import { type AwaitOptions, awaitOutcome } from "./outcome";
import type { Decision, EvidenceBundle, ExecutionDetail, IntentInput, IntentResult, Outcome } from "./types";

export interface SubmitOptions {
  /**
   * Required: the same key for every retry of the same intent, so a retry is never a second action
   * (the server answers the stored decision; other content under the same key is a 409).
   */
  idempotencyKey: string;
  signal?: AbortSignal;
}

export interface ExoArmurClient {
  submitIntent(intent: IntentInput, options: SubmitOptions): Promise<IntentResult>;
  awaitOutcome(decisionId: string, options?: AwaitOptions): Promise<Outcome>;
  getDecision(decisionId: string, options?: { signal?: AbortSignal }): Promise<Decision>;
  getExecution(executionId: string, options?: { signal?: AbortSignal }): Promise<ExecutionDetail>;
  getEvidence(decisionId: string, options?: { signal?: AbortSignal }): Promise<EvidenceBundle>;
  /** The server's signing keys: `publicKey` is the current one; `keys` lists retired ones too. */
  getSigningKeys(options?: { signal?: AbortSignal }): Promise<{
    alg: "Ed25519";
    keyId: string;
    publicKey: string;
    keys: { keyId: string; publicKey: string; active: boolean; createdAt: string }[];
  }>;
}

export function createClient(config: ClientConfig): ExoArmurClient {
  if (!config.baseUrl) throw new TypeError("createClient: baseUrl is required");
  if (!config.apiKey) throw new TypeError("createClient: apiKey is required");
  const get = <T>(path: string, signal?: AbortSignal) =>
    request<T>(config, "GET", path, signal ? { signal } : {});
  const id = encodeURIComponent;
  return {
    submitIntent(intent, options) {
      if (!options?.idempotencyKey) throw new TypeError("submitIntent: options.idempotencyKey is required");
      return request<IntentResult>(config, "POST", "/api/v1/intents", {
        body: intent,
        idempotencyKey: options.idempotencyKey,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    },
    awaitOutcome: (decisionId, options) => awaitOutcome(config, decisionId, options),
    getDecision: (decisionId, options) => get(`/api/v1/decisions/${id(decisionId)}`, options?.signal),
    getExecution: (executionId, options) => get(`/api/v1/executions/${id(executionId)}`, options?.signal),
    getEvidence: (decisionId, options) =>
      get(`/api/v1/decisions/${id(decisionId)}/evidence`, options?.signal),
    getSigningKeys: (options) => get("/api/v1/signing-key", options?.signal),
  };
}
