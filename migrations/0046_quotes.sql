-- Quote posts (Mastodon 4.5, FEP-044f). One row per quoting status, local or remote.
-- `state` is what was decided (pending, accepted, rejected, revoked); what a reader sees
-- (deleted, unauthorized, blocked_account…) is worked out when the status is rendered.
CREATE TABLE quotes (
    status_id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    -- Null while the quoted post is unknown here, and once it is deleted.
    quoted_status_id BIGINT,
    quoted_account_id BIGINT,
    quoted_uri TEXT NOT NULL,
    state TEXT NOT NULL,
    -- The QuoteAuthorization (stamp) that approved it, once accepted.
    authorization_uri TEXT,
    -- The id of the QuoteRequest this server sent for a local quote of a remote post.
    request_uri TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX quotes_quoted ON quotes (quoted_status_id);
CREATE INDEX quotes_quoted_uri ON quotes (quoted_uri);
CREATE INDEX quotes_request ON quotes (request_uri);
CREATE INDEX quotes_authorization ON quotes (authorization_uri);

-- Stamps this server issued for quotes of its local posts, dereferenceable at
-- /users/NAME/quote_authorizations/ID while the quote stands (a revoked one is deleted).
CREATE TABLE quote_authorizations (
    id BIGINT PRIMARY KEY,
    quoted_status_id BIGINT NOT NULL,
    quoting_uri TEXT NOT NULL,
    quoting_account_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX quote_authorizations_pair ON quote_authorizations (quoted_status_id, quoting_uri);

-- Who may quote a post: public, followers or nobody (Mastodon's quote_approval_policy).
-- A remote post without a row did not say (its interactionPolicy was absent).
CREATE TABLE status_quote_policies (
    status_id BIGINT PRIMARY KEY,
    policy TEXT NOT NULL
);

-- An account's default for its new posts (`source.quote_policy`); no row: public.
CREATE TABLE account_quote_policies (
    account_id BIGINT PRIMARY KEY,
    policy TEXT NOT NULL
);
