#!/usr/bin/env bash
# Makes the video and audio tests (tests/media_av.rs) and the clients' video upload runnable:
# installs Debian's ffmpeg (ffmpeg and ffprobe) when it is missing. Safe to run twice.
#
# Progress goes to stderr; stdout is only the export the tests need, so a caller can do
#   eval "$(bash .ci/ffmpeg.sh)"
set -euo pipefail
say() { printf 'ffmpeg.sh: %s\n' "$*" >&2; }

start=$SECONDS
if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { say "ffmpeg missing and not root: apt-get install ffmpeg"; exit 1; }
  say "apt-get install ffmpeg"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
fi
say "$(ffmpeg -version | head -n 1 | cut -d' ' -f1-3) ($((SECONDS - start)) s)"

echo "export HERD_TEST_REQUIRE_FFMPEG=1"
