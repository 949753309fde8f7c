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

echo "test.sh: typecheck" >&2
node_modules/.bin/tsc --noEmit -p .
echo "test.sh: lint (biome)" >&2
node_modules/.bin/biome check .
echo "test.sh: tests (vitest)" >&2
exec node_modules/.bin/vitest run "$@"
