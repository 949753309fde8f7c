#!/bin/sh
# Production start (npm start): build if the build is missing or stale, then exec `next start`.
# `exec` makes the Next server replace this shell, so its PID is the one the caller holds and
# signals (SIGTERM from a supervisor or a test) reach the server directly.
set -eu

cd "$(dirname "$0")/.."

export NEXT_TELEMETRY_DISABLED=1

needs_build=0
if [ ! -f .next/BUILD_ID ]; then
  needs_build=1
else
  stale_paths=""
  for p in app components server public next.config.js package.json; do
    if [ -e "$p" ]; then
      stale_paths="$stale_paths $p"
    fi
  done
  # shellcheck disable=SC2086 # word splitting of the path list is intended
  if [ -n "$stale_paths" ] && [ -n "$(find $stale_paths -newer .next/BUILD_ID | head -n1)" ]; then
    needs_build=1
  fi
fi

if [ "$needs_build" -eq 1 ]; then
  echo "start.sh: building (no build yet, or sources changed since the last one)" >&2
  node_modules/.bin/next build
fi

exec node_modules/.bin/next start -p "${PORT:-3000}" -H "${HOST:-0.0.0.0}"
