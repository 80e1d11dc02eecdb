#!/usr/bin/env python3
"""Shape check: compare the keys and JSON types of Herd's responses with the responses a real
Mastodon recorded in Mastodon.py's published test cassettes (research/mastodon-client-api.md §1.2).

    shape_check.py CASSETTE_DIR BASE_URL TOKEN_A TOKEN_B ACCOUNT_B_ID

CASSETTE_DIR is `tests/cassettes` of the Mastodon.py 2.3.3 sdist, downloaded at CI time (never
committed). The script drives a small scenario on the running server with two users' tokens,
records every JSON response by (method, path pattern), and reports, for each endpoint both sides
have: keys Mastodon sends that Herd does not (missing), and keys whose JSON type differs. Keys that
only newer Mastodon versions send (4.3+: quotes, collections …) are listed separately and do not
fail the check. Exit 1 when a Tier 1 endpoint misses a key.
"""
import json
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path

import yaml

# Fields Mastodon added after the 4.2 Herd claims; reported, never required.
NEWER = {
    "quote", "quotes_count", "quote_approval", "quote_policy", "feature_approval", "show_media",
    "show_media_replies", "show_featured", "collection_limit", "avatar_description",
    "header_description", "attribution_domains", "api_versions", "timelines_access",
    "limited_federation", "terms_of_service", "min_age", "reason_required", "tos_url",
    "tagged_collections", "collection", "fallback", "wrapstodon", "max_avatar_description_length",
    "max_header_description_length", "profile_field_name_limit", "profile_field_value_limit",
}
# Whole paths that are newer, where the leaf name alone is too common to list above.
NEWER_PATHS = {"thumbnail.description"}
# Objects whose keys are data (languages, timeline names), not schema.
DATA_MAPS = {"translations", "versions"}
# Keys of another entity a route can also answer with (POST /statuses with scheduled_at
# answers a ScheduledStatus).
ALTERNATIVES = {("POST", "/api/v1/statuses"): {"params", "scheduled_at"}, ("GET", "/api/v1/markers"): {"home", "notifications"}}

# Tier 1 of research §2: these must show every (non-newer) key Mastodon sends.
TIER1 = {
    ("GET", "/api/v1/accounts/verify_credentials"), ("GET", "/api/v1/accounts/:id"),
    ("GET", "/api/v1/accounts/lookup"), ("GET", "/api/v1/accounts/:id/statuses"),
    ("GET", "/api/v1/accounts/:id/followers"), ("GET", "/api/v1/accounts/:id/following"),
    ("POST", "/api/v1/accounts/:id/follow"), ("POST", "/api/v1/accounts/:id/unfollow"),
    ("GET", "/api/v1/accounts/relationships"), ("POST", "/api/v1/statuses"),
    ("GET", "/api/v1/statuses/:id"), ("DELETE", "/api/v1/statuses/:id"),
    ("GET", "/api/v1/statuses/:id/context"), ("POST", "/api/v1/statuses/:id/reblog"),
    ("POST", "/api/v1/statuses/:id/favourite"), ("GET", "/api/v1/timelines/home"),
    ("GET", "/api/v1/timelines/public"), ("GET", "/api/v1/notifications"),
    ("GET", "/api/v1/instance"), ("POST", "/api/v1/apps"),
}

ID = re.compile(r"^(\d{1,20}|[0-9a-f]{16,})$")


def pattern(path):
    parts = path.split("?")[0].rstrip("/").split("/")
    out = []
    for i, p in enumerate(parts):
        if ID.match(p) or (i > 0 and parts[i - 1] == "tag" and p):
            out.append(":id")
        else:
            out.append(p)
    return "/".join(out) or "/"


def kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def shape(v, into, prefix=""):
    """Collects `path -> set of JSON types` for every key, looking into objects and arrays."""
    if isinstance(v, list):
        for item in v[:20]:
            shape(item, into, prefix + "[]")
        return
    if not isinstance(v, dict):
        return
    for k, child in v.items():
        key = f"{prefix}.{k}" if prefix else k
        into.setdefault(key, set()).add(kind(child))
        shape(child, into, key)


def load_mastodon(cassette_dir):
    shapes = {}
    for f in sorted(Path(cassette_dir).glob("*.yaml")):
        doc = yaml.load(f.read_text(), Loader=yaml.CSafeLoader)
        for it in (doc or {}).get("interactions", []):
            req, res = it["request"], it["response"]
            if res["status"]["code"] >= 300:
                continue
            try:
                body = json.loads(res["body"]["string"])
            except (ValueError, TypeError, KeyError):
                continue
            path = req["uri"].split("://", 1)[-1]
            path = "/" + path.split("/", 1)[1] if "/" in path else "/"
            shape(body, shapes.setdefault((req["method"], pattern(path)), {}))
    return shapes


class Recorder:
    def __init__(self, base):
        self.base = base
        self.shapes = {}

    def call(self, method, path, token=None, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                value = json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            print(f"  note: {method} {path} -> {e.code}")
            return None
        shape(value, self.shapes.setdefault((method, pattern(path)), {}))
        return value


def scenario(r, a, b, b_id):
    """A day of use: post, reply, follow, favourite, boost, read timelines and notifications."""
    r.call("GET", "/api/v1/instance")
    r.call("GET", "/api/v2/instance")
    r.call("GET", "/api/v1/instance/rules")
    r.call("POST", "/api/v1/apps", body={"client_name": "shape", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"})
    me = r.call("GET", "/api/v1/accounts/verify_credentials", a)
    r.call("GET", f"/api/v1/accounts/{b_id}", a)
    r.call("GET", "/api/v1/accounts/lookup?acct=" + me["username"], a)
    r.call("POST", f"/api/v1/accounts/{b_id}/follow", a, {})
    r.call("GET", f"/api/v1/accounts/relationships?id[]={b_id}", a)
    s = r.call("POST", "/api/v1/statuses", b, {"status": "hello #shape @" + me["username"], "spoiler_text": "cw"})
    reply = r.call("POST", "/api/v1/statuses", a, {"status": "hi back", "in_reply_to_id": s["id"]})
    r.call("GET", f"/api/v1/statuses/{s['id']}", a)
    r.call("GET", f"/api/v1/statuses/{s['id']}/context", a)
    r.call("POST", f"/api/v1/statuses/{s['id']}/favourite", a, {})
    r.call("POST", f"/api/v1/statuses/{s['id']}/reblog", a, {})
    r.call("POST", f"/api/v1/statuses/{s['id']}/bookmark", a, {})
    r.call("GET", f"/api/v1/statuses/{s['id']}/favourited_by", a)
    r.call("GET", f"/api/v1/statuses/{s['id']}/reblogged_by", a)
    r.call("GET", f"/api/v1/accounts/{b_id}/statuses", a)
    r.call("GET", f"/api/v1/accounts/{b_id}/followers", a)
    r.call("GET", f"/api/v1/accounts/{me['id']}/following", a)
    r.call("GET", "/api/v1/timelines/home", a)
    r.call("GET", "/api/v1/timelines/public", a)
    r.call("GET", "/api/v1/timelines/tag/shape", a)
    r.call("GET", "/api/v1/notifications", b)
    r.call("GET", "/api/v1/bookmarks", a)
    r.call("GET", "/api/v1/favourites", a)
    r.call("GET", "/api/v1/preferences", a)
    r.call("GET", "/api/v1/markers?timeline[]=home", a)
    r.call("GET", f"/api/v1/statuses/{s['id']}/history", a)
    r.call("POST", f"/api/v1/accounts/{b_id}/unfollow", a, {})
    r.call("DELETE", f"/api/v1/statuses/{reply['id']}", a)


# Mastodon sends `pinned` only on the viewer's own statuses; the recorded viewer owned them.
VIEWER_DEPENDENT = {"pinned"}


def judgeable(key, mine):
    """A nested key can only be judged where ours had a value to look into: an element of the
    array, or an object rather than null (no poll, no card, not a reblog)."""
    if "." not in key:
        return key.split("[]")[-1] not in VIEWER_DEPENDENT
    parent, leaf = key.rsplit(".", 1)
    if parent.split(".")[-1].rstrip("[]") in DATA_MAPS or any(p in DATA_MAPS for p in parent.split(".")):
        return False
    if leaf in VIEWER_DEPENDENT:
        return False
    if parent.endswith("[]"):
        return any(k.startswith(parent + ".") for k in mine)
    return parent in mine and bool(mine[parent] & {"object", "array"})


def compare(mastodon, ours):
    failures, report = 0, []
    for key in sorted(ours):
        if key not in mastodon:
            continue
        theirs, mine = mastodon[key], ours[key]
        missing = sorted(
            k
            for k in theirs
            if k not in mine
            and judgeable(k, mine)
            and k not in NEWER_PATHS
            and k.split(".")[0].split("[]")[0] not in ALTERNATIVES.get(key, set())
            and not any(p in NEWER for p in k.replace("[]", "").split("."))
        )
        newer = sorted(k for k in theirs if k not in mine and k not in missing)
        mismatched = sorted(
            k for k in theirs
            if k in mine and (theirs[k] - {"null"}) and (mine[k] - {"null"}) and not (theirs[k] - {"null"}) & (mine[k] - {"null"})
        )
        tier1 = key in TIER1
        if missing and tier1:
            failures += len(missing)
        report.append((key, tier1, missing, mismatched, newer))
    return failures, report


def main():
    cassettes, base, token_a, token_b, b_id = sys.argv[1:6]
    mastodon = load_mastodon(cassettes)
    r = Recorder(base.rstrip("/"))
    scenario(r, token_a, token_b, b_id)
    failures, report = compare(mastodon, r.shapes)
    print(f"shape check: {len(r.shapes)} endpoints exercised, {sum(1 for k in r.shapes if k in mastodon)} also recorded from Mastodon")
    for (method, path), tier1, missing, mismatched, newer in report:
        tag = "tier1" if tier1 else "     "
        status = "ok" if not missing and not mismatched else "DIFF"
        print(f"  {status:4} {tag} {method:6} {path}")
        for k in missing:
            print(f"         missing: {k}")
        for k in mismatched:
            print(f"         type differs: {k}")
        if newer:
            print(f"         (newer than 4.2, not required: {len(newer)} keys)")
    print(f"shape check: {failures} missing key(s) on Tier 1 endpoints")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
