// The environment of the processes we start (embedded PostgreSQL, nats-server): an explicit
// allow-list, never process.env — which holds the admin token, DATABASE_URL (with its password) and
// BETTER_AUTH_SECRET, and would be readable in /proc/<pid>/environ by anyone who can read the
// child's (PostgreSQL runs as another user when we are root), and inherited by every backend.

const PASSED_THROUGH = ["PATH", "HOME", "LANG", "TZ", "TMPDIR"] as const;

export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= "/usr/local/bin:/usr/bin:/bin";
  // (ProcessEnv's declared NODE_ENV is Next's typing of our own process, not a child's need.)
  return { ...env, ...extra } as NodeJS.ProcessEnv;
}
