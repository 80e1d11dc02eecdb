# Herd's pages in English. Every key here must also be in locales/ja/herd.ftl
# (tests/i18n.rs checks both ways).

## Layout
skip-to-content = Skip to content
nav-label = Site
nav-home = Home
nav-sign-in = Sign in
nav-sign-up = Sign up
nav-sign-out = Sign out
footer-about = About this co-op

## Front page
index-coop = This server is a co-operative: its members own it, adopt its rules by vote, and can see its books. Use any Mastodon app to sign in at { $domain }.
index-create-account = Create an account
index-rules = Server rules
index-finances = Finances
index-finances-public = The bylaws make the co-op's books public. Balances as of { $date }:
index-nothing-posted = Nothing has been posted yet.
index-income = Income
index-expenses = Expenses
index-net = Net
index-full-report = Full report (JSON)
index-every-entry = Every entry (CSV)
index-verify-chain = Check the ledger's hash chain

## Errors
error-back = Back to the front page
error-not-found = Not found
error-forbidden = Not allowed
error-too-many = Too many attempts
error-server = Something went wrong
error-other = That did not work
error-no-page = There is no page at this address.
error-csrf = The form has expired or did not come from this site. Reload the page and try again.

## Forms
field-email = Email
field-login = Email or username
field-password = Password
field-password-confirm = Confirm password
field-username = Username
passwords-differ = The passwords do not match.

## Sign in, sign up
sign-in-forgot = Forgot your password?
sign-in-invalid = Invalid email or password.
sign-in-too-many = Too many failed attempts. Wait a few minutes and try again.
sign-up-closed = Sign-ups are closed on this server.
sign-up-reviewed = A member of the co-op reviews each sign-up before the account can be used.
sign-up-invited = You were invited to join.
sign-up-username-hint = Letters, numbers and underscores. You will be @{ $handle }.
sign-up-yourname = yourname
sign-up-reason = Why do you want to join?
sign-up-agree = I agree to the
sign-up-rules-link = server rules.
sign-up-too-many = Too many sign-ups from your address. Try again later.
sign-up-confirm-sent = We sent a confirmation link to { $email }. Open it to activate your account.
sign-up-review = A member of the co-op will review your request; we will email you when it is approved.
sign-up-ready = Your account is ready. You can sign in now.
sign-up-welcome = Welcome!
confirmed-heading = Email confirmed
confirmed-message = Thank you: your email address is confirmed.
confirmation-invalid = This confirmation link is invalid, already used, or has expired. Sign in to get a new one.

## Passwords
password-edit-title = Choose a new password
password-new = New password
password-new-confirm = Confirm new password
password-set = Set password
password-reset-title = Reset password
password-reset-heading = Reset your password
password-reset-intro = Enter your email address and we will send you a link to choose a new password.
password-send-link = Send the link
password-check-email = Check your email
password-link-sent = If an account uses that address, we have sent it a link to choose a new password.
password-link-invalid = This password reset link is invalid or has expired.
password-changed = Password changed
password-changed-message = Your new password is set. Sign in with it now.

## OAuth
oauth-authorize-title = Authorize { $app }
oauth-asks = asks to use your account { $account } with these permissions:
oauth-sent-back = You will be sent back to
oauth-authorize = Authorize
oauth-deny = Deny
oauth-denied = You denied the authorization.
oauth-code-title = Authorization code
oauth-code-hint = Copy this code and paste it into { $app }:
oauth-code-label = Authorization code for { $app }
scope-read = read all your account's data
scope-write = change all your account's data and post for you
scope-follow = follow, block and mute accounts
scope-push = receive push notifications
scope-profile = read only your profile
scope-admin-read = read data on the server (moderators and admins)
scope-admin-write = take moderation actions (moderators and admins)
scope-read-part = read part of your account's data
scope-write-part = change part of your account's data
scope-admin-part = administer part of the server

## Posts
status-boosted-by = { $name } boosted
status-reply = Reply in a thread
status-show-more = Show more
status-thread = Thread
status-page-title = { $name } (@{ $handle })
status-replies = { $count ->
    [one] 1 reply
   *[other] { $count } replies
}
status-boosts = { $count ->
    [one] 1 boost
   *[other] { $count } boosts
}
status-favourites = { $count ->
    [one] 1 favourite
   *[other] { $count } favourites
}
visibility-public = Public
visibility-unlisted = Quiet public
visibility-private = Followers only
visibility-direct = Mentioned people only
media-show-sensitive = Show sensitive media
media-no-description = Image without a description
poll-votes = { $count ->
    [one] 1 vote
   *[other] { $count } votes
}
poll-closed = Closed
action-reply = Reply
action-favourite = Favourite
action-boost = Boost
action-bookmark = Bookmark
action-delete = Delete

## Profiles
profile-posts = { $count ->
    [one] 1 post
   *[other] { $count } posts
}
profile-followers = { $count ->
    [one] 1 follower
   *[other] { $count } followers
}
profile-following = { $count } following
profile-suspended = This account has been suspended.
profile-moved = This account has moved to
profile-follow-sign-in = Sign in to follow
profile-tabs = Posts of this account
profile-tab-posts = Posts
profile-tab-with_replies = Posts and replies
profile-tab-replies = Posts and replies
profile-tab-media = Media
profile-pinned = Pinned posts
profile-no-posts = No posts here yet.
profile-collections-hidden = This account keeps this list private.
followers-heading = Followers of { $name }
following-heading = Followed by { $name }
accounts-none = Nobody yet.
tag-no-posts = No public posts with this hashtag yet.
pager-label = Pages
pager-newer = Newer
pager-older = Older

## Home and compose
home-title = Home
home-timeline = Your home timeline
home-empty = Nothing here yet: follow people to see their posts.
compose-heading = New post
compose-reply-heading = Reply to @{ $handle }
compose-cw = Content warning (optional)
compose-text = What's on your mind?
compose-limit = Up to { $max } characters.
compose-visibility = Who can see it
compose-language = Language
compose-sensitive = Mark media as sensitive
compose-publish = Publish
delete-title = Delete this post?
delete-explain = The post is removed here and from the servers it reached. This cannot be undone.
delete-confirm = Delete
delete-cancel = Keep it

## Timelines and notifications
nav-local = Local
nav-federated = Federated
nav-notifications = Notifications
local-heading = This server's posts
federated-heading = Posts from everywhere
timeline-empty = No posts here yet.
notifications-filter = Show
notifications-all = All
notifications-mentions = Mentions
notifications-favourites = Favourites
notifications-boosts = Boosts
notifications-follows = Follows
notifications-empty = No notifications yet.
notification-mention = { $name } mentioned you
notification-status = { $name } posted
notification-reblog = { $name } boosted your post
notification-follow = { $name } followed you
notification-follow_request = { $name } asked to follow you
notification-favourite = { $name } favourited your post
notification-poll = A poll you took part in has ended
notification-update = { $name } edited a post
notification-other = { $name }: something new

## Following, bookmarks, favourites
profile-follow = Follow
profile-unfollow = Unfollow
profile-cancel-request = Withdraw follow request
profile-follows-you = Follows you
nav-bookmarks = Bookmarks
nav-favourites = Favourites
