#!/usr/bin/env bash
# Command 2: the whole test suite (real Chromium, real SQLite and PostgreSQL, real Redis). .ci/run calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-demo
if [ "${1:-}" = "--fast" ]; then
  # The fast layer: rules on saved page facts and everything else that needs no browser, no Redis/PostgreSQL,
  # no network namespace (pytest -m "not browser and not services and not netns and not slow").
  shift
  # Two workers (pytest-xdist, one per core): these tests share no server, port or database file.
  exec .venv/bin/python -m pytest -q -p no:cacheprovider -n 2 -m "not browser and not services and not netns and not slow" "$@"
fi
bash scripts/services.sh
# The layer contracts (.importlinter): rules pure, scoring pure, nothing below the command line imports it.
.venv/bin/lint-imports
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
