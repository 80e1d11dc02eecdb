#!/usr/bin/env python3
"""toot 0.52.1 (the CLI, run as a subprocess) daily-use scenario against a running herd (issue 3):
login_cli, whoami, post with a content warning and in each visibility, post with media, with a
video (toot polls the 202 upload until processed) and with a link whose card appears, with a
poll, vote on bob's poll, follow bob, read the home timeline across pages (Link next), receive a
notification. toot has no streaming command (only its TUI would stream), so the streamed update is
proven by the Mastodon.py and masto scenarios; toot has no command for grouped notifications or
quotes either.

Usage: toot_scenario.py TOOT_BIN BASE_URL EMAIL PASSWORD USERNAME BOB_TOKEN
Every toot call runs with a timeout, its own XDG_CONFIG_HOME, and a checked exit code.
"""

import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
import zlib

from scenario_site import have_ffmpeg, make_mp4, serve_site

TIMEOUT = 30


def fail(msg):
    print(f"  FAIL {msg}", file=sys.stderr)
    sys.exit(1)


def png(width=8, height=8):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + b"".join(bytes([(x * 32) % 256, (y * 32) % 256, 200]) for x in range(width)) for y in range(height)
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class Toot:
    def __init__(self, binary, home):
        self.binary = binary
        # A tall, wide "terminal" so the pager prints every fetched page at once and never waits
        # for a key press; no colours in the output we grep.
        self.env = dict(os.environ, XDG_CONFIG_HOME=home, LINES="100000", COLUMNS="120", NO_COLOR="1", TERM="dumb")

    def run(self, *args, expect_json=False, json_after_progress=False):
        cmd = [self.binary, *args]
        shown = " ".join(a if " " not in a else repr(a) for a in args)
        start = time.monotonic()
        try:
            p = subprocess.run(cmd, env=self.env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            fail(f"toot {shown}: no exit within {TIMEOUT} s")
        took = (time.monotonic() - start) * 1000
        if p.returncode != 0:
            fail(f"toot {shown}: exit {p.returncode}\n--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}")
        print(f"  ok   toot {shown} ({took:.0f} ms)")
        if expect_json:
            out = p.stdout
            if json_after_progress:
                # `toot post --json` prints "Waiting for media to finish processing..." to stdout
                # before the JSON while a video is processed (toot's own progress line).
                out = out[out.find("{"):]
            try:
                return json.loads(out)
            except ValueError as e:
                fail(f"toot {shown}: --json output is not JSON ({e}): {p.stdout[:500]!r}")
        return p.stdout


def check(cond, message):
    if not cond:
        fail(message)


class Bob:
    """The other side, over plain HTTP with bob's token."""

    def __init__(self, base, token):
        self.base, self.token = base, token

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
            return json.load(r)


def main():
    if len(sys.argv) != 7:
        sys.exit(f"usage: {sys.argv[0]} TOOT_BIN BASE_URL EMAIL PASSWORD USERNAME BOB_TOKEN")
    binary, base, email, password, username, bob_token = sys.argv[1:7]
    base = base.rstrip("/")
    run = uuid.uuid4().hex[:8]
    bob = Bob(base, bob_token)
    bob_me = bob.call("GET", "/api/v1/accounts/verify_credentials")
    print(f"toot scenario against {base} as {username} (run {run})")

    with tempfile.TemporaryDirectory(prefix="toot-") as home:
        toot = Toot(binary, home)
        toot.run("login_cli", "--instance", base, "--email", email, "--password", password)
        out = toot.run("whoami")
        check(username in out, f"toot whoami does not mention {username}: {out!r}")
        me = toot.run("whoami", "--json", expect_json=True)
        check(me["username"] == username, f"whoami --json username is {me['username']!r}")

        s = toot.run("post", "-v", "unlisted", "-p", "cw: toot", f"hello from toot {run}", "--json", expect_json=True)
        check(s["spoiler_text"] == "cw: toot", f"spoiler_text is {s['spoiler_text']!r}")
        check(s["visibility"] == "unlisted", f"visibility is {s['visibility']!r}")
        check(f"hello from toot {run}" in s["content"], f"content is {s['content']!r}")

        posted = {}
        for v in ("public", "unlisted", "private", "direct"):
            text = f"@bob toot {v} {run}" if v == "direct" else f"toot {v} {run}"
            s = toot.run("post", "-v", v, text, "--json", expect_json=True)
            check(s["visibility"] == v, f"posted {v}, got {s['visibility']!r}")
            posted[v] = s

        image = os.path.join(home, "pattern.png")
        with open(image, "wb") as f:
            f.write(png())
        s = toot.run("post", "--media", image, "--description", "a test pattern", f"toot picture {run}", "--json",
                     expect_json=True)
        check(len(s["media_attachments"]) == 1, f"{len(s['media_attachments'])} attachments")
        m = s["media_attachments"][0]
        check(m["type"] == "image" and m["description"] == "a test pattern", f"attachment {m!r}")

        if not have_ffmpeg():
            print("  skip video upload: ffmpeg is not installed (.ci/ffmpeg.sh installs it)")
        else:
            # toot uploads to /api/v2/media, gets 202 with url null and polls GET /api/v1/media/:id
            # until the url is set, then posts.
            clip = make_mp4(os.path.join(home, "clip.mp4"))
            s = toot.run("post", "--media", clip, "--description", "a test clip", f"toot clip {run}", "--json",
                         expect_json=True, json_after_progress=True)
            m = s["media_attachments"][0] if s["media_attachments"] else {}
            check(m.get("type") == "video" and m.get("url") and m.get("preview_url"), f"video attachment {m!r}")
            check(m["meta"]["original"]["width"] == 64, f"video meta {m['meta']!r}")

        # A link preview card: Herd fetches the linked page (served here on loopback) in a job.
        link = f"{serve_site()}/article/{run}"
        s = toot.run("post", f"toot reads {link}", "--json", expect_json=True)
        deadline = time.monotonic() + 10
        while True:
            card = toot.run("status", s["id"], "--json", expect_json=True).get("card")
            if card:
                break
            if time.monotonic() > deadline:
                fail(f"no card on status {s['id']} within 10 s")
            time.sleep(0.3)
        check(card["url"] == link and card["title"] == f"Article {run}", f"card {card!r}")

        s = toot.run("post", "--poll-option", "tea", "--poll-option", "coffee", "--poll-expires-in", "1h",
                     f"toot poll {run}", "--json", expect_json=True)
        check(s["poll"] and [o["title"] for o in s["poll"]["options"]] == ["tea", "coffee"], f"poll {s['poll']!r}")

        theirs = bob.call("POST", "/api/v1/statuses",
                          {"status": f"bob polls {run}", "poll": {"options": ["yes", "no"], "expires_in": 3600}})
        p = toot.run("polls", "vote", theirs["poll"]["id"], "0", "--json", expect_json=True)
        check(p["voted"] is True and p["own_votes"] == [0], f"after voting: {p!r}")

        rel = toot.run("follow", "bob", "--json", expect_json=True)
        check(rel["following"] is True, f"relationship after toot follow bob: {rel!r}")
        check(rel["id"] == bob_me["id"], f"toot follow bob followed account {rel['id']}, bob is {bob_me['id']}")

        # Home across pages: 3 per request; the oldest status of this run sits on page 3 or later.
        first = toot.run("timeline", "-1", "--count", "3")
        check(f"toot poll {run}" in first, f"newest own status missing from toot timeline -1:\n{first}")
        check(f"toot public {run}" not in first, "toot timeline -1 --count 3 showed more than one page")
        paged = toot.run("timelines", "home", "--limit", "3", "--pager", "--no-clear")
        for v in ("public", "unlisted", "private"):
            check(f"toot {v} {run}" in paged, f"own {v} status missing from the paged home timeline")

        mention = bob.call("POST", "/api/v1/statuses", {"status": f"@{username} ping from bob {run}"})
        deadline = time.monotonic() + 10
        while True:
            notes = toot.run("notifications", "--json", expect_json=True)
            hit = [n for n in notes if n["type"] == "mention" and n.get("status") and n["status"]["id"] == mention["id"]]
            if hit:
                break
            if time.monotonic() > deadline:
                fail(f"no mention notification for bob's status {mention['id']} within 10 s")
            time.sleep(0.3)
        check(hit[0]["account"]["id"] == bob_me["id"], "the mention is not from bob")
        text = toot.run("notifications", "--mentions")
        check(f"ping from bob {run}" in text, f"toot notifications --mentions does not show bob's mention:\n{text}")

    print(f"toot scenario: CW, 4 visibilities, media, video, card, poll, vote, follow, paged home, mention notification: ok")


if __name__ == "__main__":
    main()
