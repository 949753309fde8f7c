/** Field paths as people read them: `rules[2].match.targets[0]`, `parameters["odd key"]`. */
export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** True when `ancestor` names `path` itself or an object/array that contains it. */
export function isPathPrefix(ancestor: string, path: string): boolean {
  if (ancestor === path) return true;
  if (!path.startsWith(ancestor)) return false;
  if (ancestor === "") return true;
  const next = path[ancestor.length];
  return next === "." || next === "[";
}
