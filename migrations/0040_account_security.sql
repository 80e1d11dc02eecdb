-- The account's security and lifecycle (issue 14's settings, issue 15's admin reset).

-- Two-factor sign-in with an authenticator app (TOTP, RFC 6238). The secret must be read back
-- to check a code, so it is kept as the base32 text the app was given. `enabled_at` is NULL
-- while the member has been shown the secret but not yet confirmed a code; `last_step` is the
-- time step of the last code accepted, so one code signs in once.
CREATE TABLE two_factor (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    secret TEXT NOT NULL,
    enabled_at BIGINT,
    last_step BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- One-time recovery codes, shown once and kept as SHA-256 hashes; a used one keeps its row
-- with `used_at` set.
CREATE TABLE two_factor_recovery_codes (
    code_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    used_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX two_factor_recovery_codes_account ON two_factor_recovery_codes (account_id);

-- A sign-in whose password was right and whose second factor is awaited: the form carries
-- the random token, the row its hash. Spent (deleted) when the code is accepted.
CREATE TABLE sign_in_challenges (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    expires_at BIGINT NOT NULL
);

-- Keys the server makes for itself once (the unsubscribe links' signing key), shared by
-- every node through the database.
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Which kinds of mail a member has turned off (a row per kind off; none: every kind on).
CREATE TABLE mail_opt_outs (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, kind)
);

-- An email change waiting for its link to be followed: the address changes only then.
CREATE TABLE email_changes (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    email TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX email_changes_token ON email_changes (token_hash);

-- Mastodon's `noindex` setting of a local account: search engines are asked not to index its
-- pages (and the Account entity says so).
ALTER TABLE accounts ADD COLUMN noindex BIGINT NOT NULL DEFAULT 0;
