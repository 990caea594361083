#!/bin/sh
# bench:pipeline's anchor, the PostGIS-by-hand script, needs the PostGIS extension in the local
# PostgreSQL server. Installs Debian's postgresql-<major>-postgis-3 for the running server's major
# version when it is missing and we are root with apt; otherwise says how, and the benchmark runs
# without that anchor. Safe to run any number of times.
set -eu
major=$(psql -h 127.0.0.1 -U postgres -d postgres -Atc 'SHOW server_version_num' 2>/dev/null | cut -c1-2 || true)
if [ -z "$major" ]; then
  echo "setup: PostgreSQL at 127.0.0.1:5432 does not answer; the PostGIS anchor is skipped" >&2
  exit 0
fi
if [ -n "$(ls /usr/share/postgresql/"$major"/extension/postgis.control 2>/dev/null || true)" ]; then
  exit 0
fi
package="postgresql-$major-postgis-3"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing PostGIS for bench:pipeline's anchor (apt-get install $package)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
else
  echo "setup: PostGIS is missing; bench:pipeline runs without its PostGIS anchor (as root: apt-get install -y $package)" >&2
fi
