import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Suspense } from "react";
import { SignInForm } from "@/components/auth/SignInForm";
import { ShieldMark } from "@/components/ShieldMark";
import { currentUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Sign in — ExoArmur" };
export const dynamic = "force-dynamic";

export default async function SignInPage() {
  if (await currentUser()) redirect("/dashboard");
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm rounded-xl border border-line bg-surface-raised/80 p-6 shadow-xl">
        <div className="mb-6 flex items-center gap-2">
          <ShieldMark />
          <h1 className="text-lg font-semibold text-white">Sign in to ExoArmur</h1>
        </div>
        <Suspense>
          <SignInForm />
        </Suspense>
        <p className="mt-6 text-xs text-slate-500">
          Accounts are created by an administrator (<code>exoarmur user create</code>). On first start in
          embedded mode the server prints demo credentials once.
        </p>
      </div>
    </main>
  );
}
