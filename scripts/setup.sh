#!/bin/sh
# Installs what the project needs, once: npm packages (when the lock changed) and the Temporal CLI
# (into .tools/ when `temporal` is not on PATH). Safe to run any number of times.
set -eu
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

sh scripts/install-temporal.sh >&2
