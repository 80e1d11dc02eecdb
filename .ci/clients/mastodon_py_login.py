#!/usr/bin/env python3
"""Mastodon.py 2.3.3 conformance: register an app, log in with the password grant, read the
account and the instance, verify the app, revoke the token.

Usage: mastodon_py_login.py BASE_URL [EMAIL PASSWORD USERNAME]
Exits non-zero with a message naming the failing step.
"""

import sys
import traceback
import warnings

from mastodon import Mastodon, MastodonError, MastodonUnauthorizedError

SCOPES = ["read", "write", "follow"]


class Step:
    """Runs one named check; on failure prints what was being done and exits 1."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        return self

    def __exit__(self, kind, err, tb):
        if err is None:
            print(f"  ok   {self.name}")
            return False
        print(f"  FAIL {self.name}: {kind.__name__}: {err}", file=sys.stderr)
        traceback.print_exception(kind, err, tb, file=sys.stderr)
        sys.exit(1)


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def main():
    if len(sys.argv) not in (2, 5):
        sys.exit(f"usage: {sys.argv[0]} BASE_URL [EMAIL PASSWORD USERNAME]")
    base = sys.argv[1].rstrip("/")
    email, password, username = (
        sys.argv[2:5] if len(sys.argv) == 5 else ("alice@example.org", "correct horse battery", "alice")
    )
    # Any warning Mastodon.py raises (deprecation, "no API version found", ...) is a conformance bug.
    warnings.simplefilter("error")
    print(f"Mastodon.py against {base}")

    with Step("create_app (POST /api/v1/apps)"):
        client_id, client_secret = Mastodon.create_app("herd-ci", api_base_url=base, scopes=SCOPES)
        check(client_id and client_secret, f"empty credentials: {client_id!r}, {client_secret!r}")

    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)

    with Step("oauth_authorization_server_info (GET /.well-known/oauth-authorization-server)"):
        meta = api.oauth_authorization_server_info()
        check(meta.get("token_endpoint"), f"no token_endpoint in {dict(meta)}")

    with Step("log_in (password grant, POST /oauth/token)"):
        token = api.log_in(email, password, scopes=SCOPES, allow_http=True)
        check(token, "empty access token")

    with Step("me (GET /api/v1/accounts/verify_credentials)"):
        me = api.me()
        check(me["username"] == username, f"username is {me.get('username')!r}, expected {username!r}")
        check(me["acct"] == username, f"acct is {me.get('acct')!r}, expected {username!r}")

    with Step("app_verify_credentials (GET /api/v1/apps/verify_credentials)"):
        app = api.app_verify_credentials()
        check(app["name"] == "herd-ci", f"app name is {app.get('name')!r}")

    with Step("instance_v1 (GET /api/v1/instance/)"):
        v1 = api.instance_v1()
        check(v1.get("uri"), "v1 instance has no uri")
        check(v1.get("version"), "v1 instance has no version")

    with Step("instance_v2 (GET /api/v2/instance/)"):
        v2 = api.instance_v2()
        check(v2.get("domain"), "v2 instance has no domain")
        check(v2.get("version"), "v2 instance has no version")

    with Step("retrieve_mastodon_version (v1 version + v2 api_versions)"):
        version = api.retrieve_mastodon_version(fail_hard=True)
        check(api.mastodon_major >= 4, f"parsed version {version!r} is older than 4.0")
        check(
            getattr(api, "mastodon_api_version", None) is not None,
            "v2 instance has no api_versions.mastodon",
        )

    with Step("instance (picks v2 by version)"):
        inst = api.instance()
        check(inst.get("domain"), "instance() did not return the v2 shape")

    with Step("revoke_access_token (POST /oauth/revoke), then me() is refused"):
        api.revoke_access_token(allow_http=True)
        api.access_token = token  # Mastodon.py forgets it; reuse it to prove it is dead.
        try:
            api.me()
        except MastodonUnauthorizedError:
            pass
        else:
            raise AssertionError("verify_credentials still answers with a revoked token")

    print(
        f"Mastodon.py: logged in as @{me['acct']} (id {me['id']}) via app {app['name']!r}; "
        f"instance {v2['domain']} reports version {v1['version']!r} -> parsed {version} "
        f"(api {api.mastodon_api_version})"
    )


if __name__ == "__main__":
    try:
        main()
    except MastodonError as e:
        sys.exit(f"Mastodon.py error: {e}")
