// What people are shown must be what is there. An approver reads targets, actor ids, names and
// globs on a card: a bidi override (U+202E) makes "web-7‮exe" display reversed; zero-width,
// default-ignorable and look-alike space characters make two different ids look identical (and
// `prod-db\u034F.corp` even resolves as the host `prod-db.corp`). So every id, name, action, target
// and actor field a person is shown refuses controls (Cc), format characters (Cf: bidi controls,
// zero-width characters, the BOM, soft hyphen, tags), every default-ignorable code point (variation
// selectors, Hangul fillers, the combining grapheme joiner…) except inside an emoji sequence, lone
// surrogates, private-use and unassigned code points, the braille blank, and every space but U+0020. Free text (a rule's
// description) keeps line breaks, tabs, emoji sequences and the joiners some scripts need; it
// refuses the other controls, the bidi controls and lone surrogates.
//
// Checked where values are accepted (the write side), never where stored data is read back:
// something stored or signed under older rules still loads, decides and verifies.

const HIDDEN_IN_NAMES =
  /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]|(?! )\p{Zs}/u;
const HIDDEN_IN_TEXT =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\p{Cs}]/u;

/**
 * An emoji with its presentation selector and joiners ("🛡️", "👩‍💻"): the variation selector and the
 * joiner are default-ignorable, but inside such a sequence they only shape a visible picture.
 */
const EMOJI_SEQUENCE = /\p{Extended_Pictographic}\uFE0F?(?:\u200D\p{Extended_Pictographic}\uFE0F?)*/gu;

/** Null when `text` shows what it holds; else which character is hidden, and where. */
export function hiddenCharacterProblem(text: string, kind: "name" | "text" = "name"): string | null {
  // Same length, so the index reported is the index in `text`.
  const masked = text.replace(EMOJI_SEQUENCE, (sequence) => "a".repeat(sequence.length));
  const found = (kind === "name" ? HIDDEN_IN_NAMES : HIDDEN_IN_TEXT).exec(masked);
  if (!found) return null;
  const codePoint = text.codePointAt(found.index)?.toString(16).toUpperCase().padStart(4, "0");
  return `must not contain control characters or invisible formatting characters (U+${codePoint} at index ${found.index})`;
}
