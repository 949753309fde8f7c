import type { Metadata } from "next";
import { SettingsPage } from "@/components/settings/SettingsPage";

export const metadata: Metadata = { title: "Tenant settings — ExoArmur" };

export default function Page() {
  return <SettingsPage />;
}
