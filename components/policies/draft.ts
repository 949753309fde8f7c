"use client";

import { useDeferredValue, useMemo } from "react";
import { type FieldError, type Policy, parsePolicy } from "@/server/core";
import { type JsonSyntaxError, parseJson } from "./json-syntax";

/** What the editor knows about a draft policy text, from "not JSON" to "a valid policy". */
export type DraftCheck =
  | { kind: "empty" }
  | { kind: "syntax"; error: JsonSyntaxError }
  | { kind: "invalid"; errors: FieldError[] }
  | { kind: "valid"; document: unknown; policy: Policy; rules: number };

/** JSON syntax first (with position), then the policy schema (path + message), as the server checks. */
function checkDraft(text: string): DraftCheck {
  if (!text.trim()) return { kind: "empty" };
  const json = parseJson(text);
  if (!json.ok) return { kind: "syntax", error: json.error };
  const policy = parsePolicy(json.value);
  if (!policy.ok) return { kind: "invalid", errors: policy.errors };
  return { kind: "valid", document: json.value, policy: policy.value, rules: policy.value.rules.length };
}

/**
 * Validates as the user types. The check runs on a deferred copy of the text, so a large policy
 * never makes typing lag; `current` says whether the check describes the text on screen yet.
 */
export function useDraftCheck(text: string): { check: DraftCheck; current: boolean } {
  const deferred = useDeferredValue(text);
  const check = useMemo(() => checkDraft(deferred), [deferred]);
  return { check, current: deferred === text };
}
