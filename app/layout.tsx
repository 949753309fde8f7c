import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  // Every page sets its own title; this one shows only where one was forgotten (e2e checks none is).
  title: "ExoArmur",
  description:
    "ExoArmur decides deterministically whether an automated action may run (ALLOW, DENY or REQUIRE_APPROVAL), " +
    "records a signed evidence bundle anyone can verify offline, and runs allowed actions exactly once.",
};

export const viewport: Viewport = {
  themeColor: "#0b1120",
  colorScheme: "dark",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans text-slate-200 antialiased">{children}</body>
    </html>
  );
}
