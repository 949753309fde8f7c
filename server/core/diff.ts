import { formatPath, type PathSegment } from "./paths";

export interface Mismatch {
  path: string;
  expected: unknown;
  actual: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Leaf-by-leaf differences between two JSON values, as paths a reader can find in the file.
 * (jsondiffpatch's deltas describe how to patch, not where things differ; this is the latter.)
 */
export function diffJson(expected: unknown, actual: unknown, path: PathSegment[] = []): Mismatch[] {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const out: Mismatch[] = [];
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n; i++) {
      if (i >= expected.length)
        out.push({ path: formatPath([...path, i]), expected: undefined, actual: actual[i] });
      else if (i >= actual.length)
        out.push({ path: formatPath([...path, i]), expected: expected[i], actual: undefined });
      else out.push(...diffJson(expected[i], actual[i], [...path, i]));
    }
    return out;
  }
  if (isObject(expected) && isObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
    return keys.flatMap((key) => diffJson(expected[key], actual[key], [...path, key]));
  }
  return Object.is(expected, actual) || (expected === 0 && actual === 0)
    ? []
    : [{ path: formatPath(path), expected, actual }];
}
