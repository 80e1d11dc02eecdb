# Standing for election, moderators' report notes, and /admin's domain allows and invites.
# Every key here must also be in locales/ja/govadmin.ftl (tests/i18n.rs checks both ways).

## Standing for election (/proposals/ID)
candidacy-heading = Candidates
candidacy-window = Any active member may stand, or withdraw, until the first ballot is cast.
candidacy-stand = Stand for election
candidacy-withdraw = Withdraw my candidacy

## Report notes (/moderation/reports/ID)
notes-heading = Moderators' notes
notes-private = Only moderators see these notes: never the reporter or the reported account.
notes-none = No notes yet.
notes-add-label = Add a note
notes-add = Add note
notes-delete = Delete note
notes-delete-confirm = Delete this note?

## Domain allows (/admin)
allows-heading = Allowed domains
allows-hint = Allows are recorded under a cited clause, as Mastodon keeps them for limited federation; Herd has no limited federation mode, so every domain not blocked federates.
allows-none = No domain is allowed explicitly.
allows-add-heading = Allow a domain
allows-add = Allow
allows-remove = Remove the allow
allows-lift-under = Remove the allow of { $domain } under

## Invites (/admin)
invites-heading = Invites
invites-caption = Invites, newest first
invites-created = Made
invites-uses = Uses
invites-expires = Expires
invites-state = State
invites-never = Never
invites-state-live = Live
invites-state-used_up = Used up
invites-state-expired = Expired
invites-state-revoked = Revoked
invites-revoke = Revoke
invites-revoke-label = Revoke the invite made { $created }
invites-none = No invites yet.
invites-add-heading = Make an invite
invites-max-uses = Uses (1 to { $max }; empty for no limit)
invites-days = Valid for days (1 to { $max }; empty for no expiry)
invites-add = Make invite
invites-made = Invite made
invites-made-once = Copy this link now: it is shown only once. Whoever opens it may sign up, even while sign-ups are closed, without waiting for approval.

## The dot ballot's counter (static/herd.js)
dots-left = Dots left:

## Instance settings (/admin, read only)
instance-heading = Instance settings
instance-title = Title
instance-description = Description
instance-contact = Contact
instance-unset = Not set
instance-registrations = Sign-ups
instance-where = The operator sets these in the config file or HERD_* variables (docs/operating.md); they are not the bylaws' to decide, and a restart applies a change.
