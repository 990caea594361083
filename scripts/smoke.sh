#!/bin/sh
# A smoke run on whichever `node` is first on PATH (.ci/run runs it on the machine's Node 20 while
# the project still supports 20), of the built app as production runs it (`npm run build`, no
# tsx: a preload makes loading it fail): migrate, one import through the real worker and dev
# server (`demo --once`), then the page answering over loopback. Uses a fresh folder, PGlite and
# the simulator; leaves nothing.
set -eu
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
page_pid=
cleanup() {
  [ -n "$page_pid" ] && kill "$page_pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
export DATA_DIR="$dir" PGLITE_DIR="$dir/pglite" BACKUP_DIR="$dir/backups" LOG_LEVEL=warn
# A port of its own for the dev server: a Temporal server already on 7233 (a test run's) is not ours.
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export TEMPORAL_ADDRESS="127.0.0.1:$port"
echo "smoke: node $(node --version)"
ln -s "$PWD/node_modules" "$dir/node_modules"
node scripts/build.mjs "$dir/app" >&2
# The project's Temporal CLI (the built app's own scripts would install another into its .tools/).
PATH="$(dirname "$(sh scripts/install-temporal.sh)"):$PATH"
export NODE_OPTIONS="--require $PWD/test/support/noTsx.cjs"
tempctl="$dir/app/bin/tempctl.js"
node "$tempctl" migrate
node "$tempctl" demo --once >"$dir/demo.txt"
grep -q '  SUCCEEDED  ' "$dir/demo.txt" || { cat "$dir/demo.txt"; echo "smoke: the import did not succeed" >&2; exit 1; }
page_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
node "$tempctl" serve --port "$page_port" &
page_pid=$!
for _ in $(seq 1 60); do
  if node -e "fetch('http://127.0.0.1:$page_port/').then(async (r) => { const t = await r.text(); process.exit(r.ok && t.includes('Île-de-France') ? 0 : 1) }, () => process.exit(1))"; then
    echo "smoke: migrate, one import and the page passed on node $(node --version)"
    exit 0
  fi
  sleep 1
done
echo "smoke: the page did not answer on port $page_port" >&2
exit 1
