# The signed-in settings pages (/settings/…).
nav-settings = Settings
settings-title = Settings
settings-nav-label = Settings sections
settings-nav-profile = Profile
settings-nav-preferences = Preferences
settings-nav-filters = Filters
settings-nav-applications = Apps
settings-nav-sessions = Sessions
settings-saved = Your changes were saved.
settings-save = Save changes

# Profile
settings-profile-title = Profile
settings-display-name = Display name
settings-note = Bio
settings-fields = Profile fields
settings-fields-hint = Up to four name and value pairs shown on your profile, such as a website or pronouns.
settings-field-name = Field { $n } name
settings-field-value = Field { $n } value
settings-avatar = Avatar
settings-avatar-current = Your current avatar
settings-avatar-hint = PNG, JPEG, GIF or WebP; cropped to 400×400 pixels.
settings-avatar-remove = Remove avatar
settings-header = Header image
settings-header-current = Your current header image
settings-header-hint = PNG, JPEG, GIF or WebP; cropped to 1500×500 pixels.
settings-header-remove = Remove header image
settings-account-flags = Account
settings-locked = Approve followers by hand (locked account)
settings-bot = This account is a bot
settings-discoverable = Suggest this account to others and list it in the directory
settings-attribution-domains = Websites that may credit you
settings-attribution-domains-hint = One domain per line (for example blog.example.org). Link previews of pages on these sites, and on their subdomains, may name you as their author.
settings-hide-collections = Hide whom I follow and who follows me

# Preferences
settings-preferences-title = Preferences
settings-posting = Posting
settings-privacy = Default visibility of new posts
settings-language = Default language of new posts
settings-language-hint = A language code such as en or ja; leave empty to let each post say.
settings-sensitive = Mark my media as sensitive by default
settings-site = This site
settings-locale = Interface language
settings-locale-name = English
settings-theme = Theme
settings-theme-auto = Follow my system
settings-theme-light = Light
settings-theme-dark = Dark
settings-theme-contrast = High contrast
settings-reduce-motion = Reduce motion
settings-shortcuts = Keyboard shortcuts in timelines

# Filters
settings-filters-title = Filters
settings-filters-hint = Posts that contain a filter's keywords are hidden or shown behind a warning in the places you choose.
settings-filters-none = You have no filters.
settings-filters-back = Back to filters
settings-filter-new = New filter
settings-filter-edit = Edit filter
settings-filter-title = Title
settings-filter-contexts = Where it applies
settings-context-home = Home and lists
settings-context-notifications = Notifications
settings-context-public = Public timelines
settings-context-thread = Conversations
settings-context-account = Profiles
settings-filter-action = What to do
settings-filter-action-warn = Hide behind a warning
settings-filter-action-hide = Hide completely
settings-filter-action-blur = Blur media
settings-filter-expiry = Expires
settings-filter-expiry-keep = Keep the current expiry ({ $at } UTC)
settings-filter-expiry-never = Never
settings-filter-expiry-1800 = In 30 minutes
settings-filter-expiry-3600 = In 1 hour
settings-filter-expiry-21600 = In 6 hours
settings-filter-expiry-43200 = In 12 hours
settings-filter-expiry-86400 = In 1 day
settings-filter-expiry-604800 = In 1 week
settings-filter-expired = expired
settings-filter-expires = expires { $at } UTC
settings-filter-keywords = Keywords: { $list }
settings-filter-keywords-legend = Keywords
settings-filter-keyword = Keyword { $n }
settings-filter-whole-word = Whole word
settings-filter-keyword-remove = Remove
settings-filter-delete = Delete
settings-filter-delete-named = Delete the filter { $title }

# Apps
settings-applications-title = Authorised apps
settings-applications-hint = These apps can use your account. Revoking one signs it out.
settings-applications-none = No app has access to your account.
settings-app-authorised = Authorised { $at } UTC
settings-app-scopes = Permissions: { $scopes }
settings-app-revoke = Revoke access
settings-app-revoke-named = Revoke access for { $name }

# Sessions
settings-sessions-title = Sessions
settings-sessions-hint = The browsers signed in to your account.
settings-session-unknown = Unknown browser
settings-session-current = This browser
settings-session-used = Last used { $at } UTC
settings-session-started = Signed in { $at } UTC
settings-session-revoke = Sign out
settings-session-revoke-named = Sign out the browser last used { $at } UTC
settings-sessions-revoke-others = Sign out everywhere else

# Export and import
settings-nav-export = Export
settings-nav-import = Import
settings-export-title = Export your data
settings-export-hint = Files in Mastodon's formats, which any Mastodon server can import.
settings-export-follows = Accounts you follow
settings-export-lists = Lists
settings-export-blocks = Accounts you block
settings-export-mutes = Accounts you mute
settings-export-domain_blocks = Domains you block
settings-export-bookmarks = Bookmarks
settings-export-archive = Archive of your posts and media
settings-import-title = Import
settings-import-hint = A CSV file exported from Herd or any Mastodon server.
settings-import-type = What the file holds
settings-import-mode = How to import
settings-import-merge = Add to what I have
settings-import-overwrite = Replace what I have
settings-import-file = File
settings-import-submit = Import
settings-import-no-file = Choose a CSV file to import.
settings-import-done = { $imported } of { $total } rows imported.
settings-import-failures = Rows not imported
settings-import-line = Line
settings-import-value = Value
settings-import-reason = Reason

# Migration
settings-nav-migration = Moving
settings-migration-title = Moving accounts
settings-migration-not-found = No account answers to that address.
settings-aliases-title = Moving here from another account
settings-aliases-hint = To bring your followers here from another account, first name it here; then start the move on the other account's server.
settings-aliases-none = No other account is named as yours.
settings-alias-acct = Address of the other account
settings-alias-add = Add alias
settings-alias-remove = Remove
settings-alias-remove-named = Remove the alias { $alias }
settings-move-title = Moving this account elsewhere
settings-move-hint = The new account must first name this one as an alias. Your followers will follow the new account; this one stays, marked as moved.
settings-moved-to = This account has moved to { $acct }.
settings-move-target = Address of the new account
settings-current-password = Your current password
settings-move-submit = Move this account
