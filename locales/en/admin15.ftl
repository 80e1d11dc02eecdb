# /admin's instance settings an admin may change (web::admin_settings).
# Every key here must also be in locales/ja/admin15.ftl (tests/i18n.rs checks both ways).
admin15-hint = An admin may change these at any time; the config file gives their defaults. What the bylaws decide (membership, votes, moderation) changes only by proposal. Each change is written to the moderation log.
admin15-title = Title
admin15-title-hint = The instance's name, on every page and in apps (at most 100 characters).
admin15-description = Short description
admin15-description-hint = One or two sentences on what this instance is (at most 500 characters).
admin15-extended_description = Extended description
admin15-extended_description-hint = Shown on the about page and to apps; Markdown (at most 20,000 characters).
admin15-contact_email = Contact email
admin15-contact_email-hint = Where people reach the admins; leave empty for none.
admin15-contact_account = Contact account
admin15-contact_account-hint = The username of a local account apps show as the contact; leave empty for none.
admin15-feeds = Who may read the feeds
admin15-feeds-hint = For each feed, posts from this instance and posts from other servers separately. Disabled feeds stay open to moderators and admins.
admin15-live_feeds-local = Public timeline, local posts
admin15-live_feeds-remote = Public timeline, posts from other servers
admin15-hashtag_feeds-local = Hashtag timelines, local posts
admin15-hashtag_feeds-remote = Hashtag timelines, posts from other servers
admin15-trending_link_feeds-local = Trending links, local posts
admin15-trending_link_feeds-remote = Trending links, posts from other servers
admin15-level-public = Anyone
admin15-level-authenticated = Signed-in users
admin15-level-disabled = Moderators and admins only
admin15-link_previews = Fetch link previews for posts
admin15-save = Save settings
admin15-elsewhere = Sign-ups, limits, mail, storage and the database stay in the operator's config file or HERD_* variables (docs/operating.md).
