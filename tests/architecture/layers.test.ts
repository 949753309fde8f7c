import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The import rule of docs/ARCHITECTURE.md, checked on every source file: data flows one way
// (app/components → api → services → core + db), routers and pages never reach the database but
// through services, and services know nothing of the dispatcher, the stream, the API or the CLI.

const ROOT = resolve(__dirname, "../..");

interface Rule {
  /** Files the rule applies to (repo-relative path). */
  files: RegExp;
  /** Import targets it forbids: repo-relative paths for local files, package names otherwise. */
  forbid: RegExp;
  /** `import type` is allowed (types are erased; they carry no data access). */
  typesAllowed?: boolean;
  why: string;
}

const RULES: Rule[] = [
  {
    files: /^server\/telemetry\//,
    forbid: /^(server\/(?!telemetry\/)|app\/|components\/)/,
    why: "logs and traces sit under every layer: they import no other part of the server",
  },
  {
    files: /^server\/core\//,
    forbid: /^(?!server\/core\/)(server|app|components|tests)\/|^node:|^(pg|@prisma\/|next|react)/,
    why: "the core is pure: it imports only itself (and zod, @noble)",
  },
  {
    files: /^server\/db\//,
    forbid: /^server\/(services|exec|events|api|cli|auth)\/|^server\/boot/,
    why: "the database layer sits under the services",
  },
  {
    files: /^server\/services\//,
    forbid:
      /^server\/(exec|events|notify|api|cli|auth)\/|^server\/boot|^(app|components)\/|^(next|react|@trpc\/)/,
    why: "services import nothing from above them (the dispatcher, the stream, the API, the CLI)",
  },
  {
    files: /^server\/(exec|events|notify)\//,
    forbid: /^server\/(api|cli|auth)\/|^server\/boot|^(app|components)\//,
    why: "the dispatcher, the relay and the notification sender run on the services, under the API and the CLI",
  },
  {
    files: /^server\/api\/routers\//,
    forbid: /^server\/db\/|^server\/exec\/|^@prisma\/|^pg$/,
    typesAllowed: true,
    why: "routers call services only: no Prisma, no SQL",
  },
  {
    files: /^server\/http\//,
    forbid: /^server\/(services|db|exec|events|notify)\/|^@prisma\/|^pg$/,
    why: "the production server only routes: REST to the route handlers, the rest to Next",
  },
  {
    files: /^app\/api\//,
    forbid: /^server\/db\/|^server\/exec\/|^@prisma\/|^pg$/,
    typesAllowed: true,
    why: "REST handlers call services only (through server/api/http)",
  },
  {
    files: /^app\/(?!api\/)/,
    forbid: /^server\/(db|services|exec|events|cli)\/|^@prisma\/|^pg$/,
    typesAllowed: true,
    why: "pages call tRPC only",
  },
  {
    files: /^components\//,
    forbid: /^server\/(db|services|exec|events|cli|api|auth)\/|^server\/boot|^@prisma\/|^pg$/,
    typesAllowed: true,
    why: "components run in the browser: the pure core, and types of the API",
  },
];

// Static imports and re-exports (with `import type` told apart) and dynamic import().
const IMPORT =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^;'"]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function importsOf(file: string, source: string): { target: string; typeOnly: boolean }[] {
  const found: { target: string; typeOnly: boolean }[] = [];
  for (const m of source.matchAll(IMPORT)) {
    const spec = m[3] ?? m[4]!;
    const typeOnly = m[2] !== undefined;
    let target = spec;
    if (spec.startsWith("@/")) target = spec.slice(2);
    else if (spec.startsWith(".")) target = relative(ROOT, resolve(ROOT, dirname(file), spec));
    found.push({ target, typeOnly });
  }
  return found;
}

function violations(file: string, source: string): string[] {
  const out: string[] = [];
  for (const rule of RULES) {
    if (!rule.files.test(file)) continue;
    for (const { target, typeOnly } of importsOf(file, source)) {
      if (typeOnly && rule.typesAllowed) continue;
      if (rule.forbid.test(target)) out.push(`${file} imports ${target}: ${rule.why}`);
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name) && !/\.test\.ts$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
    .filter((f) => !f.includes("/generated/"));
}

describe("the import rule (docs/ARCHITECTURE.md)", () => {
  const files = ["server", "app", "components"].flatMap(sourceFiles);

  it("scans the whole tree", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "server/core/decide.ts",
        "server/services/chain/append.ts",
        "server/api/routers/decisions.ts",
        "app/(dashboard)/t/[tenant]/layout.tsx",
        "components/decisions/DecisionDetail.tsx",
      ]),
    );
  });

  it("holds for every source file", () => {
    const found = files.flatMap((f) => violations(f, readFileSync(join(ROOT, f), "utf8")));
    expect(found).toEqual([]);
  });

  it("catches what it forbids", () => {
    expect(
      violations("server/api/routers/x.ts", 'import { PrismaClient } from "@prisma/client";'),
    ).toHaveLength(1);
    expect(violations("server/api/routers/x.ts", 'import { getDb } from "../../db/client";')).toHaveLength(1);
    expect(violations("server/api/routers/x.ts", 'import type { Db } from "../../db/client";')).toEqual([]);
    expect(
      violations("server/services/x/y.ts", 'import { startWorker } from "../../exec/worker";'),
    ).toHaveLength(1);
    expect(violations("server/services/x/y.ts", 'const w = await import("../../exec/worker");')).toHaveLength(
      1,
    );
    expect(
      violations("app/(dashboard)/page.tsx", 'import { getDb } from "@/server/db/client";'),
    ).toHaveLength(1);
    expect(
      violations("components/a/B.tsx", 'import { x } from "@/server/services/users/users";'),
    ).toHaveLength(1);
    expect(violations("server/core/x.ts", 'import { readFileSync } from "node:fs";')).toHaveLength(1);
    expect(violations("server/core/x.ts", 'import { z } from "zod";')).toEqual([]);
  });
});
