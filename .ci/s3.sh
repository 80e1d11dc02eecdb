#!/usr/bin/env bash
# Starts moto's S3-protocol server on 127.0.0.1 in the background (installing moto[server]
# into the venv given as $1, default .venv-ci, when missing) and prints the export lines the
# tests read. Usage: eval "$(bash .ci/s3.sh [VENV] [PORT])"; stop it with kill $HERD_S3_PID.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=${1:-$PWD/.venv-ci}
PORT=${2:-9099}
MOTO_PIN="moto[server]==5.2.1"
if [ ! -x "$VENV/bin/moto_server" ]; then
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "$MOTO_PIN" </dev/null >&2
fi
LOG=$(mktemp -t herd-moto.XXXXXX.log)
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1 </dev/null &
PID=$!
for _ in $(seq 1 50); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null; then break; fi
  kill -0 "$PID" 2>/dev/null || { cat "$LOG" >&2; echo "moto_server exited" >&2; exit 1; }
  sleep 0.2
done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" || { cat "$LOG" >&2; exit 1; }
echo "export HERD_S3_PID=$PID"
echo "export HERD_TEST_S3_URL=http://127.0.0.1:$PORT"
echo "export HERD_TEST_REQUIRE_S3=1"
