// Globs for actions, targets and kill-switch scopes. Deliberately tiny and frozen with the engine
// version (a library upgrade must not change which rules match a past decision):
//   `*` any run of characters (dots included), `?` exactly one character, anything else literal.
// `[ ] { } \` are reserved for future syntax and rejected, as is `**` (ambiguous intent).
//
// Matching is linear in the text for every pattern: a policy author (any tenant admin) chooses the
// patterns and a client chooses the texts, so a backtracking matcher would let one tenant spend
// the event loop of every tenant. A glob is read once into a plan — the piece before the first star
// anchored at the start, the piece after the last star anchored at the end, and the pieces between
// stars found leftmost in order — which is exact, because `*` matches any run: placing each middle
// piece as early as possible only leaves more room for the rest. `?`s next to a star are a minimum
// gap (`*??x` and `??*x` are the same language), so a middle piece to search for starts and ends
// with a literal character. A piece of one character is found by `indexOf` (a memchr); one of up to
// 32, or with `?` inside, by bit-parallel Shift-And (one pass, ⌈length/32⌉ words per character);
// a longer literal one by `indexOf` (V8's Boyer-Moore, linear for a first occurrence). How much a
// glob may cost is `globCost`, which the matching budget (match-budget.ts) sums over a policy.

const RESERVED = /[[\]{}\\]/;
export const MAX_GLOB_LENGTH = 256;
const QUESTION = 63;

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

/** A piece between two stars, without the `?`s that touch a star (those became `gap`). */
interface Piece {
  /** Characters that must come between the end of what precedes and the start of this piece. */
  gap: number;
  text: string;
  /** Start positions tried for this piece leave at least this many characters after it. */
  reserve: number;
  /** Shift-And tables, or null when `indexOf` finds the piece (see `searchesWithShiftAnd`). */
  shiftAnd: ShiftAnd | null;
}

interface ShiftAnd {
  /** 32-bit words per state: ⌈length / 32⌉. */
  words: number;
  /** Mask of the `?` positions: what a character that does not occur in the piece still satisfies. */
  wildcard: Int32Array;
  /** By character code, for the characters of the piece: their positions plus the `?` positions. */
  masks: Int32Array[];
}

interface Plan {
  /** Anchored at the start; may contain `?`. */
  head: string;
  /** Anchored at the end; may contain `?`. */
  tail: string;
  pieces: Piece[];
  /** Characters required between the last piece (or the head) and the tail. */
  gapAfter: number;
  minLength: number;
}

/** Whether `pattern[from, to)` (`?` = any character) occurs in `text` at `at`; the caller checks the bounds. */
function charsAt(pattern: string, from: number, to: number, text: string, at: number): boolean {
  for (let j = from; j < to; j++) {
    const c = pattern.charCodeAt(j);
    if (c !== QUESTION && c !== text.charCodeAt(at + j - from)) return false;
  }
  return true;
}

/** Built in time proportional to the piece (no per-alphabet table), so the reference path can afford it. */
function shiftAndTables(piece: string): ShiftAnd {
  const words = (piece.length + 31) >>> 5;
  const wildcard = new Int32Array(words);
  for (let j = 0; j < piece.length; j++)
    if (piece.charCodeAt(j) === QUESTION) wildcard[j >>> 5]! |= 1 << (j & 31);
  const masks: Int32Array[] = [];
  for (let j = 0; j < piece.length; j++) {
    const c = piece.charCodeAt(j);
    if (c === QUESTION) continue;
    masks[c] ??= Int32Array.from(wildcard);
    masks[c][j >>> 5]! |= 1 << (j & 31);
  }
  return { words, wildcard, masks };
}

/**
 * Leftmost start of a piece in `text` within [from, last], or -1. Shift-And: bit j of the state is
 * set when the last j+1 characters read match the piece's first j+1; one pass over the text, no
 * backtracking.
 */
function findWithShiftAnd(
  length: number,
  tables: ShiftAnd,
  text: string,
  from: number,
  last: number,
): number {
  const stop = last + length; // one past the last character a match may end on
  const { words, wildcard, masks } = tables;
  const top = words - 1;
  const bit = 1 << ((length - 1) & 31);
  if (words === 1) {
    const any = wildcard[0]!;
    let state = 0;
    for (let i = from; i < stop; i++) {
      const mask = masks[text.charCodeAt(i)];
      state = ((state << 1) | 1) & (mask === undefined ? any : mask[0]!);
      if ((state & bit) !== 0) return i - length + 1;
    }
    return -1;
  }
  const state = new Int32Array(words);
  for (let i = from; i < stop; i++) {
    const mask = masks[text.charCodeAt(i)] ?? wildcard;
    for (let w = top; w > 0; w--) state[w] = ((state[w]! << 1) | (state[w - 1]! >>> 31)) & mask[w]!;
    state[0] = ((state[0]! << 1) | 1) & mask[0]!;
    if ((state[top]! & bit) !== 0) return i - length + 1;
  }
  return -1;
}

function findPiece(piece: Piece, text: string, from: number, last: number): number {
  if (from > last) return -1;
  if (piece.shiftAnd !== null) return findWithShiftAnd(piece.text.length, piece.shiftAnd, text, from, last);
  const found = text.indexOf(piece.text, from);
  return found <= last ? found : -1;
}

/**
 * How a piece is searched for: one character by `indexOf` (a memchr), up to 32 or with `?` by
 * Shift-And (`indexOf` cannot skip over `?`, and on short pieces its worst case is slower than one
 * pass), longer literal ones by `indexOf` (V8's Boyer-Moore, linear for a first occurrence).
 */
const searchesWithShiftAnd = (piece: string) =>
  piece.length > 1 && (piece.length <= 32 || piece.includes("?"));

/** Splits a pattern with at least one star into its anchored ends and its middle pieces. */
function plan(pattern: string): Plan {
  const parts = pattern.split("*");
  const head = parts[0]!;
  const tail = parts[parts.length - 1]!;
  const pieces: Piece[] = [];
  let gap = 0;
  for (let k = 1; k < parts.length - 1; k++) {
    const part = parts[k]!;
    let start = 0;
    let end = part.length;
    while (start < end && part.charCodeAt(start) === QUESTION) start++;
    while (end > start && part.charCodeAt(end - 1) === QUESTION) end--;
    gap += start;
    if (start === end) continue; // only `?`s: all of it is gap
    const text = part.slice(start, end);
    pieces.push({
      gap,
      text,
      reserve: 0,
      shiftAnd: searchesWithShiftAnd(text) ? shiftAndTables(text) : null,
    });
    gap = part.length - end;
  }
  let reserve = gap;
  for (let k = pieces.length - 1; k >= 0; k--) {
    pieces[k]!.reserve = reserve;
    reserve += pieces[k]!.gap + pieces[k]!.text.length;
  }
  return { head, tail, pieces, gapAfter: gap, minLength: head.length + tail.length + reserve };
}

function matchPlan(p: Plan, text: string): boolean {
  if (text.length < p.minLength) return false;
  const end = text.length - p.tail.length;
  if (!charsAt(p.head, 0, p.head.length, text, 0) || !charsAt(p.tail, 0, p.tail.length, text, end))
    return false;
  let at = p.head.length;
  for (const piece of p.pieces) {
    const found = findPiece(piece, text, at + piece.gap, end - piece.reserve - piece.text.length);
    if (found < 0) return false;
    at = found + piece.text.length;
  }
  return at + p.gapAfter <= end;
}

/**
 * Plans of the globs with more than one star that `globMatch` met, by pattern, so the reference path
 * reads each pattern once, not on every call (the `?`s beside stars are then only a count, as in a
 * compiled glob). A memo — same pattern, same plan — so pure; bounded, and larger than the number
 * of such globs the matching budget admits in one policy (~8,000).
 */
const plans = new Map<string, Plan>();
const MAX_PLANS = 16_384;

function memoPlan(pattern: string): Plan {
  let p = plans.get(pattern);
  if (p === undefined) {
    p = plan(pattern);
    if (plans.size >= MAX_PLANS) plans.clear();
    plans.set(pattern, p);
  }
  return p;
}

/** Whether `text` matches `pattern`, in time linear in the text (the reading of `decide`). */
export function globMatch(pattern: string, text: string): boolean {
  const first = pattern.indexOf("*");
  if (first < 0) {
    if (!pattern.includes("?")) return text === pattern;
    return text.length === pattern.length && charsAt(pattern, 0, pattern.length, text, 0);
  }
  // More than one star: the memoized plan. One (the common `host.*`, `*.delete`): the two ends,
  // read in place.
  const last = pattern.lastIndexOf("*");
  if (first !== last) return matchPlan(memoPlan(pattern), text);
  const tailLength = pattern.length - last - 1;
  return (
    text.length >= first + tailLength &&
    charsAt(pattern, 0, first, text, 0) &&
    charsAt(pattern, last + 1, pattern.length, text, text.length - tailLength)
  );
}

/** `globMatch` with the pattern read once, for matching many texts against it. */
export function compileGlob(pattern: string): (text: string) => boolean {
  if (!pattern.includes("*")) {
    if (!pattern.includes("?")) return (text) => text === pattern;
    return (text) => text.length === pattern.length && charsAt(pattern, 0, pattern.length, text, 0);
  }
  const p = plan(pattern);
  return (text) => matchPlan(p, text);
}

/** Fixed costs in `globCost` steps: a call and its length check; a glob with stars; a piece's search. */
const LITERAL_STEPS = 6;
const STAR_GLOB_STEPS = 16;
const PIECE_STEPS = 8;

/**
 * Worst-case work of matching `pattern` against one text of at most `maxTextLength` characters, in
 * steps of about one character compared (weights measured by bench/adversarial.bench.ts): a fixed
 * cost per glob and per piece; each literal or `?` compared in place (the anchored ends, the pieces;
 * the `?`s beside a star are only a count in a plan; a glob without wildcards is one string
 * equality, a memcmp); and the scan of the text for the pieces — one pass in all, since the greedy
 * search never goes back — at the cost per character of the costliest piece: a single character is
 * a memchr, Shift-And a step per 32-bit word (plus one beyond the first), `indexOf` on a longer
 * literal about two. Reading a pattern into its plan is not counted: the compiled path does it once
 * per policy, the reference path once per distinct pattern in the process. `policyMatchProblem`
 * sums these over a policy.
 */
export function globCost(pattern: string, maxTextLength: number): number {
  if (!pattern.includes("*"))
    return LITERAL_STEPS + (pattern.includes("?") ? pattern.length : Math.ceil(pattern.length / 16));
  const { head, tail, pieces } = plan(pattern);
  let steps = STAR_GLOB_STEPS + head.length + tail.length;
  let perCharacter = 0;
  for (const piece of pieces) {
    steps += PIECE_STEPS + piece.text.length;
    const words = piece.shiftAnd?.words;
    const scan = words === undefined ? (piece.text.length === 1 ? 1 / 8 : 2) : words === 1 ? 1 : words + 1;
    perCharacter = Math.max(perCharacter, scan);
  }
  return steps + Math.ceil(perCharacter * maxTextLength);
}
