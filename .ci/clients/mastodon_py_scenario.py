#!/usr/bin/env python3
"""Mastodon.py 2.3.3 daily-use scenario against a running herd (issue 3, "prove it with real
clients"): log in, post with a content warning and in each visibility, upload a PNG and attach it,
post a poll and vote on bob's, follow bob, page the home timeline, receive a notification and a
streamed update (SSE), read bob's favourite as a notification group (/api/v2/notifications), see
the link preview card of a post linking a page served here, quote bob's post (bob lists, revokes
it and closes it to quotes). The video upload and the card need scenario_site.py's helpers.

Usage: mastodon_py_scenario.py BASE_URL EMAIL PASSWORD USERNAME BOB_TOKEN

BOB_TOKEN is a "read write follow" token of a second local user, bob, who plays the other side
(his poll, his mention of the client's user, his post that must arrive on the stream).
Exits non-zero with a message naming the failing step.
"""

import struct
import sys
import tempfile
import threading
import time
import traceback
import uuid
import warnings
import zlib

import requests

from scenario_site import have_ffmpeg, make_mp4, serve_site
from mastodon import Mastodon, MastodonAPIError, MastodonError, MastodonNotFoundError, StreamListener

SCOPES = ["read", "write", "follow"]
WAIT = 10.0  # seconds any asynchronous effect (queued fan-out, stream event) may take


class Step:
    """Runs one named check; on failure prints what was being done and exits 1."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.start = time.monotonic()
        return self

    def __exit__(self, kind, err, tb):
        took = (time.monotonic() - self.start) * 1000
        if err is None:
            print(f"  ok   {self.name} ({took:.0f} ms)")
            return False
        print(f"  FAIL {self.name}: {kind.__name__}: {err}", file=sys.stderr)
        traceback.print_exception(kind, err, tb, file=sys.stderr)
        sys.exit(1)


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def wait_for(what, probe, timeout=WAIT):
    """Polls probe() until it returns something truthy; raises naming `what` after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen within {timeout:.0f} s")
        time.sleep(0.2)


def png(width=8, height=8):
    """A small valid RGB PNG, made here so the script needs no image library."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + b"".join(bytes([(x * 32) % 256, (y * 32) % 256, 128]) for x in range(width)) for y in range(height)
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class Collector(StreamListener):
    def __init__(self):
        super().__init__()
        self.updates = []
        self.notifications = []
        self.errors = []
        self.lock = threading.Lock()

    def on_update(self, status):
        with self.lock:
            self.updates.append(status)

    def on_notification(self, notification):
        with self.lock:
            self.notifications.append(notification)

    def on_abort(self, err):
        with self.lock:
            self.errors.append(err)

    def find_update(self, marker):
        with self.lock:
            return next((s for s in self.updates if marker in s["content"]), None)


def main():
    if len(sys.argv) != 6:
        sys.exit(f"usage: {sys.argv[0]} BASE_URL EMAIL PASSWORD USERNAME BOB_TOKEN")
    base, email, password, username, bob_token = sys.argv[1:6]
    base = base.rstrip("/")
    warnings.simplefilter("error")  # any warning Mastodon.py raises is a conformance bug
    run = uuid.uuid4().hex[:8]  # keeps re-runs against one server apart
    print(f"Mastodon.py scenario against {base} (run {run})")

    with Step("create_app + log_in (password grant)"):
        client_id, client_secret = Mastodon.create_app("herd-ci-scenario", api_base_url=base, scopes=SCOPES)
        api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base, request_timeout=15)
        api.log_in(email, password, scopes=SCOPES, allow_http=True)
        me = api.me()
        check(me["username"] == username, f"logged in as {me['username']!r}")
    bob = Mastodon(access_token=bob_token, api_base_url=base, request_timeout=15)
    bob_me = bob.me()

    with Step("status_post with spoiler_text (content warning)"):
        cw = api.status_post(f"behind the warning {run}", spoiler_text="cw: spoilers", visibility="public")
        check(cw["spoiler_text"] == "cw: spoilers", f"spoiler_text is {cw['spoiler_text']!r}")
        check(cw["sensitive"] is True, "a status with a content warning is sensitive in Mastodon")
        check(f"behind the warning {run}" in cw["content"], f"content is {cw['content']!r}")

    posted = {}
    for visibility in ("public", "unlisted", "private", "direct"):
        with Step(f"status_post visibility={visibility}"):
            text = f"@bob {visibility} post {run}" if visibility == "direct" else f"{visibility} post {run}"
            s = api.status_post(text, visibility=visibility)
            check(s["visibility"] == visibility, f"visibility came back as {s['visibility']!r}")
            got = api.status(s["id"])
            check(got["visibility"] == visibility, f"GET /statuses/:id says {got['visibility']!r}")
            posted[visibility] = s
    with Step("direct post reaches the mentioned bob, private post does not (bob does not follow)"):
        check(bob.status(posted["direct"]["id"])["id"] == posted["direct"]["id"], "bob cannot read the DM")
        try:
            bob.status(posted["private"]["id"])
        except MastodonError:
            pass
        else:
            raise AssertionError("bob, not a follower, can read a followers-only status")

    with Step("media_post (POST /api/v2/media, synchronous) + status with media_ids"):
        media = api.media_post(png(), mime_type="image/png", description="a test pattern", synchronous=True)
        check(media["type"] == "image", f"media type is {media['type']!r}")
        check(media["url"], "processed media has no url")
        check(media["description"] == "a test pattern", f"description is {media['description']!r}")
        # As in Mastodon, GET /api/v1/media/:id answers only while the media is unattached.
        check(api.media(media["id"])["id"] == media["id"], "GET /api/v1/media/:id")
        s = api.status_post(f"with a picture {run}", media_ids=[media["id"]], sensitive=False)
        check(len(s["media_attachments"]) == 1, f"{len(s['media_attachments'])} attachments")
        check(s["media_attachments"][0]["id"] == media["id"], "the attachment is not the uploaded media")

    if not have_ffmpeg():
        print("  skip video upload: ffmpeg is not installed (.ci/ffmpeg.sh installs it)")
    else:
        with Step("media_post of a video (POST /api/v2/media → 202, url null; polled until processed) + status"):
            with tempfile.TemporaryDirectory() as tmp:
                with open(make_mp4(f"{tmp}/clip.mp4"), "rb") as f:
                    clip = f.read()
            # Not synchronous=True: Mastodon.py would sleep 5 s between polls; poll as apps do.
            video = api.media_post(clip, mime_type="video/mp4", description="a test clip")
            check(video["url"] is None, f"a video still processing has url {video['url']!r} (Mastodon: null)")
            pending = video["id"]

            def processed():
                m = api.media(pending)
                return m if m["url"] else None

            video = wait_for("the video processed (url set)", processed)
            check(video["type"] == "video", f"media type is {video['type']!r}")
            check(video["url"], "processed video has no url")
            check(video["preview_url"], "processed video has no preview frame")
            check(video["meta"]["original"]["width"] == 64, f"meta is {video['meta']!r}")
            check(video["meta"]["fps"] == 10, f"meta is {video['meta']!r}")
            s = api.status_post(f"with a clip {run}", media_ids=[video["id"]])
            check(s["media_attachments"][0]["type"] == "video", "the status has no video")

    with Step("make_poll + status_post(poll=...) (JSON body)"):
        poll = api.make_poll(["tea", "coffee", "water"], expires_in=3600, multiple=True)
        s = api.status_post(f"drinks? {run}", poll=poll)
        check(s["poll"] is not None, "the status has no poll")
        check([o["title"] for o in s["poll"]["options"]] == ["tea", "coffee", "water"], "poll options differ")
        check(s["poll"]["multiple"] is True, "poll is not multiple-choice")

    with Step("poll_vote on bob's poll (POST /api/v1/polls/:id/votes)"):
        theirs = bob.status_post(f"bob asks {run}", poll=bob.make_poll(["yes", "no"], expires_in=3600))
        voted = api.poll_vote(theirs["poll"]["id"], [1])
        check(voted["voted"] is True, "poll says not voted")
        check(voted["own_votes"] == [1], f"own_votes is {voted['own_votes']!r}")
        check(voted["votes_count"] == 1, f"votes_count is {voted['votes_count']!r}")

    with Step("account_follow(account_lookup('bob'))"):
        target = api.account_lookup("bob")
        check(target["id"] == bob_me["id"], "lookup found another account")
        rel = api.account_follow(target["id"])
        check(rel["following"] is True, f"relationship after follow: {dict(rel)}")

    with Step("bad input comes back as Mastodon-shaped errors Mastodon.py maps to exceptions"):
        for kwargs, what in (
            ({"status": "x" * 501}, "a 501-character status"),
            ({"status": "hi", "poll": api.make_poll([str(i) for i in range(9)], expires_in=3600)}, "a poll of 9 options"),
            ({"status": "hi", "media_ids": ["999999999"]}, "an unknown media id"),
        ):
            try:
                api.status_post(**kwargs)
            except MastodonAPIError as e:
                code, message = e.args[1], e.args[3]
                check(code == 422, f"{what}: HTTP {code}, expected 422")
                check(isinstance(message, str) and message, f"{what}: no error message")
            else:
                raise AssertionError(f"{what} was accepted")
        try:
            api.status("1")
        except MastodonNotFoundError:
            pass
        else:
            raise AssertionError("GET /api/v1/statuses/1 answered")

    with Step("interactions: reply, reblog, favourite, bookmark, context, edit + history, delete"):
        target = bob.status_post(f"bob says {run}", visibility="public")
        reply = api.status_reply(target, f"a reply {run}")
        check(reply["in_reply_to_id"] == target["id"], "reply has no in_reply_to_id")
        check(reply["mentions"] and reply["mentions"][0]["acct"] == "bob", "status_reply did not mention bob")
        reblog = api.status_reblog(target["id"])
        check(reblog["reblog"]["id"] == target["id"] and reblog["reblog"]["reblogged"] is True, "reblog shape")
        check(api.status_favourite(target["id"])["favourited"] is True, "not favourited")
        check(api.status_bookmark(target["id"])["bookmarked"] is True, "not bookmarked")
        check(any(b["id"] == target["id"] for b in api.bookmarks()), "bookmarks() lacks the status")
        ctx = api.status_context(target["id"])
        check([d["id"] for d in ctx["descendants"]] == [reply["id"]], f"context descendants {ctx['descendants']}")
        edited = api.status_update(reply["id"], f"@bob an edited reply {run}", spoiler_text="edited cw")
        check("edited reply" in edited["content"] and edited["edited_at"], "edit not applied")
        history = api.status_history(reply["id"])
        check(len(history) == 2, f"history has {len(history)} versions")
        check(api.status_source(reply["id"])["spoiler_text"] == "edited cw", "status_source spoiler_text")
        gone = api.status_delete(reply["id"])
        check(gone["text"] == f"@bob an edited reply {run}", f"delete returns text {gone.get('text')!r} for redraft")
        try:
            api.status(reply["id"])
        except MastodonError:
            pass
        else:
            raise AssertionError("a deleted status still answers")
        found = api.search_v2("bob", result_type="accounts")
        check(any(a["id"] == bob_me["id"] for a in found["accounts"]), "search_v2 does not find bob")

    with Step("timeline_home paged with fetch_next (Link rel=next)"):
        # Alice has made at least 8 statuses above; 3 per page means three pages.
        page = api.timeline_home(limit=3)
        seen, pages = [], 0
        while page and pages < 10:
            check(len(page) <= 3, f"a page of {len(page)} statuses with limit=3")
            seen.extend(s["id"] for s in page)
            pages += 1
            page = api.fetch_next(page)
        check(pages >= 3, f"only {pages} page(s) of home timeline")
        newest = api.timeline_home(limit=3)
        check(api.fetch_previous(newest) in (None, []), "Link rel=prev of the newest page found newer statuses")
        check(len(seen) == len(set(seen)), "pages overlap")
        check(seen == sorted(seen, key=int, reverse=True), "home timeline is not newest first")
        for visibility in ("public", "unlisted", "private", "direct"):
            check(posted[visibility]["id"] in seen, f"own {visibility} status missing from home")

    with Step("notifications(): bob mentions alice -> a mention notification"):
        mention = bob.status_post(f"@{username} hello {run}", visibility="public")
        n = wait_for(
            "mention notification",
            lambda: next(
                (n for n in api.notifications(types=["mention"]) if n["status"] and n["status"]["id"] == mention["id"]),
                None,
            ),
        )
        check(n["account"]["id"] == bob_me["id"], "the notification is not from bob")

    with Step("stream_user over SSE: bob's new post arrives as an update, his favourite as a notification"):
        listener = Collector()
        handle = api.stream_user(listener, run_async=True, timeout=WAIT, reconnect_async=False)
        try:
            # The handle connects on its own thread; post only once the stream is established.
            wait_for("SSE connection to /api/v1/streaming/user", handle.is_receiving, 5)
            marker = f"streamed {run}"
            bob.status_post(marker, visibility="public")
            got = wait_for("update event on the user stream", lambda: listener.find_update(marker) or listener.errors)
            check(not isinstance(got, list), f"stream aborted: {got!r}")
            check(got["account"]["id"] == bob_me["id"], "the streamed status is not bob's")
            # And a notification event: bob favourites alice's public post.
            bob.status_favourite(posted["public"]["id"])

            def favourited():
                with listener.lock:
                    return next(
                        (n for n in listener.notifications
                         if n["type"] == "favourite" and n["status"]["id"] == posted["public"]["id"]),
                        None,
                    ) or listener.errors

            n = wait_for("favourite notification event on the user stream", favourited)
            check(not isinstance(n, list), f"stream aborted: {n!r}")
            check(n["account"]["id"] == bob_me["id"], "the streamed notification is not from bob")
        finally:
            # requests' close() waits for the reader thread's blocking read (up to the read
            # timeout); close from a daemon thread so the scenario does not sit out that wait.
            threading.Thread(target=handle.close, daemon=True).start()

    with Step("grouped_notifications (GET /api/v2/notifications): bob's favourite as a group, its key and accounts"):
        grouped = api.grouped_notifications(types=["favourite", "mention"], grouped_types=["favourite"])
        group = next((g for g in grouped["notification_groups"]
                      if g["type"] == "favourite" and g["status_id"] == posted["public"]["id"]), None)
        check(group, f"no favourite group for {posted['public']['id']}: {grouped['notification_groups']!r}")
        check(bob_me["id"] in group["sample_account_ids"], f"sample_account_ids {group['sample_account_ids']!r}")
        check(group["notifications_count"] >= 1, f"notifications_count {group['notifications_count']!r}")
        check(any(a["id"] == bob_me["id"] for a in grouped["accounts"]), "bob is not among the accounts")
        check(any(s["id"] == posted["public"]["id"] for s in grouped["statuses"]), "the status is not among statuses")
        check(any(g["type"] == "mention" for g in grouped["notification_groups"]), "the mention group is missing")
        one = api.grouped_notification(group["group_key"])
        check([g["group_key"] for g in one["notification_groups"]] == [group["group_key"]],
              f"GET /api/v2/notifications/:group_key gave {one['notification_groups']!r}")
        who = api.grouped_notification_accounts(group["group_key"])
        check([a["id"] for a in who] == [bob_me["id"]], f"accounts of the group: {[a['id'] for a in who]}")
        try:
            api.grouped_notification("favourite-no-such-group")
        except MastodonNotFoundError:
            pass
        else:
            raise AssertionError("an unknown group key answered")

    with Step("link preview card: a post linking a local page gets its card (queued fetch), status_card agrees"):
        site = serve_site()
        link = f"{site}/article/{run}"
        s = api.status_post(f"read this {link}", visibility="public")
        got = wait_for("the card on the status", lambda: api.status(s["id"])["card"])
        check(got["url"] == link and got["title"] == f"Article {run}", f"card is {dict(got)!r}")
        check(got["type"] == "link" and got["provider_name"] == "Scenario News", f"card is {dict(got)!r}")
        check(got["image"] and got["image"].startswith(base), f"card image is not a local preview: {got['image']!r}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # status_card is deprecated in Mastodon.py too
            check(api.status_card(s["id"])["url"] == link, "GET /api/v1/statuses/:id/card")

    with Step("quote post (Mastodon 4.5): quoted_status_id, bob lists the quote and revokes it"):
        # Through Mastodon.py's own parameter where this version has it, else the same request
        # raw (requests is Mastodon.py's own dependency).
        def raw(method, path, **body):
            r = requests.request(method, f"{base}{path}", json=body or None, timeout=15,
                                 headers={"Authorization": f"Bearer {api.access_token}"})
            return r.status_code, r.json()

        def bob_raw(method, path, **body):
            r = requests.request(method, f"{base}{path}", json=body or None, timeout=15,
                                 headers={"Authorization": f"Bearer {bob_token}"})
            return r.status_code, r.json()

        original = bob.status_post(f"bob's quotable words {run}", visibility="public")
        try:
            q = api.status_post(f"quoting bob {run}", quoted_status_id=original["id"])
        except TypeError:
            code, q = raw("POST", "/api/v1/statuses", status=f"quoting bob {run}", quoted_status_id=original["id"])
            check(code == 200, f"POST /api/v1/statuses with quoted_status_id: HTTP {code} {q}")
        check(q["quote"] and q["quote"]["state"] == "accepted", f"quote is {q['quote']!r}")
        check(q["quote"]["quoted_status"]["id"] == original["id"], "the quote shows another post")
        code, listed = bob_raw("GET", f"/api/v1/statuses/{original['id']}/quotes")
        check(code == 200 and [s["id"] for s in listed] == [q["id"]], f"quotes of bob's post: {code} {listed}")
        code, revoked = bob_raw("POST", f"/api/v1/statuses/{original['id']}/quotes/{q['id']}/revoke")
        check(code == 200 and revoked["quote"]["state"] == "revoked", f"revoke: {code} {revoked}")
        code, closed = bob_raw("PUT", f"/api/v1/statuses/{original['id']}/interaction_policy",
                               quote_approval_policy="nobody")
        check(code == 200 and closed["quote_approval"]["automatic"] == [], f"interaction_policy: {code} {closed}")
        code, refused = raw("POST", "/api/v1/statuses", status="again", quoted_status_id=original["id"])
        check(code == 422 and refused.get("error"), f"a quote the policy forbids: HTTP {code} {refused}")

    print(
        f"Mastodon.py scenario: @{me['acct']} posted CW + 4 visibilities + media + poll, voted, followed "
        f"@{bob_me['acct']}, paged home ({len(seen)} statuses in {pages} pages), got a mention, a streamed update and a streamed notification"
    )


if __name__ == "__main__":
    try:
        main()
    except MastodonError as e:
        sys.exit(f"Mastodon.py error: {e}")
