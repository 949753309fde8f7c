import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

type Outputs = inferRouterOutputs<AppRouter>;

/** What `policies.versions` answers: the active version and every stored version, newest first. */
export type PolicyVersions = Outputs["policies"]["versions"];
export type PolicyVersion = PolicyVersions["versions"][number];

/** What `policies.replay` answers (counts, transitions, per-decision changes). */
export type ReplayOutput = Outputs["policies"]["replay"];
export type ReplayChangeRow = ReplayOutput["changes"][number];

/** A stored policy document as the editor shows it: pretty JSON, two-space indent. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** The version the diff and the replay page compare against by default: the one before the active one. */
export function previousVersion(data: PolicyVersions): number | null {
  const { versions, activeVersion } = data;
  if (activeVersion === null) return versions[1]?.version ?? null;
  return versions.find((v) => v.version < activeVersion)?.version ?? null;
}
