// Globs for actions, targets and kill-switch scopes. Deliberately tiny and frozen with the engine
// version (a library upgrade must not change which rules match a past decision):
//   `*` any run of characters (dots included), `?` exactly one character, anything else literal.
// `[ ] { } \` are reserved for future syntax and rejected, as is `**` (ambiguous intent).

const RESERVED = /[[\]{}\\]/;
const MAX_GLOB_LENGTH = 256;

/** Why a pattern is not a valid glob, or null when it is. */
export function globProblem(pattern: string): string | null {
  if (pattern.length === 0) return "glob must not be empty";
  if (pattern.length > MAX_GLOB_LENGTH) return `glob is longer than ${MAX_GLOB_LENGTH} characters`;
  if (RESERVED.test(pattern))
    return "glob may use only '*' and '?' as wildcards ('[', ']', '{', '}', '\\' are reserved)";
  if (pattern.includes("**")) return "glob must not contain '**' ('*' already matches dots)";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
  if (/[\u0000-\u001f\u007f]/.test(pattern)) return "glob must not contain control characters";
  return null;
}

/** Reference matcher: iterative wildcard matching with single-star backtracking, linear in practice. */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const c = pattern.charCodeAt(p);
    if (p < pattern.length && c === 42 /* * */) {
      starP = p++;
      starT = t;
    } else if (p < pattern.length && (c === 63 /* ? */ || c === text.charCodeAt(t))) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}

function segmentAt(segment: string, text: string, at: number): boolean {
  for (let j = 0; j < segment.length; j++) {
    const c = segment.charCodeAt(j);
    if (c !== 63 && c !== text.charCodeAt(at + j)) return false;
  }
  return true;
}

function findSegment(segment: string, text: string, from: number, last: number): number {
  if (!segment.includes("?")) {
    const i = text.indexOf(segment, from);
    return i >= 0 && i <= last ? i : -1;
  }
  for (let i = from; i <= last; i++) if (segmentAt(segment, text, i)) return i;
  return -1;
}

/**
 * Compiled matcher with the same semantics as `globMatch`: the pattern is split at its stars once;
 * the first and last pieces anchor the ends and the middle pieces are found leftmost in order, which
 * is exact for star-globs and never backtracks (no RegExp, so no catastrophic patterns).
 */
export function compileGlob(pattern: string): (text: string) => boolean {
  if (!/[*?]/.test(pattern)) return (text) => text === pattern;
  const pieces = pattern.split("*");
  if (pieces.length === 1) return (text) => text.length === pattern.length && segmentAt(pattern, text, 0);
  const head = pieces[0]!;
  const tail = pieces[pieces.length - 1]!;
  const middle = pieces.slice(1, -1).filter((piece) => piece.length > 0);
  const minLength = head.length + tail.length;
  return (text) => {
    if (text.length < minLength) return false;
    const end = text.length - tail.length;
    if (!segmentAt(head, text, 0) || !segmentAt(tail, text, end)) return false;
    let at = head.length;
    for (const piece of middle) {
      const found = findSegment(piece, text, at, end - piece.length);
      if (found < 0) return false;
      at = found + piece.length;
    }
    return true;
  };
}
