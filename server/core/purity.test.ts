import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/**
 * server/core must stay pure and isomorphic (DESIGN.md): no I/O, clock, randomness or globals, and
 * imports only from itself and a few pure libraries. This scans the source text, so it also catches
 * what a type checker cannot (a stray Date.now() in a helper).
 */
const CORE_DIR = new URL("./", import.meta.url);

const ALLOWED_MODULES = [
  /^\.\/[^/]+$/,
  /^zod$/,
  /^canonicalize$/,
  /^@noble\/hashes\/.+$/,
  /^@noble\/curves\/.+$/,
];

const FORBIDDEN: [string, RegExp][] = [
  ["Date.now", /\bDate\s*\.\s*now\b/],
  ["new Date(", /\bnew\s+Date\s*\(/],
  ["Math.random", /\bMath\s*\.\s*random\b/],
  ["process.", /\bprocess\s*\./],
  ["setTimeout", /\bsetTimeout\b/],
  ["setInterval", /\bsetInterval\b/],
  ["fetch(", /\bfetch\s*\(/],
  ["require(", /\brequire\s*\(/],
  ["performance.now", /\bperformance\s*\.\s*now\b/],
  ["crypto.getRandomValues", /\bcrypto\s*\.\s*getRandomValues\b/],
  ["globalThis", /\bglobalThis\b/],
];

const KEYWORDS_BEFORE_REGEX = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

/**
 * Replaces comments with spaces (keeping newlines, so line numbers survive) while leaving strings,
 * template literals and regular-expression literals intact: a `//` inside "http://x" or a regex is
 * not a comment.
 */
function stripComments(source: string): string {
  let out = "";
  let i = 0;
  const templateDepths: number[] = [];
  let braceDepth = 0;

  const blank = (text: string) => text.replace(/[^\n]/g, " ");
  const regexAllowed = () => {
    const code = out.trimEnd();
    if (code === "") return true;
    const last = code[code.length - 1]!;
    if ("(,=:[!&|?{};+-*%<>~^".includes(last)) return true;
    const word = /[A-Za-z_$][\w$]*$/.exec(code);
    return word !== null && KEYWORDS_BEFORE_REGEX.has(word[0]);
  };
  const copyQuoted = (quote: string) => {
    let j = i + 1;
    while (j < source.length && source[j] !== quote && source[j] !== "\n") j += source[j] === "\\" ? 2 : 1;
    out += source.slice(i, j + 1);
    i = j + 1;
  };
  const copyTemplate = () => {
    // i is just past a ` or a } that closes a ${…}; copy up to the closing ` or the next ${
    let j = i;
    while (j < source.length && source[j] !== "`" && !(source[j] === "$" && source[j + 1] === "{")) {
      j += source[j] === "\\" ? 2 : 1;
    }
    if (source[j] === "`") {
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      out += source.slice(i, j + 2);
      i = j + 2;
      templateDepths.push(braceDepth);
      braceDepth++;
    }
  };

  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      const stop = end < 0 ? source.length : end;
      out += blank(source.slice(i, stop));
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      out += blank(source.slice(i, stop));
      i = stop;
    } else if (c === '"' || c === "'") {
      copyQuoted(c);
    } else if (c === "`") {
      out += c;
      i++;
      copyTemplate();
    } else if (c === "/" && regexAllowed()) {
      let j = i + 1;
      let inClass = false;
      while (j < source.length && source[j] !== "\n" && (inClass || source[j] !== "/")) {
        if (source[j] === "\\") j++;
        else if (source[j] === "[") inClass = true;
        else if (source[j] === "]") inClass = false;
        j++;
      }
      out += source.slice(i, j + 1);
      i = j + 1;
    } else if (c === "{") {
      braceDepth++;
      out += c;
      i++;
    } else if (c === "}") {
      braceDepth--;
      out += c;
      i++;
      if (templateDepths.length > 0 && templateDepths[templateDepths.length - 1] === braceDepth) {
        templateDepths.pop();
        copyTemplate();
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Module specifiers of static imports/exports, side-effect imports and dynamic imports. */
function importedModules(code: string): string[] {
  const patterns = [
    /\b(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["'`]([^"'`]+)["'`]/g,
  ];
  return patterns.flatMap((pattern) => [...code.matchAll(pattern)].map((m) => m[1]!));
}

/** Every purity violation in `source`, as readable strings naming the file and line. */
function purityViolations(file: string, source: string): string[] {
  const code = stripComments(source);
  const lineOf = (index: number) => code.slice(0, index).split("\n").length;
  const violations: string[] = [];
  for (const module of importedModules(code)) {
    if (!ALLOWED_MODULES.some((allowed) => allowed.test(module))) {
      violations.push(`${file}: imports "${module}"`);
    }
  }
  for (const [name, pattern] of FORBIDDEN) {
    for (const m of code.matchAll(new RegExp(pattern.source, "g"))) {
      const line = code.split("\n")[lineOf(m.index) - 1]!.trim();
      violations.push(`${file}:${lineOf(m.index)}: uses ${name}: ${line}`);
    }
  }
  return violations;
}

const coreFiles = readdirSync(CORE_DIR, { withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
  .map((entry) => entry.name)
  .sort();

describe("server/core purity", () => {
  it("scans the engine's source files", () => {
    expect(coreFiles.length).toBeGreaterThanOrEqual(10);
    expect(coreFiles).toEqual(expect.arrayContaining(["decide.ts", "schemas.ts", "canonical.ts", "time.ts"]));
  });

  it.each(coreFiles)(
    "%s imports only allowed modules and uses no clock, randomness, I/O or globals",
    (file) => {
      const source = readFileSync(new URL(file, CORE_DIR), "utf8");
      expect(purityViolations(`server/core/${file}`, source)).toEqual([]);
    },
  );
});

describe("the purity scanner itself", () => {
  it.each([
    ['import fs from "node:fs";', 'imports "node:fs"'],
    ['import { x } from "../db/client";', 'imports "../db/client"'],
    ['export * from "./nested/deep";', 'imports "./nested/deep"'],
    ['import "reflect-metadata";', 'imports "reflect-metadata"'],
    ['const m = await import("node:path");', 'imports "node:path"'],
    ["import type {\n  A,\n  B,\n} from 'next/server';", 'imports "next/server"'],
    ["const t = Date.now();", "uses Date.now"],
    ["const d = new Date(0);", "uses new Date("],
    ["const r = Math.random();", "uses Math.random"],
    ["const e = process.env.X;", "uses process."],
    ["setTimeout(run, 10);", "uses setTimeout"],
    ["setInterval(run, 10);", "uses setInterval"],
    ["await fetch(url);", "uses fetch("],
    ['const z = require("zod");', "uses require("],
    ["const t = performance.now();", "uses performance.now"],
    ["crypto.getRandomValues(buf);", "uses crypto.getRandomValues"],
    ["const g = globalThis;", "uses globalThis"],
    ['const u = "http://example"; const t = Date.now();', "uses Date.now"],
    ["const re = /\\/\\//; const t = Date.now();", "uses Date.now"],
    // a template literal whose ${…} holds braces ("$" and "{" split to keep the linter quiet)
    [["const s = `a$", "{f({ b: 1 })}c`; const t = Date.now();"].join(""), "uses Date.now"],
    ["const x = a / b; const t = Date.now(); // c / d", "uses Date.now"],
  ])("flags %j", (source, fragment) => {
    const violations = purityViolations("synthetic.ts", source);
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.join("\n")).toContain(fragment);
  });

  it.each([
    '// import fs from "node:fs";\nconst x = 1;',
    "/* Date.now() and Math.random() */ const x = 1;",
    "/**\n * without Date so that…\n * setTimeout is never used\n */\nconst x = 1;",
    'import { z } from "zod";\nimport canonicalize from "canonicalize";',
    'import { sha256 } from "@noble/hashes/sha2.js";\nimport { ed25519 } from "@noble/curves/ed25519.js";',
    'import { x } from "./schemas";\nexport * from "./time";',
    "const preprocess = 1; const t = timestamp.now;",
    "const updated = x; // see Date.now() in the server",
  ])("does not flag %j", (source) => {
    expect(purityViolations("synthetic.ts", source)).toEqual([]);
  });

  it("keeps line numbers after stripping comments", () => {
    const source = "/* one\n two */\n// three\nconst t = Date.now();";
    expect(purityViolations("f.ts", source)).toEqual(["f.ts:4: uses Date.now: const t = Date.now();"]);
  });
});
