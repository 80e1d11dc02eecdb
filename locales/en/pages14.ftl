# What the members' site had still lacked (src/web/member_tools/): private notes, featured
# accounts, hashtag follows, link cards, several images, mutes and blocks in settings,
# keyboard shortcuts, and the service's validation messages. Same keys in ja/pages14.ftl.

## Notes and featured accounts
note-title = Note on @{ $handle }
note-heading = Your private note
note-label = Note
note-explain = Only you see this note.
note-save = Save note
profile-feature = Feature on my profile
profile-featured = Featured accounts

## Hashtags
tag-follow = Follow #{ $tag }
tag-unfollow = Unfollow #{ $tag }
tag-followed-hint = Posts with this hashtag reach your home timeline.

## Link cards
card-label = Link preview
card-by = By
card-more-from = More from

## Compose: several images
compose-media-more = More images, each with its description
compose-media-slot = Image { $n }
compose-media-slot-description = Description of image { $n }

## Mutes, blocks and domain blocks
settings-nav-mutes = Muted
settings-nav-blocks = Blocked
settings-nav-domain_blocks = Blocked domains
hidden-unmute = Unmute @{ $handle }
hidden-unblock = Unblock @{ $handle }
hidden-until = until
hidden-none-mutes = You mute nobody.
hidden-none-blocks = You block nobody.
hidden-none-domains = You block no domain.
hidden-domain-label = Domain
hidden-domain-hint = Posts and notifications from every account of this server are hidden from you, and follows between you end.
hidden-domain-block = Block domain
hidden-domain-unblock = Unblock { $domain }

## Keyboard shortcuts
shortcuts-title = Keyboard shortcuts
shortcuts-move = Next or previous post
shortcuts-reply = Reply
shortcuts-boost = Boost
shortcuts-favourite = Favourite
shortcuts-new = New post
shortcuts-search = Search
shortcuts-home = Home
shortcuts-notifications = Notifications
shortcuts-local = Local timeline
shortcuts-federated = Federated timeline
shortcuts-help = This list
shortcuts-off-hint = Shortcuts can be turned off in your preferences.
shortcuts-close = Close

## The service's validation messages ($n: the number the message names). English pages show
## the service's own words (these mirror them); other locales translate these keys.
err-status-blank = Text can't be blank
err-status-too-long = Text character limit of { $n } exceeded
err-spoiler-too-long = Spoiler text is too long
err-language-invalid = Language is not a valid language code
err-visibility-invalid = Visibility must be one of the offered values
err-media-and-poll = A post cannot have both media attachments and a poll
err-poll-too-few = Poll options must have more than one item
err-poll-too-many = Poll options can't contain more than { $n } items
err-poll-option-too-long = Poll options cannot be longer than { $n } characters each
err-poll-duplicate = Poll options contain duplicate items
err-poll-too-soon = Poll expires at is too soon
err-poll-too-far = Poll expires at is too far into the future
err-poll-expires-blank = Poll expires in can't be blank
err-media-too-many = Cannot attach more than { $n } files
err-description-too-long = Description is too long (maximum is { $n } characters)
err-file-type = File content type is invalid (images: JPEG, PNG, GIF, WebP)
err-file-unreadable = File could not be processed as an image
err-file-too-big = File file size is too large
err-file-too-many-pixels = The image has too many pixels
err-focus = Focus must be two numbers between -1.0 and 1.0
err-media-unknown = Media not found or already attached to another post
err-file-blank = File can't be blank
err-report-self = Account cannot be your own account
err-report-statuses = Status ids must be statuses of the reported account you can see
err-report-rules = Rule ids must be rules of this server
err-report-category = Category must be one of the offered values
err-title-blank = Title can't be blank
err-title-too-long = Title is too long
err-lists-max = You have reached the maximum number of lists
err-list-not-followed = Account must be followed to be added to a list
err-replies-policy = Replies policy must be one of the offered values
err-filters-max = You have reached the maximum number of filters
err-keyword-too-long = Keyword is too long
err-keyword-blank = Keyword can't be blank
err-keywords-max = A filter has at most { $n } keywords
err-context-blank = Context can't be blank
err-filter-context = Context must be one of the offered values
err-filter-action = Filter action must be one of the offered values
err-expires-too-large = Expires in is too large
err-filter-status-taken = Status has already been taken
err-endorse-not-following = You must be already following the person you want to endorse
err-domain-own = You cannot block your own server
err-domain-invalid = This is not a domain
err-domain-blank = Domain can't be blank
err-too-long = is too long (maximum is { $n } characters)
