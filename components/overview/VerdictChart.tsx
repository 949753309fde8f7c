"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { OverviewData } from "@/components/trpc/types";

/** Tailwind's emerald-400, rose-400 and amber-400: the verdict badges' colours. */
const SERIES = [
  { key: "ALLOW", color: "#34d399" },
  { key: "DENY", color: "#fb7185" },
  { key: "REQUIRE_APPROVAL", color: "#fbbf24" },
] as const;

const dayLabel = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString("en", { month: "short", day: "numeric", timeZone: "UTC" });

/**
 * Decisions per UTC day, stacked by verdict. The same numbers are in a table for screen readers
 * (the chart itself is hidden from them).
 */
export function VerdictChart({ days }: { days: OverviewData["days"] }) {
  return (
    <figure className="relative min-w-0">
      <div className="h-64 w-full min-w-0" aria-hidden data-testid="verdict-chart">
        <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 320, height: 256 }}>
          <BarChart
            accessibilityLayer={false}
            data={days}
            margin={{ top: 8, right: 8, bottom: 0, left: -16 }}
          >
            <CartesianGrid stroke="#1e293b" vertical={false} />
            <XAxis
              dataKey="day"
              tickFormatter={dayLabel}
              tick={{ fill: "#94a3b8", fontSize: 11 }}
              stroke="#334155"
              minTickGap={12}
            />
            <YAxis allowDecimals={false} tick={{ fill: "#94a3b8", fontSize: 11 }} stroke="#334155" />
            <Tooltip
              cursor={{ fill: "rgba(148,163,184,0.08)" }}
              labelFormatter={(d) => `${dayLabel(String(d))} (UTC)`}
              contentStyle={{
                background: "#0f172a",
                border: "1px solid #334155",
                borderRadius: 8,
                fontSize: 12,
              }}
              labelStyle={{ color: "#e2e8f0" }}
            />
            <Legend wrapperStyle={{ fontSize: 12, color: "#cbd5e1" }} />
            {SERIES.map((s) => (
              <Bar key={s.key} dataKey={s.key} stackId="v" fill={s.color} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      {/* In a clipped box: a table made sr-only itself still lays out its cells and widens a phone page. */}
      <div className="sr-only">
        <table>
          <caption>Decisions per day by verdict (UTC days)</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              {SERIES.map((s) => (
                <th key={s.key} scope="col">
                  {s.key}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <th scope="row">{d.day}</th>
                {SERIES.map((s) => (
                  <td key={s.key}>{d[s.key]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
