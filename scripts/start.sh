#!/bin/sh
# Production start (npm start): build if the build is missing or stale, then exec the server
# (server/http/main.ts: node:http in front of Next; REST on a fast path). `exec` makes the server
# replace this shell, so its PID is the one the caller holds and signals reach it directly;
# server/boot.ts handles them and stops the embedded PostgreSQL in order.
set -eu
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 NEXT_MANUAL_SIG_HANDLE=1 NODE_ENV=production
sh scripts/build-if-stale.sh
# V8 sizes its heap growth by the limit: with Node's default (a quarter of RAM) the server's RSS
# grew past 500 MB under the intents benchmark; with 384 MB it stays near 320 MB and decides as fast
# (docs/BENCHMARKS.md). EXOARMUR_HEAP_MB raises it for unusually large policies or exports.
exec node --max-old-space-size="${EXOARMUR_HEAP_MB:-384}" --import tsx server/http/main.ts
