#!/bin/sh
# Builds the app when there is no build yet or any source is newer than it.
set -eu
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
[ -d server/db/generated ] || PRISMA_SCHEMA_ENGINE_BINARY=/bin/false node_modules/.bin/prisma generate
if [ -f .next/BUILD_ID ] && [ -z "$(find app components server public prisma instrumentation.ts proxy.ts next.config.js package.json -newer .next/BUILD_ID -not -path '*/generated/*' -not -name '*.test.ts' 2>/dev/null | head -n1)" ]; then
  exit 0
fi
echo "build-if-stale: building (no build yet, or sources changed since the last one)" >&2
exec node_modules/.bin/next build
