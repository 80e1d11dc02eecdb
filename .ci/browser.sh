#!/usr/bin/env bash
# Makes the browser tests (tests/browser_*.rs) runnable: installs Debian's chromium and
# chromium-driver when chromedriver is missing, and axe-core (pinned in tests/a11y) with
# `npm ci` when it is missing or not the pinned version. Safe to run twice.
#
# Progress goes to stderr; stdout is only the exports the tests need, so a caller can do
#   eval "$(bash .ci/browser.sh)"
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
A11Y=$PWD/tests/a11y
say() { printf 'browser.sh: %s\n' "$*" >&2; }

start=$SECONDS
if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { say "chromium/chromedriver missing and not root: install chromium chromium-driver"; exit 1; }
  say "apt-get install chromium chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi
# The chromium wrapper prints a harmless "[: …: unexpected operator" line; drop it.
say "$(chromium --version 2>/dev/null | tail -n 1); $(chromedriver --version | cut -d' ' -f1-2) ($((SECONDS - start)) s)"

start=$SECONDS
command -v npm >/dev/null 2>&1 || { say "npm is needed for axe-core (tests/a11y)"; exit 1; }
want=$(node -p 'require(process.argv[1]).devDependencies["axe-core"]' "$A11Y/package.json")
have=$(node -p 'require(process.argv[1]).version' "$A11Y/node_modules/axe-core/package.json" 2>/dev/null || true)
if [ "$have" != "$want" ]; then
  say "npm ci in tests/a11y (axe-core $want)"
  npm ci --prefix "$A11Y" --no-audit --no-fund --loglevel=error </dev/null >&2
fi
axe=$A11Y/node_modules/axe-core/axe.min.js
[ -s "$axe" ] || { say "$axe is missing after npm ci"; exit 1; }
say "axe-core $want at $axe ($((SECONDS - start)) s)"

echo "export HERD_TEST_REQUIRE_BROWSER=1"
echo "export HERD_AXE_PATH=$axe"
