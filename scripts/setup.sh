#!/usr/bin/env bash
# Sets up Goodwill on a fresh Debian machine: system packages, .venv, Python and front-end deps.
#   scripts/setup.sh          what the demo needs
#   scripts/setup.sh --test   plus what the test suite needs (Chromium, PostgreSQL, Redis)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

apt_missing=()
need() { dpkg -s "$1" >/dev/null 2>&1 || apt_missing+=("$1"); }
if command -v dpkg >/dev/null 2>&1; then
  command -v npm >/dev/null 2>&1 || { need nodejs; need npm; }
  if ! command -v python3.11 >/dev/null 2>&1 && ! python3 -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
    need python3.11
  fi
  python3 -c 'import ensurepip, venv' 2>/dev/null || need python3-venv
  if [ "$want_test" = 1 ]; then
    [ -x /usr/bin/chromium ] || need chromium
    command -v pg_ctlcluster >/dev/null 2>&1 || need postgresql
    command -v redis-server >/dev/null 2>&1 || need redis-server
  fi
fi
if [ ${#apt_missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${apt_missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

PY=python3.11
command -v "$PY" >/dev/null 2>&1 || PY=python3
"$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11), "Goodwill needs Python 3.11"'

stamp=.venv/.goodwill-installed
hash="$(sha256sum pyproject.toml | cut -c1-16)"
current="$(cat "$stamp" 2>/dev/null || true)"
if [ "$want_test" = 1 ]; then want="$hash dev"; extras="[dev]"; else want="$hash base"; extras=""; fi
if [ "$current" != "$want" ] && [ "$current" != "$hash dev" ]; then
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".$extras"
  echo "$want" > "$stamp"
fi

# Front-end assets come from the npm registry at install time (never a CDN, never committed).
if [ ! -f goodwill/static/vendor/htmx.min.js ] || [ package.json -nt goodwill/static/vendor/htmx.min.js ]; then
  npm install --no-audit --no-fund --ignore-scripts --silent
  mkdir -p goodwill/static/vendor
  cp node_modules/htmx.org/dist/htmx.min.js goodwill/static/vendor/htmx.min.js
  cp node_modules/chart.js/dist/chart.umd.js goodwill/static/vendor/chart.umd.js
fi
