import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Suspense } from "react";
import { SignInForm } from "@/components/auth/SignInForm";
import { CenteredPage } from "@/components/shell/CenteredPage";
import { currentUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Sign in — ExoArmur" };
export const dynamic = "force-dynamic";

export default async function SignInPage() {
  if (await currentUser()) redirect("/dashboard");
  return (
    <CenteredPage title="Sign in to ExoArmur">
      <Suspense>
        <SignInForm />
      </Suspense>
      <p className="mt-6 text-xs text-slate-500">
        Accounts are created by an administrator (<code>exoarmur user create</code>). On first start in
        embedded mode the server prints demo credentials once.
      </p>
    </CenteredPage>
  );
}
