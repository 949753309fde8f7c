// The platform admin token is a bearer secret with every power: one shorter than 32 characters is
// refused at start-up (the generated one is 32 characters of base64url, 192 bits).

export const MIN_ADMIN_TOKEN_LENGTH = 32;

/** Throws (and so stops the start) when the token is set but too short; never prints the token. */
export function requireStrongAdminToken(token: string | undefined): void {
  if (!token) return;
  if (token.length < MIN_ADMIN_TOKEN_LENGTH)
    throw new Error(
      `EXOARMUR_ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (it has ${token.length}); generate one with: openssl rand -base64 32`,
    );
}
