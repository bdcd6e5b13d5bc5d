#!/usr/bin/env bash
# Start Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432, trust auth, database "test") where they are
# missing, so the test suite talks to the real servers. Installs PostgreSQL on a machine that has none.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "==> starting redis-server"
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "==> installing postgresql"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  ver=$(ls /etc/postgresql | sort -n | tail -1)
  hba=/etc/postgresql/$ver/main/pg_hba.conf
  if ! $SUDO grep -q "govaudit-trust" "$hba"; then
    # Tests connect as postgres over TCP without a password, as on the project's machines.
    $SUDO sed -i '1i host all all 127.0.0.1/32 trust # govaudit-trust\nhost all all ::1/128 trust # govaudit-trust' "$hba"
  fi
  echo "==> starting postgresql $ver"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 100); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.1; done
fi
if ! psql -h 127.0.0.1 -U postgres -d test -c "select 1" >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -c "create database test" >/dev/null
fi
