import type { Metadata } from "next";
import { VerifyEvidence } from "@/components/verify/VerifyEvidence";

export const metadata: Metadata = { title: "Verify evidence — ExoArmur" };

/** Evidence verification in the browser: the bundle is checked by the pure core, never sent anywhere. */
export default function VerifyPage() {
  return <VerifyEvidence />;
}
