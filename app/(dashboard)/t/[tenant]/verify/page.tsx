import type { Metadata } from "next";
import { safeDecode } from "@/components/shell/safe-decode";
import { VerifyEvidence } from "@/components/verify/VerifyEvidence";

export async function generateMetadata({
  params,
}: {
  params: Promise<{ tenant: string }>;
}): Promise<Metadata> {
  return { title: `Verify evidence (${safeDecode((await params).tenant)}) — ExoArmur` };
}

/** The in-browser verifier inside a tenant (its navigation kept); `?decision=` checks that decision's bundle. */
export default async function Page({
  params,
  searchParams,
}: {
  params: Promise<{ tenant: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const tenantId = safeDecode((await params).tenant);
  const decision = (await searchParams).decision;
  return (
    <VerifyEvidence
      key={typeof decision === "string" ? decision : ""}
      {...(typeof decision === "string" ? { fromDecision: { tenantId, decisionId: decision } } : {})}
    />
  );
}
