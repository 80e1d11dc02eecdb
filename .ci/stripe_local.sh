#!/usr/bin/env bash
# Runs the Stripe tests against localstripe (PyPI), a fake but stateful Stripe API, on
# loopback: installs it into .venv-localstripe once, starts it on 127.0.0.1, points
# HERD_TEST_LOCALSTRIPE_URL at it and runs tests/stripe.rs (the fake-API tests and
# `localstripe_subscription`), then stops it. Usage: bash .ci/stripe_local.sh [cargo test args]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${HERD_LOCALSTRIPE_VENV:-.venv-localstripe}"
PORT="${HERD_LOCALSTRIPE_PORT:-8420}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import localstripe' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet 'localstripe==1.15.10'
fi
LOG="$(mktemp)"
# localstripe's own entry point listens on every interface; this binds loopback only and
# starts from an empty store.
"$VENV/bin/python" -c "
import logging
from aiohttp import web
from localstripe.server import app
logging.basicConfig(level=logging.INFO)
web.run_app(app, host='127.0.0.1', port=$PORT, print=None)
" >"$LOG" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 1 50); do
    if curl -fsS -o /dev/null -u sk_test_ping: "http://127.0.0.1:$PORT/v1/customers" 2>/dev/null; then
        break
    fi
    sleep 0.2
done
if ! curl -fsS -o /dev/null -u sk_test_ping: "http://127.0.0.1:$PORT/v1/customers"; then
    echo "localstripe did not start:" >&2
    cat "$LOG" >&2
    exit 1
fi
HERD_TEST_LOCALSTRIPE_URL="http://127.0.0.1:$PORT" cargo test --test stripe "$@" || {
    echo "--- localstripe log ---" >&2
    tail -n 50 "$LOG" >&2
    exit 1
}
