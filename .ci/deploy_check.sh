#!/usr/bin/env bash
# Checks the files in deploy/ without a Docker engine: compose.yaml against the compose
# specification's schema (check-jsonschema, installed into the venv given as $1, default
# .venv-ci, when missing), every HERD_* name they use against src/config.rs, the Caddyfile with
# `caddy validate` (Debian's caddy installed when root and missing) and herd@.service with
# `systemd-analyze verify`. A missing caddy or systemd-analyze skips that check only, with the
# reason. Usage: bash .ci/deploy_check.sh [VENV]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=${1:-$PWD/.venv-ci}
JSONSCHEMA_PIN="check-jsonschema==0.39.0"
say() { printf 'deploy_check.sh: %s\n' "$*" >&2; }
TMP=$(mktemp -d -t herd-deploy-check.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

if [ ! -x "$VENV/bin/check-jsonschema" ]; then
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
  say "pip install $JSONSCHEMA_PIN"
  "$VENV/bin/pip" install -q --disable-pip-version-check "$JSONSCHEMA_PIN" </dev/null >&2
fi
"$VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec deploy/compose.yaml >&2
say "compose.yaml: valid against the compose specification"

# HERD_UPSTREAMS is the Caddyfile's own variable, not Herd's; HERD_S3_* in prose is a family.
unknown=$(grep -ohE 'HERD_[A-Z0-9_]+\*?' deploy/compose.yaml deploy/Caddyfile 'deploy/herd@.service' deploy/herd.env.example \
  | grep -v '\*$' | sort -u | grep -vx HERD_UPSTREAMS | while read -r name; do
      grep -q "\"$name\"" src/config.rs || echo "$name"
    done)
[ -z "$unknown" ] || { say "settings not read by src/config.rs: $unknown"; exit 1; }
say "every HERD_* setting in deploy/ is read by src/config.rs"

if ! command -v caddy >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  say "apt-get install caddy"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq caddy; } >"$TMP/apt.log" 2>&1 \
    || say "caddy could not be installed: $(tail -n 1 "$TMP/apt.log")"
fi
if command -v caddy >/dev/null 2>&1; then
  # Run from a scratch home: validating provisions the TLS app, which touches its storage.
  for upstreams in "127.0.0.1:8081 127.0.0.1:8082" "herd-1:8080 herd-2:8080"; do
    HOME=$TMP XDG_DATA_HOME=$TMP XDG_CONFIG_HOME=$TMP HERD_UPSTREAMS=$upstreams \
      caddy validate --config deploy/Caddyfile --adapter caddyfile >"$TMP/caddy.log" 2>&1 \
      || { cat "$TMP/caddy.log" >&2; say "caddy validate failed (HERD_UPSTREAMS=$upstreams)"; exit 1; }
  done
  say "Caddyfile: valid ($(caddy version | cut -d' ' -f1))"
else
  say "SKIPPED caddy validate: caddy is not installed$([ "$(id -u)" = 0 ] || echo ' and this is not root')"
fi

if command -v systemd-analyze >/dev/null 2>&1; then
  # verify insists that ExecStart's binary exists; where herd is not installed, check a copy
  # pointing at true(1). It reports unknown keys and bad values as warnings with exit status
  # 0, so any output fails the check. The instance `1` exercises the %i specifiers.
  exe=/usr/local/bin/herd
  [ -x "$exe" ] || exe=$(command -v true)
  for unit in 'herd@.service' 'herd@1.service'; do
    sed "s|/usr/local/bin/herd|$exe|g" 'deploy/herd@.service' >"$TMP/$unit"
    out=$(systemd-analyze verify --man=no "$TMP/$unit" 2>&1) || { printf '%s\n' "$out" >&2; say "systemd-analyze verify $unit failed"; exit 1; }
    [ -z "$out" ] || { printf '%s\n' "$out" >&2; say "systemd-analyze verify $unit warned"; exit 1; }
  done
  say "herd@.service: systemd-analyze verify clean ($(systemd-analyze --version | head -n 1))"
else
  say "SKIPPED systemd-analyze verify: systemd-analyze is not installed"
fi
