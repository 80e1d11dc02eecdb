#!/usr/bin/env python3
"""Writes docs/mastodon-api-routes.md: every route of Mastodon's client API (4.5, with the
4.6 experimental ones) against the routes Herd's router serves, found by reading src/ for
`.route("PATH", get(..).post(..))`. With --check it only compares and fails when the doc
is stale (CI runs it in the purity phase), so the table cannot drift from the code.

MASTODON lists the routes of Mastodon's config/routes/api.rb and the OAuth routes of
config/routes.rb (Doorkeeper), expanded by hand from the Rails resources; ids are `:id`.
WHY says, for each route Herd does not serve, why not.
"""
import difflib
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "mastodon-api-routes.md"

MASTODON = [
    # statuses
    "GET /api/v1/statuses",
    "POST /api/v1/statuses",
    "GET /api/v1/statuses/:id",
    "PUT /api/v1/statuses/:id",
    "DELETE /api/v1/statuses/:id",
    "GET /api/v1/statuses/:id/context",
    "GET /api/v1/statuses/:id/reblogged_by",
    "GET /api/v1/statuses/:id/favourited_by",
    "POST /api/v1/statuses/:id/reblog",
    "POST /api/v1/statuses/:id/unreblog",
    "GET /api/v1/statuses/:id/quotes",
    "POST /api/v1/statuses/:id/quotes/:id/revoke",
    "POST /api/v1/statuses/:id/favourite",
    "POST /api/v1/statuses/:id/unfavourite",
    "POST /api/v1/statuses/:id/bookmark",
    "POST /api/v1/statuses/:id/unbookmark",
    "POST /api/v1/statuses/:id/mute",
    "POST /api/v1/statuses/:id/unmute",
    "POST /api/v1/statuses/:id/pin",
    "POST /api/v1/statuses/:id/unpin",
    "GET /api/v1/statuses/:id/history",
    "GET /api/v1/statuses/:id/source",
    "PUT /api/v1/statuses/:id/interaction_policy",
    "POST /api/v1/statuses/:id/translate",
    "GET /api/v1/statuses/:id/card",
    # timelines
    "GET /api/v1/timelines/home",
    "GET /api/v1/timelines/public",
    "GET /api/v1/timelines/link",
    "GET /api/v1/timelines/tag/:id",
    "GET /api/v1/timelines/list/:id",
    "GET /api/v1/timelines/direct",
    # streaming
    "GET /api/v1/streaming",
    "GET /api/v1/streaming/health",
    # misc
    "GET /api/v1/custom_emojis",
    "GET /api/v1/suggestions",
    "DELETE /api/v1/suggestions/:id",
    "GET /api/v1/scheduled_statuses",
    "GET /api/v1/scheduled_statuses/:id",
    "PUT /api/v1/scheduled_statuses/:id",
    "DELETE /api/v1/scheduled_statuses/:id",
    "GET /api/v1/preferences",
    "GET /api/v1/donation_campaigns",
    "GET /api/v1/annual_reports",
    "GET /api/v1/annual_reports/:id",
    "POST /api/v1/annual_reports/:id/read",
    "POST /api/v1/annual_reports/:id/generate",
    "GET /api/v1/annual_reports/:id/state",
    "GET /api/v1/announcements",
    "PUT /api/v1/announcements/:id/reactions/:id",
    "DELETE /api/v1/announcements/:id/reactions/:id",
    "POST /api/v1/announcements/:id/dismiss",
    "GET /api/v1/conversations",
    "DELETE /api/v1/conversations/:id",
    "POST /api/v1/conversations/:id/read",
    "POST /api/v1/conversations/:id/unread",
    "POST /api/v1/media",
    "GET /api/v1/media/:id",
    "PUT /api/v1/media/:id",
    "DELETE /api/v1/media/:id",
    "GET /api/v1/blocks",
    "GET /api/v1/mutes",
    "GET /api/v1/favourites",
    "GET /api/v1/bookmarks",
    "POST /api/v1/reports",
    "GET /api/v1/trends",
    "GET /api/v1/filters",
    "POST /api/v1/filters",
    "GET /api/v1/filters/:id",
    "PUT /api/v1/filters/:id",
    "DELETE /api/v1/filters/:id",
    "GET /api/v1/endorsements",
    "GET /api/v1/markers",
    "POST /api/v1/markers",
    "GET /api/v1/profile",
    "PATCH /api/v1/profile",
    "DELETE /api/v1/profile/avatar",
    "DELETE /api/v1/profile/header",
    "GET /api/v1/apps/verify_credentials",
    "POST /api/v1/apps",
    "GET /api/v1/trends/tags",
    "GET /api/v1/trends/links",
    "GET /api/v1/trends/statuses",
    "POST /api/v1/emails/confirmations",
    "GET /api/v1/emails/check_confirmation",
    # instance
    "GET /api/v1/instance",
    "GET /api/v1/instance/peers",
    "GET /api/v1/instance/rules",
    "GET /api/v1/instance/domain_blocks",
    "GET /api/v1/instance/terms_of_service",
    "GET /api/v1/instance/terms_of_service/:id",
    "GET /api/v1/instance/privacy_policy",
    "GET /api/v1/instance/extended_description",
    "GET /api/v1/instance/translation_languages",
    "GET /api/v1/instance/languages",
    "GET /api/v1/instance/activity",
    "GET /api/v1/peers/search",
    "GET /api/v1/domain_blocks/preview",
    "GET /api/v1/domain_blocks",
    "POST /api/v1/domain_blocks",
    "DELETE /api/v1/domain_blocks",
    "GET /api/v1/directory",
    "GET /api/v1/follow_requests",
    "POST /api/v1/follow_requests/:id/authorize",
    "POST /api/v1/follow_requests/:id/reject",
    # notifications
    "GET /api/v1/notifications/requests",
    "GET /api/v1/notifications/requests/:id",
    "POST /api/v1/notifications/requests/accept",
    "POST /api/v1/notifications/requests/dismiss",
    "GET /api/v1/notifications/requests/merged",
    "POST /api/v1/notifications/requests/:id/accept",
    "POST /api/v1/notifications/requests/:id/dismiss",
    "GET /api/v1/notifications/policy",
    "PATCH /api/v1/notifications/policy",
    "GET /api/v1/notifications",
    "GET /api/v1/notifications/:id",
    "DELETE /api/v1/notifications/:id",
    "POST /api/v1/notifications/clear",
    "DELETE /api/v1/notifications/destroy_multiple",
    "GET /api/v1/notifications/unread_count",
    "POST /api/v1/notifications/:id/dismiss",
    # accounts
    "GET /api/v1/accounts/verify_credentials",
    "PATCH /api/v1/accounts/update_credentials",
    "GET /api/v1/accounts/search",
    "GET /api/v1/accounts/lookup",
    "GET /api/v1/accounts/relationships",
    "GET /api/v1/accounts/familiar_followers",
    "GET /api/v1/accounts",
    "POST /api/v1/accounts",
    "GET /api/v1/accounts/:id",
    "GET /api/v1/accounts/:id/statuses",
    "GET /api/v1/accounts/:id/followers",
    "GET /api/v1/accounts/:id/following",
    "GET /api/v1/accounts/:id/lists",
    "GET /api/v1/accounts/:id/identity_proofs",
    "GET /api/v1/accounts/:id/featured_tags",
    "GET /api/v1/accounts/:id/endorsements",
    "POST /api/v1/accounts/:id/email_subscriptions",
    "POST /api/v1/accounts/:id/follow",
    "POST /api/v1/accounts/:id/unfollow",
    "POST /api/v1/accounts/:id/remove_from_followers",
    "POST /api/v1/accounts/:id/block",
    "POST /api/v1/accounts/:id/unblock",
    "POST /api/v1/accounts/:id/mute",
    "POST /api/v1/accounts/:id/unmute",
    "POST /api/v1/accounts/:id/pin",
    "POST /api/v1/accounts/:id/endorse",
    "POST /api/v1/accounts/:id/unpin",
    "POST /api/v1/accounts/:id/unendorse",
    "POST /api/v1/accounts/:id/note",
    # tags
    "GET /api/v1/tags/:id",
    "POST /api/v1/tags/:id/follow",
    "POST /api/v1/tags/:id/unfollow",
    "POST /api/v1/tags/:id/feature",
    "POST /api/v1/tags/:id/unfeature",
    "GET /api/v1/followed_tags",
    # lists
    "GET /api/v1/lists",
    "POST /api/v1/lists",
    "GET /api/v1/lists/:id",
    "PUT /api/v1/lists/:id",
    "DELETE /api/v1/lists/:id",
    "GET /api/v1/lists/:id/accounts",
    "POST /api/v1/lists/:id/accounts",
    "DELETE /api/v1/lists/:id/accounts",
    "GET /api/v1/featured_tags/suggestions",
    "GET /api/v1/featured_tags",
    "POST /api/v1/featured_tags",
    "DELETE /api/v1/featured_tags/:id",
    "GET /api/v1/polls/:id",
    "POST /api/v1/polls/:id/votes",
    "POST /api/v1/push/subscription",
    "GET /api/v1/push/subscription",
    "PUT /api/v1/push/subscription",
    "DELETE /api/v1/push/subscription",
    # admin
    "GET /api/v1/admin/accounts",
    "GET /api/v1/admin/accounts/:id",
    "DELETE /api/v1/admin/accounts/:id",
    "POST /api/v1/admin/accounts/:id/enable",
    "POST /api/v1/admin/accounts/:id/unsensitive",
    "POST /api/v1/admin/accounts/:id/unsilence",
    "POST /api/v1/admin/accounts/:id/unsuspend",
    "POST /api/v1/admin/accounts/:id/approve",
    "POST /api/v1/admin/accounts/:id/reject",
    "POST /api/v1/admin/accounts/:id/action",
    "GET /api/v1/admin/reports",
    "GET /api/v1/admin/reports/:id",
    "PUT /api/v1/admin/reports/:id",
    "POST /api/v1/admin/reports/:id/assign_to_self",
    "POST /api/v1/admin/reports/:id/unassign",
    "POST /api/v1/admin/reports/:id/reopen",
    "POST /api/v1/admin/reports/:id/resolve",
    "GET /api/v1/admin/domain_allows",
    "GET /api/v1/admin/domain_allows/:id",
    "POST /api/v1/admin/domain_allows",
    "DELETE /api/v1/admin/domain_allows/:id",
    "GET /api/v1/admin/domain_blocks",
    "GET /api/v1/admin/domain_blocks/:id",
    "PUT /api/v1/admin/domain_blocks/:id",
    "POST /api/v1/admin/domain_blocks",
    "DELETE /api/v1/admin/domain_blocks/:id",
    "GET /api/v1/admin/email_domain_blocks",
    "GET /api/v1/admin/email_domain_blocks/:id",
    "POST /api/v1/admin/email_domain_blocks",
    "DELETE /api/v1/admin/email_domain_blocks/:id",
    "GET /api/v1/admin/ip_blocks",
    "GET /api/v1/admin/ip_blocks/:id",
    "PUT /api/v1/admin/ip_blocks/:id",
    "POST /api/v1/admin/ip_blocks",
    "DELETE /api/v1/admin/ip_blocks/:id",
    "GET /api/v1/admin/trends/tags",
    "POST /api/v1/admin/trends/tags/:id/approve",
    "POST /api/v1/admin/trends/tags/:id/reject",
    "GET /api/v1/admin/trends/links",
    "POST /api/v1/admin/trends/links/:id/approve",
    "POST /api/v1/admin/trends/links/:id/reject",
    "GET /api/v1/admin/trends/statuses",
    "POST /api/v1/admin/trends/statuses/:id/approve",
    "POST /api/v1/admin/trends/statuses/:id/reject",
    "GET /api/v1/admin/trends/links/publishers",
    "POST /api/v1/admin/trends/links/publishers/:id/approve",
    "POST /api/v1/admin/trends/links/publishers/:id/reject",
    "POST /api/v1/admin/measures",
    "POST /api/v1/admin/dimensions",
    "POST /api/v1/admin/retention",
    "GET /api/v1/admin/canonical_email_blocks",
    "POST /api/v1/admin/canonical_email_blocks",
    "GET /api/v1/admin/canonical_email_blocks/:id",
    "DELETE /api/v1/admin/canonical_email_blocks/:id",
    "POST /api/v1/admin/canonical_email_blocks/test",
    "GET /api/v1/admin/tags",
    "GET /api/v1/admin/tags/:id",
    "PUT /api/v1/admin/tags/:id",
    # v2
    "GET /api/v2/search",
    "POST /api/v2/media",
    "GET /api/v2/suggestions",
    "GET /api/v2/instance",
    "GET /api/v2/filters",
    "POST /api/v2/filters",
    "GET /api/v2/filters/:id",
    "PUT /api/v2/filters/:id",
    "DELETE /api/v2/filters/:id",
    "GET /api/v2/filters/:id/keywords",
    "POST /api/v2/filters/:id/keywords",
    "GET /api/v2/filters/:id/statuses",
    "POST /api/v2/filters/:id/statuses",
    "GET /api/v2/filters/keywords/:id",
    "PUT /api/v2/filters/keywords/:id",
    "DELETE /api/v2/filters/keywords/:id",
    "GET /api/v2/filters/statuses/:id",
    "DELETE /api/v2/filters/statuses/:id",
    "GET /api/v2/admin/accounts",
    "GET /api/v2/notifications/policy",
    "PATCH /api/v2/notifications/policy",
    "GET /api/v2/notifications",
    "GET /api/v2/notifications/:id",
    "POST /api/v2/notifications/clear",
    "GET /api/v2/notifications/unread_count",
    "POST /api/v2/notifications/:id/dismiss",
    "GET /api/v2/notifications/:id/accounts",
    # experimental
    "GET /api/v1_alpha/async_refreshes/:id",
    "GET /api/v1_alpha/accounts/:id/collections",
    "GET /api/v1_alpha/accounts/:id/in_collections",
    "GET /api/v1_alpha/collections/:id",
    "POST /api/v1_alpha/collections",
    "PATCH /api/v1_alpha/collections/:id",
    "DELETE /api/v1_alpha/collections/:id",
    "POST /api/v1_alpha/collections/:id/items",
    "DELETE /api/v1_alpha/collections/:id/items/:id",
    "POST /api/v1_alpha/collections/:id/items/:id/revoke",
    "GET /api/oembed",
    # oauth (config/routes.rb, Doorkeeper)
    "GET /oauth/authorize",
    "POST /oauth/authorize",
    "POST /oauth/token",
    "POST /oauth/revoke",
    "GET /oauth/userinfo",
    "GET /.well-known/oauth-authorization-server",
]

ADMIN_COOP = "moderation here acts only under an adopted policy clause (co-op API, /moderation pages)"
WHY = {
    "POST /api/v1/statuses/:id/translate": "no translation service (`translation_languages` is `{}`)",
    "GET /api/v1/timelines/direct": "removed from Mastodon in 3.x; `/api/v1/conversations` serves direct messages",
    "GET /api/v1/donation_campaigns": "mastodon.social's own fundraising banner",
    "GET /api/v1/annual_reports": "Mastodon's yearly \"Wrapstodon\" is not built",
    "GET /api/v1/annual_reports/:id": "as above",
    "POST /api/v1/annual_reports/:id/read": "as above",
    "POST /api/v1/annual_reports/:id/generate": "as above",
    "GET /api/v1/annual_reports/:id/state": "as above",
    "PUT /api/v1/announcements/:id/reactions/:id": "announcements are not kept (the list answers `[]`); the co-op speaks through @coop's posts",
    "DELETE /api/v1/announcements/:id/reactions/:id": "as above",
    "POST /api/v1/announcements/:id/dismiss": "as above",
    "POST /api/v1/filters": "filters v1 are read-only here, as Mastodon deprecated them; write through v2",
    "PUT /api/v1/filters/:id": "as above",
    "DELETE /api/v1/filters/:id": "as above",
    "GET /api/v1/profile": "4.6's profile endpoint: `verify_credentials` and `update_credentials` serve the same",
    "PATCH /api/v1/profile": "as above",
    "GET /api/v1/emails/check_confirmation": "sign-up is by membership application, confirmed by the co-op",
    "GET /api/v1/instance/terms_of_service/:id": "the terms are a versioned co-op policy: `/policies/SLUG/versions/N`",
    "GET /api/v1/peers/search": "4.6 autocomplete of peers; `/api/v1/instance/peers` lists them",
    "GET /api/v1/domain_blocks/preview": "4.6; blocking a domain answers what it severed",
    "DELETE /api/v1/notifications/:id": "undocumented alias of `POST /api/v1/notifications/:id/dismiss`, which is served",
    "DELETE /api/v1/notifications/destroy_multiple": "undocumented; dismiss one by one",
    "GET /api/v1/accounts/:id/identity_proofs": "identity proofs were removed from Mastodon in 3.5 (answers `[]` there)",
    "POST /api/v1/accounts/:id/email_subscriptions": "4.6 e-mail subscriptions to an account's posts",
    "POST /api/v1/push/subscription": "Web Push (VAPID, RFC 8291) is not built yet; clients use the streaming API",
    "GET /api/v1/push/subscription": "as above",
    "PUT /api/v1/push/subscription": "as above",
    "DELETE /api/v1/push/subscription": "as above",
    "DELETE /api/v1/admin/accounts/:id": "an account leaves by its own deletion or by a sanction that cites a clause",
    "PUT /api/v1/admin/reports/:id": "a report's category and rules are the reporter's; moderators act through the policy",
    "GET /api/v1/admin/email_domain_blocks": "members are admitted by the co-op, not by open sign-up",
    "GET /api/v1/admin/email_domain_blocks/:id": "as above",
    "POST /api/v1/admin/email_domain_blocks": "as above",
    "DELETE /api/v1/admin/email_domain_blocks/:id": "as above",
    "GET /api/v1/admin/ip_blocks": "as above; rate limits cover abuse by address",
    "GET /api/v1/admin/ip_blocks/:id": "as above",
    "PUT /api/v1/admin/ip_blocks/:id": "as above",
    "POST /api/v1/admin/ip_blocks": "as above",
    "DELETE /api/v1/admin/ip_blocks/:id": "as above",
    "GET /api/v1/admin/canonical_email_blocks": "as above",
    "POST /api/v1/admin/canonical_email_blocks": "as above",
    "GET /api/v1/admin/canonical_email_blocks/:id": "as above",
    "DELETE /api/v1/admin/canonical_email_blocks/:id": "as above",
    "POST /api/v1/admin/canonical_email_blocks/test": "as above",
    "POST /api/v1/admin/measures": "the co-op's figures are public on /about and /ledger; no admin dashboard API",
    "POST /api/v1/admin/dimensions": "as above",
    "POST /api/v1/admin/retention": "as above",
    "GET /api/v1/admin/tags": "no trends to review (see below)",
    "GET /api/v1/admin/tags/:id": "as above",
    "PUT /api/v1/admin/tags/:id": "as above",
    "GET /api/v1_alpha/async_refreshes/:id": "experimental; Herd answers synchronously",
    "GET /api/v1_alpha/accounts/:id/collections": "4.6 collections (experimental)",
    "GET /api/v1_alpha/accounts/:id/in_collections": "as above",
    "GET /api/v1_alpha/collections/:id": "as above",
    "POST /api/v1_alpha/collections": "as above",
    "PATCH /api/v1_alpha/collections/:id": "as above",
    "DELETE /api/v1_alpha/collections/:id": "as above",
    "POST /api/v1_alpha/collections/:id/items": "as above",
    "DELETE /api/v1_alpha/collections/:id/items/:id": "as above",
    "POST /api/v1_alpha/collections/:id/items/:id/revoke": "as above",
    "GET /api/oembed": "embeds are not offered yet",
    "GET /oauth/userinfo": "OpenID Connect is not offered; `verify_credentials` with the `profile` scope serves",
}
for kind in ("tags", "links", "statuses", "links/publishers"):
    WHY[f"GET /api/v1/admin/trends/{kind}"] = "no trends are computed: a small co-op's timelines are read whole"
    WHY[f"POST /api/v1/admin/trends/{kind}/:id/approve"] = "as above"
    WHY[f"POST /api/v1/admin/trends/{kind}/:id/reject"] = "as above"


def herd_routes():
    """(METHOD, PATH) pairs of every `.route(` call under src/, ids written `:id`."""
    found = set()
    for f in (ROOT / "src").rglob("*.rs"):
        s = f.read_text()
        for m in re.finditer(r"\.route\(", s):
            i = j = m.end()
            depth = 1
            while depth and j < len(s):
                depth += {"(": 1, ")": -1}.get(s[j], 0)
                j += 1
            body = s[i : j - 1]
            path = re.match(r'\s*"([^"]+)"', body)
            if not path:
                continue
            for method in re.findall(r"\b(get|post|put|patch|delete)\(", body[path.end() :]):
                found.add((method.upper(), re.sub(r"\{[^}]+\}", ":id", path.group(1))))
    return found


def render():
    served = herd_routes()
    rows, missing_reason = [], []
    count = 0
    for entry in MASTODON:
        method, path = entry.split()
        count += 1
        if (method, path) in served:
            rows.append(f"| `{method}` | `{path}` | served | |")
        else:
            why = WHY.get(entry)
            if why is None:
                missing_reason.append(entry)
                why = "**not yet**"
            rows.append(f"| `{method}` | `{path}` | missing | {why} |")
    n_served = sum(1 for r in rows if "| served |" in r)
    head = [
        "# Mastodon's client API routes and Herd's",
        "",
        "Generated by `.ci/api_routes.py` from Herd's router (`src/`) and the routes of Mastodon's",
        "`config/routes/api.rb` (4.5, with 4.6's experimental `v1_alpha`) and its OAuth routes;",
        "CI fails when this page and the code disagree. Re-run `python3 .ci/api_routes.py` after",
        "adding a route.",
        "",
        f"**{n_served} of {count}** Mastodon routes are served. A missing route answers 404",
        "`{\"error\": \"Record not found\"}`.",
        "",
        "| method | path | Herd | why not |",
        "|---|---|---|---|",
    ]
    extra = sorted(
        (m, p)
        for (m, p) in served
        if p.startswith(("/api/", "/oauth/"))
        and f"{m} {p}" not in MASTODON
        and not p.startswith("/api/v1/coop")
    )
    tail = [
        "",
        "## Herd's routes beyond Mastodon's",
        "",
        "Besides the co-op API (`/api/v1/coop/…`, see [coop-api.md](coop-api.md)):",
        "",
    ] + [f"- `{m} {p}`" for (m, p) in extra]
    return "\n".join(head + rows + tail) + "\n", missing_reason


def main():
    text, unexplained = render()
    if "--check" in sys.argv:
        have = DOC.read_text() if DOC.exists() else ""
        if have != text:
            sys.stdout.writelines(
                difflib.unified_diff(
                    have.splitlines(True), text.splitlines(True), str(DOC), "generated"
                )
            )
            print("docs/mastodon-api-routes.md is stale: run python3 .ci/api_routes.py")
            return 1
        print(f"docs/mastodon-api-routes.md matches the router ({len(unexplained)} routes missing without a reason)")
        return 0
    DOC.write_text(text)
    for entry in unexplained:
        print(f"missing without a reason: {entry}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
