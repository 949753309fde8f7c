import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { metrics } from "../../server/api/metrics";

// The README's metrics table and the Grafana dashboard (docs/grafana-dashboard.json) name only
// metrics the server registers, and every metric ExoArmur defines itself is in the table.

const ROOT = resolve(__dirname, "../..");
const registered = async () =>
  new Set((await metrics().registry.getMetricsAsJSON()).map((m) => m.name as string));
/** `exoarmur_x_bucket` → `exoarmur_x` (a histogram's series are named after it). */
const metricOf = (series: string, names: Set<string>) =>
  names.has(series) ? series : series.replace(/_(bucket|sum|count)$/, "");
const mentioned = (text: string) => [...new Set(text.match(/\bexoarmur_[a-z0-9_]+/g) ?? [])];

function readmeSection(): string {
  const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("\n## Metrics\n");
  expect(start).toBeGreaterThan(0);
  return readme.slice(start, readme.indexOf("\n## ", start + 1));
}

describe("metrics documentation", () => {
  it("the README names registered metrics, and every metric of ExoArmur's own", async () => {
    const names = await registered();
    const documented = mentioned(readmeSection());
    expect(documented.filter((m) => !names.has(metricOf(m, names)))).toEqual([]);
    const own = [...names].filter((name) => !/^exoarmur_(process|nodejs)_/.test(name));
    expect(own.length).toBeGreaterThanOrEqual(3);
    expect(own.filter((name) => !documented.includes(name))).toEqual([]);
  });

  it("the Grafana dashboard is valid JSON whose queries use registered metrics only", async () => {
    const names = await registered();
    const dashboard = JSON.parse(readFileSync(resolve(ROOT, "docs/grafana-dashboard.json"), "utf8")) as {
      panels: { type: string; targets?: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(5);
    const used = exprs.flatMap(mentioned);
    expect(used.filter((m) => !names.has(metricOf(m, names)))).toEqual([]);
    for (const metric of [
      "exoarmur_decisions_total",
      "exoarmur_http_request_duration_seconds",
      "exoarmur_http_429_total",
    ])
      expect(used.map((m) => metricOf(m, names))).toContain(metric);
  });
});
