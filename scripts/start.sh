#!/bin/sh
# Production start (npm start): build if the build is missing or stale, then exec `next start`.
# `exec` makes the Next server replace this shell, so its PID is the one the caller holds and
# signals reach it directly; server/boot.ts handles them (NEXT_MANUAL_SIG_HANDLE=1) and stops
# the embedded PostgreSQL in order.
set -eu
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 NEXT_MANUAL_SIG_HANDLE=1
sh scripts/build-if-stale.sh
exec node_modules/.bin/next start -p "${PORT:-3000}" -H "${HOST:-0.0.0.0}"
