#!/bin/sh
# The whole test suite (npm test): installs what is missing, then typecheck, lint and every test.
# Safe on a fresh clone: without node_modules (or with a lock file newer than it) it runs `npm ci`.
set -eu
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

if [ ! -x node_modules/.bin/vitest ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "test.sh: installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund
fi

# System packages the tests use for real: nats-server (JetStream), docker-compose (validates
# docker-compose.yml), chromium-headless-shell and chromium (the dashboard's browser tests). Install what is
# missing (root with apt-get, as on this project's machines), else stop at once naming the package.
missing=""
command -v nats-server >/dev/null 2>&1 || missing="$missing nats-server"
command -v docker-compose >/dev/null 2>&1 || missing="$missing docker-compose"
# The browser tests drive Debian's Chromium: its headless shell, and the full browser for what only
# it has (Playwright cannot download its own browsers here; playwright.config.ts says which runs what).
[ -x "${CHROMIUM_HEADLESS_SHELL_PATH:-/usr/bin/chromium-headless-shell}" ] || missing="$missing chromium-headless-shell"
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing="$missing chromium"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing$missing (apt-get)" >&2
    # shellcheck disable=SC2086 # one word per package
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "test.sh: the tests need the system packages:$missing (e.g. apt-get install$missing)" >&2
    exit 1
  fi
fi

echo "test.sh: typecheck" >&2
node_modules/.bin/tsc --noEmit -p .
echo "test.sh: lint (biome)" >&2
node_modules/.bin/biome check .
# One suite after the other: run side by side on these two cores, the browser suite's timing-
# sensitive tests (the live feed) and the process-heavy CLI tests timed out (tried 2026-12-02).
echo "test.sh: tests (vitest)" >&2
node_modules/.bin/vitest run "$@"
echo "test.sh: browser tests (playwright, chromium)" >&2
exec node_modules/.bin/playwright test
