# The members' social pages: search, edit and history, pins, reports, mutes and blocks,
# lists, conversations, follow requests (src/web/social/). Same keys in ja/social.ftl.

nav-search = Search
social-cancel = Cancel

## Search
search-title = Search
search-title-for = Search: { $q }
search-label = Search for people, hashtags or posts
search-hint = A handle such as user@example.org, or the address of a post or profile, is looked up on its server.
search-submit = Search
search-more = Your lists and messages
search-kinds = What to show
search-all = All
search-accounts = People
search-hashtags = Hashtags
search-statuses = Posts
search-nothing = Nothing found for “{ $q }”.

## Post actions
status-edited = edited
action-edit = Edit
action-pin = Pin
action-report = Report
edit-title = Edit post
edit-save = Save changes
history-title = Edit history
history-back = Back to the post
history-original = original
history-edited = edited
history-media = Attachment:

## Reports
report-title = Report @{ $handle }
report-explain = Moderators read every report. Tell them what is wrong; cite the rules it breaks if you can.
report-posts = Posts to include
report-category = What is wrong
report-category-spam = Spam
report-category-legal = Illegal content
report-category-violation = It breaks the server's rules
report-category-other = Something else
report-rules = Rules of the code of conduct
report-rules-hint = Citing a rule makes this a rule violation report.
report-comment = Anything else moderators should know (optional)
report-forward = Also send an anonymous copy to { $domain }
report-submit = Send report
report-sent-title = Report sent
report-sent = Thank you. The moderators will look at it.
report-sent-back = Back to @{ $handle }
report-sent-mute = Mute this account

## Mutes, blocks, notifications, lists on a profile
profile-notify = Notify me of posts
profile-lists = Lists
profile-mute = Mute
profile-unmute = Unmute
profile-block = Block
profile-unblock = Unblock
profile-report = Report
mute-title = Mute @{ $handle }
mute-explain = Their posts leave your timelines; they are not told.
mute-duration = For how long
mute-duration-forever = Until I unmute
mute-duration-30m = 30 minutes
mute-duration-1h = 1 hour
mute-duration-6h = 6 hours
mute-duration-1d = 1 day
mute-duration-3d = 3 days
mute-duration-7d = 1 week
mute-notifications = Hide their notifications too
mute-submit = Mute
account-lists-title = Lists with @{ $handle }
account-lists-follow-first = Only accounts you follow can be added to a list.

## Follow requests
follow-requests-title = Follow requests
follow-requests-none = Nobody is waiting.
follow-request-accept = Accept
follow-request-reject = Reject
follow-request-accept-who = Accept @{ $handle }
follow-request-reject-who = Reject @{ $handle }

## Lists
lists-title = Lists
lists-none = You have no lists yet.
lists-manage = Manage lists
lists-all = All lists
list-new = New list
list-create = Create list
list-title-field = Title
list-replies-policy = Replies shown
list-replies-list = Replies to members of the list
list-replies-followed = Replies to anyone I follow
list-replies-none = No replies
list-exclusive = Hide these members' posts from my home timeline
list-exclusive-short = hidden from home
list-settings = List settings
list-save = Save
list-delete = Delete this list
list-members = Members
list-no-members = Nobody is on this list yet.
list-find = Find people you follow to add
list-find-none = Nobody you follow matches.
list-add = Add
list-remove = Remove
list-add-who = Add @{ $handle }
list-remove-who = Remove @{ $handle }
list-add-to = Add to { $title }
list-remove-from = Remove from { $title }
list-timeline = Posts

## Conversations
conversations-title = Direct messages
conversations-none = No direct messages.
conversation-unread = Unread
conversation-with = With
conversation-mark-read = Mark as read
conversation-remove = Remove

## Compose extras (templates/partials/compose.html)
visibility-local = Local only (not federated)
compose-poll = Add a poll
compose-poll-options = Poll options
compose-poll-option = Option { $n }
compose-poll-length = Poll length
compose-poll-multiple = Allow several choices
compose-scheduled = Publish later (UTC, optional)
poll-duration-300 = 5 minutes
poll-duration-1800 = 30 minutes
poll-duration-3600 = 1 hour
poll-duration-21600 = 6 hours
poll-duration-86400 = 1 day
poll-duration-259200 = 3 days
poll-duration-604800 = 1 week
compose-media = Image (optional)
compose-media-attached = { $count ->
    [one] One image is attached.
   *[other] { $count } images are attached.
}
compose-media-file = Choose an image (JPEG, PNG, GIF or WebP)
compose-media-description = Description of the image (alt text)
compose-media-description-hint = Describe it for people who cannot see it.
compose-media-focus-x = Focal point across (−1 left to 1 right)
compose-media-focus-y = Focal point up and down (−1 bottom to 1 top)
