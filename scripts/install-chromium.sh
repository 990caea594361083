#!/bin/sh
# The page tests drive Debian's Chromium through playwright-core (which never downloads a browser
# of its own). Installs the `chromium` package when it is missing and we are root with apt (CI);
# otherwise says how. Safe to run any number of times.
set -eu
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing Chromium for the page tests (apt-get install chromium)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "setup: $CHROMIUM is missing; the page tests need it (as root: apt-get install -y chromium)" >&2
fi
