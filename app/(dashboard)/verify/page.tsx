"use client";

import { VerifyEvidence } from "@/components/verify/VerifyEvidence";

/** Evidence verification in the browser: the bundle is checked by the pure core, never sent anywhere. */
export default function VerifyPage() {
  return <VerifyEvidence />;
}
