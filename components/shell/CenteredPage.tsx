import type { ReactNode } from "react";
import { ShieldMark } from "@/components/ShieldMark";
import { MAIN_FOCUS, SkipLink } from "@/components/ui/skip-link";

/** A page outside the dashboard (sign-in, invitation): a skip link and one centred card with an h1. */
export function CenteredPage({
  title,
  width = "sm",
  children,
}: {
  title: string;
  width?: "sm" | "md";
  children: ReactNode;
}) {
  return (
    <>
      <SkipLink />
      <main
        id="main"
        tabIndex={-1}
        className={`flex min-h-screen items-center justify-center px-4 ${MAIN_FOCUS}`}
      >
        <div
          className={`w-full ${width === "sm" ? "max-w-sm" : "max-w-md"} rounded-xl border border-line bg-surface-raised/80 p-6 shadow-xl`}
        >
          <div className="mb-6 flex items-center gap-2">
            <ShieldMark />
            <h1 className="text-lg font-semibold text-white">{title}</h1>
          </div>
          {children}
        </div>
      </main>
    </>
  );
}
