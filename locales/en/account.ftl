# The account's security and lifecycle: two-factor sign-in, password, email, search engines,
# mails, deletion; an admin's two-factor reset.
settings-nav-security = Security
settings-nav-mails = Mails
settings-nav-delete = Delete account
account-save = Save
account-current-password = Current password
account-new-password = New password
account-confirm-password = New password again

# Two-factor sign-in
account-2fa-title = Two-factor sign-in
account-2fa-is-on = Two-factor sign-in is on: signing in asks for a code from your authenticator app.
account-2fa-is-off = Two-factor sign-in is off.
account-2fa-explain = With an authenticator app (such as FreeOTP, Aegis or 2FAS), signing in asks for a six-digit code from your phone after your password. Apps that sign in with your password directly cannot be used then; sign them in through the browser instead.
account-2fa-setup = Set up two-factor sign-in
account-2fa-manage = Manage two-factor sign-in
account-2fa-scan = Scan this QR code with your authenticator app:
account-2fa-qr-label = QR code of the secret key for your authenticator app
account-2fa-or-type = Or type this secret key into the app:
account-2fa-code = Code from the app
account-2fa-code-hint = Six digits; a recovery code works too when signing in.
account-2fa-enable = Turn on
account-2fa-disable = Turn off two-factor sign-in
account-2fa-on-now = Two-factor sign-in is on.
account-2fa-codes = Recovery codes
account-2fa-codes-hint = Each code signs you in once if you lose your phone. Keep them somewhere safe now: they are shown only this once.
account-2fa-codes-kept = I have kept them
account-2fa-codes-left = { $count ->
    [one] One recovery code left.
   *[other] { $count } recovery codes left.
}
account-2fa-sign-in = Two-factor sign-in
account-2fa-sign-in-hint = Enter the six-digit code your authenticator app shows, or one of your recovery codes.
account-2fa-wrong = That code is not right. Try the current code from your app.
account-2fa-too-many = Too many wrong codes. Wait a few minutes and try again.

# Admin: two-factor reset
account-admin-2fa-title = Two-factor sign-in of members
account-admin-back = Back to the admin page
account-admin-2fa-hint = Reset a member's two-factor sign-in when they have lost both their phone and their recovery codes. The reset is written to the moderation log with your name and reason.
account-admin-2fa-since = On since { $at }
account-admin-2fa-reason = Reason
account-admin-2fa-reset = Reset two-factor sign-in
account-admin-2fa-reset-named = Reset two-factor sign-in of @{ $name }
account-admin-2fa-done = The member's two-factor sign-in was reset.
account-admin-2fa-none = No member has two-factor sign-in on.

# Password
account-password-title = Password
account-password-hint = Changing your password signs out every other browser and every app.
account-password-change = Change password

# Email
account-email-title = Email address
account-email-current = Your address: { $email }
account-email-pending = A confirmation link was sent to { $email }. The address changes once it is opened.
account-email-new = New address
account-email-change = Send a confirmation link
account-email-changed = Email address changed
account-email-changed-message = Your account now uses the new address.
account-email-link-invalid = This link is invalid or has expired. Ask for a new one in your settings.

# Search engines
account-search-title = Search engines
account-noindex = Ask search engines not to index my profile and posts

# Mails
account-mails-title = Mails
account-mails-hint = Mails about your account itself (confirming an address, resetting your password) are always sent. Every other mail has a link to stop that kind.
account-mails-legend = Send me a mail when
account-mail-proposals = a proposal opens or is decided
account-mail-reminders = a vote I have not cast closes within 24 hours
account-mail-roles = a role term ends soon
account-mail-expenses = my expense is approved, rejected or paid
account-unsubscribe-title = Unsubscribe
account-unsubscribe-ask = Stop mails to @{ $name } when { $kind }?
account-unsubscribe-button = Stop these mails
account-unsubscribed = @{ $name } will no longer get mails when { $kind }.
account-unsubscribe-settings = Choose which mails you receive

# Deleting the account
account-delete-what = Deleting your account cannot be undone. When you confirm with your password:
account-delete-posts = your posts and boosts are deleted here, and other servers are told to delete your account and its posts;
account-delete-membership = your co-op membership is withdrawn and your roles end (a share is repaid as the bylaws say);
account-delete-ledger = the co-op's ledger keeps its entries about you, as accounts must;
account-delete-username = your username stays reserved, so no one else can take it.
account-delete-final = Every browser and app is signed out.
account-delete-button = Delete my account
account-deleted = Your account is deleted
account-deleted-message = Your posts are deleted and other servers have been told. Thank you for having been part of the co-op.
account-home = Home page
