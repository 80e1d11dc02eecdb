# The moderation pages: /moderation, reports, accounts, appeals, the log, /strikes, /admin.
# Every key here must also be in locales/ja/moderation.ftl (tests/i18n.rs checks both ways).

## Queue and reports
mod-queue-title = Moderation
mod-nav-label = Moderation
mod-open = Open
mod-resolved = Resolved
mod-filter = Filter the reports
mod-origin = Reported account
mod-origin-local = On this server
mod-origin-remote = On other servers
mod-any = Any
mod-category = Category
mod-category-spam = Spam
mod-category-legal = Legal
mod-category-violation = Rule violation
mod-category-other = Other
mod-apply-filter = Filter
mod-queue-empty = No reports here.
mod-report-about = Report { $id } about @{ $acct }
mod-assigned-to = assigned to @{ $acct }
mod-report-title = Report { $id }
mod-back-to-queue = Back to the reports
mod-reported-account = Reported account
mod-reporter = Reported by
mod-filed = Filed
mod-state = State
mod-assigned = Assigned to
mod-nobody = nobody
mod-assign-to-me = Assign to me
mod-unassign = Unassign
mod-resolve = Resolve without action
mod-reopen = Reopen
mod-comment = The reporter's comment
mod-no-comment = No comment.
mod-rules-cited = Rules cited
mod-no-rules = No rules cited.
mod-reported-posts = Reported posts
mod-no-posts = No posts attached.

## The action form
mod-action-heading = Take action
mod-sanction = Sanction
mod-sanction-warn = Warning
mod-sanction-none = Warning
mod-sanction-sensitive = Mark media sensitive
mod-sanction-silence = Limit (silence)
mod-sanction-suspend = Suspend
mod-sanction-disable = Disable login
mod-sanction-delete_statuses = Post deleted
mod-choose-sanction = Show the clauses that permit it
mod-imposing = Sanction: { $sanction }
mod-clause = Clause of an adopted policy
mod-clause-choose = Choose a clause
mod-clause-hint = Only clauses of the policies in force that permit this sanction are listed.
mod-clause-none = No clause in force permits this sanction, so it cannot be imposed.
mod-reason = Reason
mod-action-notice = The account gets a strike it can read and appeal at /strikes, and a notification. The action and its citation go to the moderation log.
mod-act = Take this action
mod-own-account = You cannot act on your own account.

## An account
mod-lift = Lift it
mod-lift-unsuspend = Lift the suspension under
mod-lift-unsilence = Lift the limit under
mod-lift-unsensitive = Stop marking media sensitive under
mod-lift-enable = Enable the login again under
mod-account-title = Moderation record of @{ $acct }
mod-profile = Profile
mod-joined = Joined
mod-flag-suspended = suspended
mod-flag-silenced = limited
mod-flag-sensitized = media marked sensitive
mod-flag-disabled = login disabled
mod-flag-pending = waiting for approval
mod-flag-none = in good standing
mod-strikes = Strikes
mod-no-strikes = No strikes.
mod-overruled = overruled
mod-appeal-pending = appeal pending
mod-appeal-approved = appeal approved
mod-appeal-rejected = appeal rejected
mod-reports-about = Reports about this account
mod-no-reports = No reports.
mod-previous-actions = Previous actions
mod-no-actions = No actions yet.
mod-under = under
mod-by = by @{ $acct }

## Appeals
mod-appeals-title = Appeals
mod-appeal-by = Appeal by @{ $acct }
mod-appeal-yours = You took this action, so another moderator decides its appeal.
mod-appeal-own = This is your own appeal: another moderator decides it.
mod-decision-reason = Reason for the decision
mod-approve-appeal = Approve (overturn the strike)
mod-reject-appeal = Reject
mod-no-appeals = No appeals are waiting.

## The log
mod-log-title = Moderation log
mod-log-intro = Every moderation action and the clause of the adopted policy it was taken under.
mod-log-empty = Nothing has been logged yet.

## Strikes
strikes-title = My strikes
strikes-under = Under
strikes-reason = The moderator's reason:
strikes-overruled = This strike was overruled.
strikes-appeal-text = Why should it be overturned?
strikes-appeal-until = You can appeal until { $date }.
strikes-appeal = Appeal
strikes-window-closed = The time to appeal this strike has passed.
strikes-none = You have no strikes.

## Admin
admin-title = Administration
admin-users = { $count } local accounts
admin-open-reports = { $count } open reports
admin-pending-appeals = { $count } pending appeals
admin-blocked-domains = { $count } blocked domains
admin-signups = Sign-ups waiting for approval
admin-no-signups = No sign-ups are waiting.
admin-approve = Approve
admin-reject = Reject
admin-domain-blocks = Domain blocks
admin-no-blocks = No domain is blocked.
admin-severity = Severity
admin-severity-silence = Limit
admin-severity-suspend = Suspend
admin-severity-noop = No restriction
admin-lift-under = Lift the block on { $domain } under
admin-unblock = Lift the block
admin-block-heading = Block a domain
admin-domain = Domain
admin-public-comment = Public comment
admin-private-comment = Private comment (moderators only)
admin-obfuscate = Obfuscate the domain in public lists
admin-block = Block
