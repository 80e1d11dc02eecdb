#!/usr/bin/env bash
# Installs (if missing) and starts a PostgreSQL cluster on 127.0.0.1:5432 with a trusted
# `postgres` user on loopback, then prints the URL tests use. Safe to run twice.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$version main"; then
  pg_createcluster "$version" main >/dev/null
fi
conf=/etc/postgresql/$version/main
# Loopback connections are trusted: this cluster exists only for the tests.
cat > "$conf/pg_hba.conf" <<'HBA'
local all all trust
host all all 127.0.0.1/32 trust
host all all ::1/128 trust
HBA
grep -q "^fsync = off" "$conf/postgresql.conf" || cat >> "$conf/postgresql.conf" <<'PGCONF'
# Test cluster: durability is not needed, speed is.
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
listen_addresses = '127.0.0.1'
port = 5432
PGCONF
if pg_lsclusters -h | grep "^$version main" | grep -q online; then
  pg_ctlcluster "$version" main reload
else
  pg_ctlcluster "$version" main start
fi
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -p 5432 -q && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432 -q
echo "postgres://postgres@127.0.0.1:5432/postgres"
