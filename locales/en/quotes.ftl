# Quote posts: a quoted post inside a status, its state when it cannot be shown, the quote
# action and the compose form's quoted post. Keys match ja/quotes.ftl.

quote-label = Quoting { $name }
quote-state-pending = The quoted post is waiting for its author's approval.
quote-state-rejected = The author of the quoted post declined this quote.
quote-state-revoked = The author of the quoted post removed this quote.
quote-state-deleted = The quoted post was deleted.
quote-state-unauthorized = You cannot see the quoted post.
quote-state-blocked_account = The quoted post is by an account you blocked or that blocked you.
quote-state-blocked_domain = The quoted post is from a server you blocked.
quote-state-muted_account = The quoted post is by an account you muted.
quote-action = Quote
quote-compose-heading = Quote a post by @{ $handle }
