// Dashboard sign-in: better-auth with email + password and server-side sessions in PostgreSQL
// (Session rows; the cookie holds only a signed token). Sign-up is closed: users are created by
// `exoarmur user create`, a tenant admin, or the embedded first start (server/auth/users.ts).
// Per-tenant roles live in Membership and are enforced in tRPC middleware (server/api/trpc.ts).

import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { nextCookies } from "better-auth/next-js";
import { getDb } from "../db/client";
import { CLIENT_ADDRESS_HEADER } from "../net/client-address";
import { originOf, trustedOrigins } from "./origins";
import { signInPerClientLimit } from "./sign-in-throttle";

const SESSION_TTL_SECONDS = Number(process.env.EXOARMUR_SESSION_TTL_SECONDS ?? 8 * 3600);

function createAuth() {
  return betterAuth({
    appName: "ExoArmur",
    secret: process.env.BETTER_AUTH_SECRET,
    baseURL: process.env.BETTER_AUTH_URL || undefined,
    database: prismaAdapter(getDb(), { provider: "postgresql" }),
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 12, maxPasswordLength: 256 },
    // Names and emails change through the services only (validated: a name with a bidi override
    // would show reversed wherever members are listed); accounts are removed by an admin.
    disabledPaths: ["/update-user", "/change-email", "/delete-user"],
    user: { additionalFields: { platformAdmin: { type: "boolean", input: false, defaultValue: false } } },
    session: {
      expiresIn: SESSION_TTL_SECONDS,
      // Sliding expiry: a session used in the last quarter of its life is extended.
      updateAge: Math.max(60, Math.floor(SESSION_TTL_SECONDS / 4)),
    },
    // Origin checks on every cookie-carrying POST (better-auth's CSRF defence): the request's own
    // origin and EXOARMUR_TRUSTED_ORIGINS.
    trustedOrigins: (request) => trustedOrigins(request ? originOf(request) : null),
    rateLimit: {
      enabled: true,
      storage: "memory",
      window: 60,
      max: 300,
      customRules: {
        "/sign-in/email": { window: 60, max: signInPerClientLimit() },
      },
    },
    advanced: {
      cookiePrefix: "exoarmur",
      useSecureCookies: process.env.BETTER_AUTH_URL?.startsWith("https:"),
      // The per-client limit keys on the address server/net/client-address.ts stamps on every
      // request (the socket's, or the right-most untrusted X-Forwarded-For hop behind a proxy named
      // in EXOARMUR_TRUSTED_PROXIES); a client cannot set that header itself.
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
    },
    plugins: [nextCookies()],
  });
}

type Auth = ReturnType<typeof createAuth>;
const holder = globalThis as unknown as { __exoarmurAuth?: Auth };

/** One instance per process, created on first use (after boot has set the secret and database). */
export function getAuth(): Auth {
  holder.__exoarmurAuth ??= createAuth();
  return holder.__exoarmurAuth;
}

export interface SessionUser {
  id: string;
  /** The better-auth session row, when the user came with a session cookie. */
  sessionId?: string;
  email: string;
  name: string;
  platformAdmin: boolean;
}

export async function getSessionUser(headers: Headers): Promise<SessionUser | null> {
  if (!headers.get("cookie")) return null;
  const session = await getAuth().api.getSession({ headers });
  if (!session) return null;
  const user = session.user as typeof session.user & { platformAdmin?: boolean };
  return {
    id: user.id,
    sessionId: session.session.id,
    email: user.email,
    name: user.name,
    platformAdmin: user.platformAdmin === true,
  };
}
