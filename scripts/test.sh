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
# docker-compose.yml) and chromium (the dashboard's browser tests). Install what is missing (root with apt-get, as on this project's machines),
# else stop at once naming the package.
missing=""
command -v nats-server >/dev/null 2>&1 || missing="$missing nats-server"
command -v docker-compose >/dev/null 2>&1 || missing="$missing docker-compose"
# The browser tests drive Debian's chromium (Playwright cannot download its own browser here).
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
if [ "$#" -gt 0 ]; then
  # Some test files named: those, then the browser suite, one after the other.
  echo "test.sh: tests (vitest)" >&2
  node_modules/.bin/vitest run "$@"
  echo "test.sh: browser tests (playwright, chromium)" >&2
  exec node_modules/.bin/playwright test
fi

# The whole suite: build once, then the vitest suite and the browser suite side by side. Both spend
# much of their time waiting (on servers, child processes, deadlines, the browser), not computing, so
# together they take little longer than the longer one alone. The browser suite's output is kept in a
# file and printed when it ends, so the two reports do not interleave.
echo "test.sh: build (the compiled CLI and the Next app)" >&2
node scripts/build-cli.mjs --if-stale
sh scripts/build-if-stale.sh
mkdir -p e2e-artifacts
browser_log=e2e-artifacts/playwright.log
echo "test.sh: browser tests (playwright, chromium) in the background, into $browser_log" >&2
node_modules/.bin/playwright test >"$browser_log" 2>&1 &
browser_pid=$!
# Ctrl-C or a kill of this script stops the browser suite too (its global teardown stops its server).
trap 'kill "$browser_pid" 2>/dev/null' INT TERM
# One vitest file at a time beside the browser suite: two at a time on top of it loaded these two
# cores past what the process-heavy CLI tests finish in.
echo "test.sh: tests (vitest, one file at a time beside the browser suite)" >&2
vitest_status=0
node_modules/.bin/vitest run --maxWorkers=1 || vitest_status=$?
echo "test.sh: vitest finished (exit $vitest_status); waiting for the browser tests" >&2
browser_status=0
wait "$browser_pid" || browser_status=$?
echo "test.sh: browser tests (playwright, chromium) — exit $browser_status" >&2
cat "$browser_log"
if [ "$vitest_status" -ne 0 ] || [ "$browser_status" -ne 0 ]; then
  echo "test.sh: FAILED (vitest exit $vitest_status, playwright exit $browser_status)" >&2
  exit 1
fi
echo "test.sh: all tests passed" >&2
