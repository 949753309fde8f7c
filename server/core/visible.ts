// What people are shown must be what is there. An approver reads targets, actor ids, names and
// globs on a card: a bidi override (U+202E) makes "web-7‮exe" display reversed, and zero-width or
// other format characters make two different ids look identical. So every id, name, action, target
// and actor field refuses control characters (Cc, C0 and C1), format characters (Cf: bidi controls,
// zero-width characters, the BOM, soft hyphen, tag characters), lone surrogates (Cs) and the
// line/paragraph separators (Zl, Zp). Free text such as a rule's description may keep line breaks
// and tabs.

const HIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
const HIDDEN_EXCEPT_LAYOUT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

/** Null when `text` shows what it holds; else which character is hidden, and where. */
export function hiddenCharacterProblem(text: string, { allowLineBreaks = false } = {}): string | null {
  const found = (allowLineBreaks ? HIDDEN_EXCEPT_LAYOUT : HIDDEN).exec(text);
  if (!found) return null;
  const codePoint = found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
  return `must not contain control characters or invisible formatting characters (U+${codePoint} at index ${found.index})`;
}
