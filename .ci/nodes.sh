#!/usr/bin/env bash
# Two `herd serve` nodes as processes on one fresh PostgreSQL database, every file in one S3
# bucket (moto on loopback), Debian's caddy balancing them with deploy/Caddyfile (skipped, with
# the reason, where caddy is missing), driven over HTTP by .ci/nodes_drive.py: a post on A read
# and streamed on B, a mention on B notified on A, media uploaded through A served by B,
# a receipt and a ledger attachment written through A served by B to members only, writers on
# both nodes at once (no failed write, no id twice), failed sign-ins split between the nodes
# meeting one shared limit, both nodes' /health/ready and /metrics, a fan-out over both nodes
# (claim conflicts under 1 % asserted), event latency A -> B at 100 posts/s (printed), the
# object store stopped and started again (503s, nothing half-written, recovery), then node A
# killed (SIGKILL) holding leased deliveries, which B delivers once the lease runs out.
# Usage: HERD_BIN=target/debug/herd bash .ci/nodes.sh [VENV]
#   HERD_TEST_POSTGRES_URL names the PostgreSQL cluster (default: .ci/postgres.sh starts one).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
VENV=${1:-$ROOT/.venv-ci}
HERD_BIN=${HERD_BIN:-$ROOT/target/debug/herd}
say() { printf '[%s] nodes.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
[ -x "$HERD_BIN" ] || { say "$HERD_BIN is missing (cargo build --bin herd)"; exit 1; }

TMP=$(mktemp -d -t herd-nodes.XXXXXX)
PIDS=()
DB=herd_ci_nodes_$$
PG=${HERD_TEST_POSTGRES_URL:-}
S3_PID=
cleanup() {
  local rc=$?
  set +e
  # The driver stops moto and starts it again (the store-down check): that one is stopped too.
  [ -s "$TMP/moto.pid" ] && PIDS+=("$(cat "$TMP/moto.pid")")
  for pid in "${PIDS[@]}" "$S3_PID"; do
    [ -n "$pid" ] || continue
    kill -CONT "$pid" 2>/dev/null
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${PIDS[@]}" "$S3_PID"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  if [ "$rc" -ne 0 ]; then
    for f in "$TMP"/*.log; do
      [ -s "$f" ] || continue
      echo "---- $(basename "$f") (last 40 lines) ----" >&2
      tail -n 40 "$f" >&2
    done
  fi
  [ -n "$PG" ] && psql -q "${PG%/*}/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" </dev/null >/dev/null 2>&1
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { # url pid seconds
  local deadline=$((SECONDS + $3))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true)" = 200 ]; do
    kill -0 "$2" 2>/dev/null || { say "process $2 exited before $1 answered"; return 1; }
    [ "$SECONDS" -lt "$deadline" ] || { say "$1 did not answer 200 within $3 s"; return 1; }
    sleep 0.2
  done
}

# A fresh database on the cluster.
[ -n "$PG" ] || PG=$(bash .ci/postgres.sh </dev/null | tail -n 1)
psql -q -v ON_ERROR_STOP=1 "${PG%/*}/postgres" -c "CREATE DATABASE $DB" </dev/null >/dev/null
DB_URL=${PG%/*}/$DB
say "database $DB on ${PG%/*}"

# The S3-protocol server and a bucket.
s3_port=$(free_port)
eval "$(bash .ci/s3.sh "$VENV" "$s3_port" </dev/null)"
S3_PID=$HERD_S3_PID
S3=$HERD_TEST_S3_URL
curl -fsS -X PUT -o /dev/null "$S3/herd-nodes"
say "moto (pid $S3_PID) at $S3, bucket herd-nodes"

lb_port=$(free_port)
port_a=$(free_port)
port_b=$(free_port)
metrics_a=$(free_port)
metrics_b=$(free_port)
# Both nodes answer for the balancer's address: links and media URLs name it.
common=(env -i PATH="$PATH" DATABASE_URL="$DB_URL" HERD_DOMAIN="127.0.0.1:$lb_port" HERD_SCHEME=http
  HERD_MEDIA_STORE=s3 HERD_S3_ENDPOINT="$S3" HERD_S3_BUCKET=herd-nodes HERD_S3_REGION=us-east-1
  HERD_S3_ACCESS_KEY_ID=test HERD_S3_SECRET_ACCESS_KEY=test HERD_S3_PATH_STYLE=true
  HERD_FEDERATION_ALLOW_PRIVATE=127.0.0.0/8 RUST_LOG=info,sqlx=warn NO_COLOR=1)

# Both nodes boot at once on the empty database.
for n in a b; do
  port=port_$n metrics=metrics_$n
  mkdir -p "$TMP/data-$n"
  "${common[@]}" HERD_NODE_NAME="$n" HERD_DATA_DIR="$TMP/data-$n" HERD_LISTEN="127.0.0.1:${!port}" \
    HERD_METRICS_LISTEN="127.0.0.1:${!metrics}" "$HERD_BIN" serve </dev/null >"$TMP/node-$n.log" 2>&1 &
  PIDS+=($!)
  disown "$!" # the driver kills node A on purpose: no job notice for it
done
PID_A=${PIDS[0]}
PID_B=${PIDS[1]}
wait_for "http://127.0.0.1:$port_a/health/ready" "$PID_A" 60
wait_for "http://127.0.0.1:$port_b/health/ready" "$PID_B" 60
say "node a (pid $PID_A) on :$port_a and node b (pid $PID_B) on :$port_b booted at once and are ready"

cli=("${common[@]}" HERD_DATA_DIR="$TMP/data-cli" "$HERD_BIN")
# alice and bob are accounts, not members; mia is a member and tess the treasurer.
for who in alice bob "mia --member" "tess --role treasurer"; do
  set -- $who
  "${cli[@]}" admin create-account "$1" --email "$1@example.org" --password 'correct horse battery' \
    "${@:2}" </dev/null >/dev/null
done
for who in alice bob mia tess; do
  declare "token_$who=$("${cli[@]}" admin token "$who" --scopes "read write follow" </dev/null)"
done

lb=null
if ! command -v caddy >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  say "apt-get install caddy"
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy; } \
    >"$TMP/apt.txt" 2>&1 || say "caddy could not be installed: $(tail -n 1 "$TMP/apt.txt")"
fi
if command -v caddy >/dev/null 2>&1; then
  # deploy/Caddyfile as it ships, on plain HTTP here, without the admin endpoint (other
  # caddy processes on this machine may hold its port).
  printf '{\n\tadmin off\n}\nimport %s\n' "$ROOT/deploy/Caddyfile" >"$TMP/Caddyfile"
  HOME=$TMP XDG_DATA_HOME=$TMP XDG_CONFIG_HOME=$TMP HERD_DOMAIN="http://127.0.0.1:$lb_port" \
    HERD_UPSTREAMS="127.0.0.1:$port_a 127.0.0.1:$port_b" \
    caddy run --config "$TMP/Caddyfile" --adapter caddyfile </dev/null >"$TMP/caddy.log" 2>&1 &
  PIDS+=($!)
  wait_for "http://127.0.0.1:$lb_port/health" "$!" 30
  lb="\"http://127.0.0.1:$lb_port\""
  say "caddy ($(caddy version | cut -d' ' -f1)) balances both nodes on :$lb_port"
else
  say "SKIPPED the load balancer: caddy is not installed$([ "$(id -u)" = 0 ] || echo ' and this is not root')"
fi

cat >"$TMP/drive.json" <<JSON
{"a": "http://127.0.0.1:$port_a", "b": "http://127.0.0.1:$port_b", "lb": $lb,
 "metrics_a": "http://127.0.0.1:$metrics_a", "metrics_b": "http://127.0.0.1:$metrics_b",
 "pid_a": $PID_A, "pid_b": $PID_B, "alice": "$token_alice", "bob": "$token_bob",
 "mia": "$token_mia", "tess": "$token_tess", "psql": "$DB_URL",
 "s3": "$S3", "s3_pid": $S3_PID, "moto_pidfile": "$TMP/moto.pid",
 "moto_cmd": ["$VENV/bin/moto_server", "-H", "127.0.0.1", "-p", "$s3_port"]}
JSON
timeout 240 python3 .ci/nodes_drive.py "$TMP/drive.json" </dev/null
if grep -q "panicked" "$TMP"/node-*.log; then
  grep -h -A5 "panicked" "$TMP"/node-*.log >&2
  say "a node panicked"
  exit 1
fi
say "passed"
