"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { Button, TextField } from "@/components/ui";
import { authClient } from "./auth-client";
import { safeNextPath } from "./safe-next";

export function SignInForm() {
  const router = useRouter();
  const params = useSearchParams();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const expired = params.get("expired") === "1";

  return (
    <form
      className="flex flex-col gap-4"
      onSubmit={async (e) => {
        e.preventDefault();
        setPending(true);
        setError(null);
        const { error } = await authClient.signIn.email({ email, password });
        setPending(false);
        if (error) {
          setError(
            error.status === 429
              ? "Too many sign-in attempts; wait a minute and try again."
              : error.status === 401 || error.code === "INVALID_EMAIL_OR_PASSWORD"
                ? "Wrong email or password."
                : (error.message ?? "Sign-in failed."),
          );
          return;
        }
        router.replace(safeNextPath(params.get("next"), window.location.origin));
        router.refresh();
      }}
    >
      {expired && (
        <p
          role="status"
          className="rounded-md border border-amber-400/40 bg-amber-400/10 p-2 text-sm text-amber-200"
        >
          Your session has ended. Sign in again.
        </p>
      )}
      <TextField
        label="Email"
        type="email"
        autoComplete="username"
        required
        value={email}
        onChange={(e) => setEmail(e.target.value)}
      />
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      {error && (
        <p role="alert" className="text-sm text-rose-300">
          {error}
        </p>
      )}
      <Button type="submit" tone="primary" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
