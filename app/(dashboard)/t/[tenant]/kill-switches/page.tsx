import type { Metadata } from "next";
import { KillSwitchesPage } from "@/components/kill-switches/KillSwitchesPage";

export const metadata: Metadata = { title: "Kill switches — ExoArmur" };

export default function Page() {
  return <KillSwitchesPage />;
}
