import type { PolicyVersions } from "@/components/trpc/types";

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
