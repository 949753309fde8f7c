// Where a JSON text stops being JSON. Browsers word (and position) JSON.parse errors differently,
// some without any position at all, so the editor finds the offending offset itself with a small
// scanner that follows RFC 8259 exactly.

export interface JsonSyntaxError {
  /** Offset of the offending character (the text's length when it ended too early). */
  offset: number;
  line: number;
  column: number;
  message: string;
}

class Stop extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const HEX = /^[0-9a-fA-F]{4}$/;
const MAX_DEPTH = 512;

function shown(ch: string | undefined): string {
  if (ch === undefined) return "the end of the text";
  if (ch === "\n") return "a line break";
  return `'${ch}'`;
}

function scan(text: string): void {
  let i = 0;
  const fail = (message: string): never => {
    throw new Stop(i, message);
  };
  const skipWhitespace = () => {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail(`expected '${word}' but found ${shown(text[i])}`);
      i++;
    }
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      const ch = text[i];
      if (ch === undefined) fail("unterminated string (missing closing '\"')");
      if (ch === '"') {
        i++;
        return;
      }
      if (ch! < " ") fail("control character inside a string (line breaks must be written \\n)");
      if (ch === "\\") {
        const next = text[i + 1];
        if (next === "u") {
          if (!HEX.test(text.slice(i + 2, i + 6))) fail("\\u must be followed by four hex digits");
          i += 6;
          continue;
        }
        if (next === undefined || !ESCAPES.has(next)) {
          i++;
          fail(`invalid escape \\${next ?? ""} in a string`);
        }
        i += 2;
        continue;
      }
      i++;
    }
  };
  const digits = (what: string) => {
    const start = i;
    while (i < text.length && text[i]! >= "0" && text[i]! <= "9") i++;
    if (i === start) fail(`expected a digit ${what} but found ${shown(text[i])}`);
  };
  const number = () => {
    if (text[i] === "-") i++;
    if (text[i] === "0") i++;
    else digits("in the number");
    if (text[i] === ".") {
      i++;
      digits("after the decimal point");
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      digits("in the exponent");
    }
  };
  const value = (depth: number) => {
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    skipWhitespace();
    const ch = text[i];
    if (ch === "{") object(depth);
    else if (ch === "[") array(depth);
    else if (ch === '"') string();
    else if (ch === "t") literal("true");
    else if (ch === "f") literal("false");
    else if (ch === "n") literal("null");
    else if (ch === "-" || (ch !== undefined && ch >= "0" && ch <= "9")) number();
    else if (ch === "'") fail("strings must use double quotes");
    else fail(`expected a value but found ${shown(ch)}`);
  };
  const object = (depth: number) => {
    i++;
    skipWhitespace();
    if (text[i] === "}") {
      i++;
      return;
    }
    for (;;) {
      skipWhitespace();
      if (text[i] === "}") fail("trailing comma before '}'");
      if (text[i] !== '"') fail(`expected a property name in double quotes but found ${shown(text[i])}`);
      string();
      skipWhitespace();
      if (text[i] !== ":") fail(`expected ':' after the property name but found ${shown(text[i])}`);
      i++;
      value(depth + 1);
      skipWhitespace();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return;
      }
      fail(`expected ',' or '}' after a property value but found ${shown(text[i])}`);
    }
  };
  const array = (depth: number) => {
    i++;
    skipWhitespace();
    if (text[i] === "]") {
      i++;
      return;
    }
    for (;;) {
      skipWhitespace();
      if (text[i] === "]") fail("trailing comma before ']'");
      value(depth + 1);
      skipWhitespace();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") {
        i++;
        return;
      }
      fail(`expected ',' or ']' after an array element but found ${shown(text[i])}`);
    }
  };
  value(0);
  skipWhitespace();
  if (i < text.length) fail(`unexpected ${shown(text[i])} after the end of the JSON value`);
}

/** Line and column (both from 1) of an offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === "\n") {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Parses `text`; on failure, says where and why. */
export function parseJson(
  text: string,
): { ok: true; value: unknown } | { ok: false; error: JsonSyntaxError } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    try {
      scan(text);
    } catch (stop) {
      if (stop instanceof Stop)
        return {
          ok: false,
          error: { offset: stop.offset, ...lineColumn(text, stop.offset), message: stop.message },
        };
      throw stop;
    }
    // The scanner found nothing the engine did: report the engine's own words.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: { offset: 0, line: 1, column: 1, message } };
  }
}
