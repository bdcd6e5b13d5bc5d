#!/usr/bin/env bash
# Command 2: the whole test suite (real Chromium, real SQLite and PostgreSQL, real Redis). .ci/run calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-demo
bash scripts/services.sh
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
