#!/usr/bin/env bash
# Command 1: set everything up on a fresh Debian 12 machine and audit the bundled sample site (embedded mode:
# in-process runner, SQLite, local evidence folder). Idempotent; a second run skips what is already there.
#   bash scripts/setup.sh            set up, then run the demo audit
#   bash scripts/setup.sh --no-demo  set up only (used by scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

APT_PACKAGES=(chromium chromium-driver fonts-noto-cjk redis-server dnsmasq-base iproute2 squid python3-venv python3-dev)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ -x /usr/lib/chromium/chromium ] || { echo "Chromium binary /usr/lib/chromium/chromium not found" >&2; exit 1; }

PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $PY"
  "$PY" -m venv .venv
fi
stamp=.venv/.govaudit-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> installing govsite-auditor into .venv"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q -e '.[test]' >.venv/pip-install.log 2>&1 \
    || { cat .venv/pip-install.log >&2; exit 1; }
  echo "$want" > "$stamp"
fi
# The project's own bytecode: an editable install compiles none of it, and where PYTHONDONTWRITEBYTECODE is set
# (CI, containers) Python would compile every module again on every command (0.1 s of a one-page audit).
.venv/bin/python -m compileall -q auditor browsers clients workers web govaudit tools >/dev/null

if [ "${1:-}" != "--no-demo" ]; then
  echo "==> auditing the bundled sample site (govaudit demo)"
  .venv/bin/govaudit demo
fi
