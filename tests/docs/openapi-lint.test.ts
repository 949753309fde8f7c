import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../server/api/openapi";

// Teams on other languages generate their clients from /api/v1/openapi.json: the document must be
// clean under a standard linter's recommended rules, and name every route the server serves.

const appDir = join(import.meta.dirname, "../../app");

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(path);
    return entry.name === "route.ts" ? [path] : [];
  });
}

/** `app/api/v1/decisions/[id]/route.ts` exporting GET → `get /api/v1/decisions/{id}`. */
function servedOperations(): string[] {
  return ["api/v1", "api/health", "api/metrics"].flatMap((root) =>
    routeFiles(join(appDir, root)).flatMap((file) => {
      const path = `/${relative(appDir, file).split(sep).slice(0, -1).join("/")}`.replace(
        /\[(\w+)\]/g,
        "{$1}",
      );
      const methods = [
        ...readFileSync(file, "utf8").matchAll(/export (?:async )?function (GET|POST|PUT|PATCH|DELETE)\b/g),
      ];
      return methods.map((m) => `${m[1]!.toLowerCase()} ${path}`);
    }),
  );
}

describe("the OpenAPI document", () => {
  it("is clean under Redocly's recommended rules (operationIds included)", async () => {
    const config = await createConfig({ extends: ["recommended"] });
    const problems = await lintFromString({
      source: JSON.stringify(openApiDocument()),
      absoluteRef: "openapi.json",
      config,
    });
    expect(
      problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`),
    ).toEqual([]);
  });

  it("documents every REST operation the server serves, each with a unique operationId", () => {
    const doc = openApiDocument();
    const documented = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method} ${path}`),
    );
    const served = servedOperations().filter((op) => op !== "get /api/v1/openapi.json");
    expect(served.length).toBeGreaterThan(20);
    expect(served.filter((op) => !documented.includes(op))).toEqual([]);
    const ids = Object.values(doc.paths).flatMap((operations) =>
      Object.values(operations as Record<string, { operationId?: string }>).map((o) => o.operationId),
    );
    expect(ids.every((id) => typeof id === "string" && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
