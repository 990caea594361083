#!/bin/sh
# Installs what the project needs, once: npm packages (when the lock changed), the Temporal CLI
# and SeaweedFS for the S3 tests (into .tools/ when not on PATH). Safe to run any number of times.
set -eu
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

sh scripts/install-temporal.sh >&2
sh scripts/install-seaweedfs.sh >&2
