#!/usr/bin/env bash
# Installs the pinned JS toolchain when missing and runs the SDK tests
# (unit tests, the bundle staleness check and the end-to-end tests against
# real daphne processes on 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
exec node --test --test-concurrency=1 test/*.test.js "$@"
