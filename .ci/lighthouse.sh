#!/usr/bin/env bash
# The pages' weight and Lighthouse scores on a seeded `herd serve` (SQLite): a member with 20
# posts, a proposal and a ledger transaction. Prints the served gzip size of /home (20 posts),
# static/herd.css and static/herd.js and fails when one is over issue 14's budget (40, 20 and
# 15 kB: sizes do not depend on the machine); then runs Lighthouse 12 (pinned in
# .ci/lighthouse/package.json, on the installed Node, driving Debian's chromium) on /@alice,
# /@alice/ID, /home, /proposals/ID and /ledger, signed in through the session cookie, and
# prints the performance, accessibility and best-practices scores (figures: performance
# depends on the machine's load, so they are not asserted).
# Usage: HERD_BIN=target/debug/herd bash .ci/lighthouse.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
HERD_BIN=${HERD_BIN:-$ROOT/target/debug/herd}
say() { printf '[%s] lighthouse.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
[ -x "$HERD_BIN" ] || { say "$HERD_BIN is missing (cargo build --bin herd)"; exit 1; }

TMP=$(mktemp -d -t herd-lighthouse.XXXXXX)
SERVER=
cleanup() {
  local rc=$?
  set +e
  if [ -n "$SERVER" ]; then
    kill -TERM "$SERVER" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER" 2>/dev/null
  fi
  [ "$rc" -ne 0 ] && [ -s "$TMP/serve.log" ] && tail -n 30 "$TMP/serve.log" >&2
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

LH_VERSION=$(node -p 'require("./.ci/lighthouse/package.json").dependencies.lighthouse')
have=$(node -p 'require("./.ci/lighthouse/node_modules/lighthouse/package.json").version' 2>/dev/null || true)
if [ "$have" != "$LH_VERSION" ]; then
  say "npm ci --prefix .ci/lighthouse (lighthouse $LH_VERSION)"
  npm ci --prefix .ci/lighthouse --no-audit --no-fund --loglevel=error </dev/null >&2
fi
command -v chromium >/dev/null || { say "chromium is missing (bash .ci/browser.sh installs it)"; exit 1; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
herd=(env -i PATH="$PATH" HOME="$TMP" HERD_DATA_DIR="$TMP/data" HERD_LISTEN="127.0.0.1:$port"
  HERD_DOMAIN="127.0.0.1:$port" HERD_SCHEME=http RUST_LOG=warn NO_COLOR=1 "$HERD_BIN")
mkdir -p "$TMP/data"
"${herd[@]}" admin create-account alice --email alice@example.org --password 'correct horse battery' \
  --role admin </dev/null >/dev/null
"${herd[@]}" admin create-account tess --email tess@example.org --password 'correct horse battery' \
  --role treasurer </dev/null >/dev/null
"${herd[@]}" serve </dev/null >"$TMP/serve.log" 2>&1 &
SERVER=$!
deadline=$((SECONDS + 60))
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$base/health" || true)" = 200 ]; do
  kill -0 "$SERVER" 2>/dev/null || { say "herd serve exited"; exit 1; }
  [ "$SECONDS" -lt "$deadline" ] || { say "herd serve did not answer within 60 s"; exit 1; }
  sleep 0.2
done
alice=$("${herd[@]}" admin token alice --scopes "read write" </dev/null)
tess=$("${herd[@]}" admin token tess --scopes "read write" </dev/null)
api() { # method path token json
  curl -fsS -X "$1" "$base$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' -d "$4"
}
id_of() { python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'; }
for i in $(seq 1 20); do
  status=$(api POST /api/v1/statuses "$alice" \
    "{\"status\": \"Post $i of the seeded home: the co-op meets on Thursday about the #hosting budget, see https://example.org/minutes/$i\"}" | id_of)
done
proposal=$(api POST /api/v1/coop/proposals "$alice" \
  '{"kind": "general", "title": "Rent a second server", "body": "A second node for upgrades without downtime."}' | id_of)
api POST /api/v1/coop/ledger/transactions "$tess" \
  '{"memo": "Hosting, March", "counterparty": "Hetzner", "category": "hosting", "postings": [{"account": "expenses:hosting", "amount": 4250, "currency": "EUR"}, {"account": "assets:bank", "amount": -4250, "currency": "EUR"}]}' \
  >/dev/null

# Signed in as a browser is: the sign-in form with its CSRF cookie, then the session cookie.
jar=$TMP/cookies
curl -fsS -c "$jar" -o /dev/null "$base/auth/sign_in"
csrf=$(awk '$6 == "herd_csrf" { print $7 }' "$jar")
curl -sS -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf_token=$csrf" \
  --data-urlencode login=alice@example.org --data-urlencode 'password=correct horse battery' \
  --data-urlencode return_to=/home "$base/auth/sign_in"
session=$(awk '$6 == "herd_session" { print $7 }' "$jar")
[ -n "$session" ] || { say "signing in gave no session cookie"; exit 1; }
cookie="herd_session=$session"

# Sizes as Herd serves them gzipped (it compresses text itself: docs/performance.md#compression).
curl -fsS -H "Cookie: $cookie" "$base/home" >"$TMP/home.html"
posts=$(grep -o '<article' "$TMP/home.html" | wc -l)
css_url=$(grep -o '/static/herd\.[0-9a-f]*\.css' "$TMP/home.html" | head -n 1)
js_url=$(grep -o '/static/herd\.[0-9a-f]*\.js' "$TMP/home.html" | head -n 1)
curl -fsS "$base$css_url" >"$TMP/herd.css"
curl -fsS "$base$js_url" >"$TMP/herd.js"
gz() { # path [curl arguments…]: the bytes of the gzip answer, which must say it is gzip
  local path=$1; shift
  curl -fsS -D "$TMP/gz.headers" -o "$TMP/gz.body" -H 'Accept-Encoding: gzip' "$@" "$base$path"
  grep -qi '^content-encoding: gzip' "$TMP/gz.headers" || { say "$path was not served gzipped"; return 1; }
  wc -c <"$TMP/gz.body"
}
home_gz=$(gz /home -H "Cookie: $cookie")
css_gz=$(gz "$css_url")
js_gz=$(gz "$js_url")
say "sizes gzipped: /home ($posts articles, $(wc -c <"$TMP/home.html") bytes) $home_gz B (budget 40960); herd.css $css_gz B (20480); herd.js $js_gz B (15360)"
[ "$posts" -ge 20 ] || { say "/home shows $posts articles, not 20"; exit 1; }
over=
[ "$home_gz" -le 40960 ] || over="$over /home"
[ "$css_gz" -le 20480 ] || over="$over herd.css"
[ "$js_gz" -le 15360 ] || over="$over herd.js"
[ -z "$over" ] || { say "over issue 14's size budget:$over"; exit 1; }

say "lighthouse $LH_VERSION (node $(node --version), $(chromium --version 2>/dev/null | tail -n 1))"
timeout 240 node .ci/lighthouse/run.mjs "$base" "$cookie" /@alice "/@alice/$status" /home \
  "/proposals/$proposal" /ledger </dev/null
say "passed"
