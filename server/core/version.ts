// The engine version is part of every decision output and evidence bundle. Bump it whenever the
// meaning of `decide`, glob matching, hashing or bundle layout changes: a verifier must never
// silently reproduce an old decision under new semantics.

export const ENGINE_VERSION = "exoarmur-core/1.0.0";
export const EVIDENCE_SCHEMA = "exoarmur.evidence.v1";
