// Limits on free-form JSON (intent parameters): what a gateway should refuse before it hashes.

import { hasLoneSurrogate, utf8 } from "./canonical";

export const MAX_PARAMETERS_BYTES = 64 * 1024;
const MAX_JSON_DEPTH = 32;

interface JsonProblem {
  path: (string | number)[];
  message: string;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The first reason `value` is not plain, canonicalizable JSON: NaN/Infinity, undefined, functions,
 * class instances, lone surrogates (RFC 8785 cannot encode them), cycles or excessive depth.
 */
export function jsonProblem(value: unknown, path: (string | number)[] = [], depth = 0): JsonProblem | null {
  if (depth > MAX_JSON_DEPTH) return { path, message: `nesting is deeper than ${MAX_JSON_DEPTH} levels` };
  if (value === null || typeof value === "boolean") return null;
  if (typeof value === "number") {
    return Number.isFinite(value) ? null : { path, message: `${value} is not a JSON number` };
  }
  if (typeof value === "string") {
    if (hasLoneSurrogate(value)) return { path, message: "string contains an unpaired UTF-16 surrogate" };
    // PostgreSQL's jsonb cannot hold U+0000; refusing it here keeps "accepted" and "storable" the same.
    return value.includes("\u0000") ? { path, message: "string contains the NUL character (U+0000)" } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = jsonProblem(value[i], [...path, i], depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  if (typeof value === "object" && isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      if (hasLoneSurrogate(key))
        return { path: [...path, key], message: "key contains an unpaired UTF-16 surrogate" };
      const problem = jsonProblem((value as Record<string, unknown>)[key], [...path, key], depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  return {
    path,
    message: `${typeof value === "object" ? "non-plain object" : typeof value} is not a JSON value`,
  };
}

export function jsonByteLength(text: string): number {
  return utf8(text).length;
}
