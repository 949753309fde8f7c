"use client";

import { createAuthClient } from "better-auth/react";

/** better-auth's browser client: sign-in and sign-out only; everything else goes through tRPC. */
export const authClient = createAuthClient();
