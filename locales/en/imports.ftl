## Imports as queued work (/settings/import).
imports-queued = Your file was accepted. It is being imported; its progress shows below.
imports-limit = At most { $mb } MB.
imports-list-title = Your imports
imports-none = You have not imported anything yet.
imports-state-scheduled = Scheduled
imports-state-in_progress = In progress
imports-state-finished = Finished
imports-progress = { $processed } of { $total } rows done: { $imported } imported, { $failed } not imported.
imports-refresh = Refresh to see the progress

## The settings pages' validation messages ($n: the number the message names). English pages
## show the service's own words (these mirror them); other locales translate these keys.
err-set-image-too-big = The image file is too large
err-set-image-type = The image's content type is invalid (images: JPEG, PNG, GIF, WebP)
err-set-image-pixels = The image has too many pixels
err-set-image-corrupt = The image could not be processed
err-set-changed = The profile changed meanwhile, please try again
err-set-name-too-long = Display name is too long (maximum is { $n } characters)
err-set-note-too-long = Bio is too long (maximum is { $n } characters)
err-set-fields-too-many = Fields are too many (maximum is { $n })
err-set-field-too-long = A field has a name or value over { $n } characters
err-set-fields-invalid = The profile fields are not valid
err-set-domain-invalid = A website is not a valid domain
err-set-domains-too-many = Too many websites (maximum is { $n } domains)
err-set-not-included = The value is not one of the offered choices
err-set-privacy = Posting privacy must be public, unlisted or private
err-set-language = The posting language is not a language code
err-set-theme = Theme must be auto, light, dark or contrast
err-set-locale = This language is not offered by this site
err-set-acct-blank = The account address can't be blank
err-set-alias-self = An account cannot be its own alias
err-set-aliases-max = At most { $n } aliases
err-set-password = Current password is invalid
err-set-move-self = An account cannot move to itself
err-set-move-alias = The target account must list this account as an alias (alsoKnownAs) first
err-set-import-type = Choose one of the offered kinds of file
err-set-import-mode = Choose merge or overwrite
err-set-import-blank = Choose a CSV file to import
err-set-import-not-csv = The file must be a CSV file
err-set-import-too-big = The file is too large (maximum is { $n } MB)
err-set-import-invalid = The file is not a valid CSV file
err-set-import-too-many = The file has more than { $n } rows
err-set-import-empty = The file has no rows
