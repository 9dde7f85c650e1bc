#!/usr/bin/env bash
# The whole check: lint, types, import boundaries, then the test suite on SQLite and on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
bash scripts/services.sh
export PATH="$PWD/.venv/bin:$PATH"
export REDIS_URL_FOR_TESTS="${REDIS_URL_FOR_TESTS:-redis://127.0.0.1:6379/15}"
export GOODWILL_HOME="${GOODWILL_HOME:-$PWD/var/test-home}"
unset DATABASE_URL REDIS_URL

echo "== ruff"; ruff check goodwill benchmarks
echo "== mypy"; mypy goodwill benchmarks
echo "== import-linter"; lint-imports
echo "== tests on SQLite"
pytest -q "$@"
echo "== tests on PostgreSQL"
PGPASSWORD="${PGPASSWORD:-postgres}" DATABASE_URL="${TEST_POSTGRES_URL:-postgres://postgres:postgres@127.0.0.1:5432/test}" \
  pytest -q -m "not browser" "$@"
