-- Accounts: local and (later) remote actors. `domain` is '' for local accounts so the
-- unique index covers both (NULLs would never collide).
CREATE TABLE accounts (
    id BIGINT PRIMARY KEY,
    username TEXT NOT NULL,
    username_lower TEXT NOT NULL,
    domain TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    actor_type TEXT NOT NULL DEFAULT 'Person',
    locked BIGINT NOT NULL DEFAULT 0,
    bot BIGINT NOT NULL DEFAULT 0,
    discoverable BIGINT NOT NULL DEFAULT 1,
    fields_json TEXT NOT NULL DEFAULT '[]',
    uri TEXT NOT NULL,
    url TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX accounts_username_domain ON accounts (username_lower, domain);
CREATE UNIQUE INDEX accounts_uri ON accounts (uri);

-- Local users: the login behind a local account.
CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    email TEXT NOT NULL,
    email_lower TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    locale TEXT NOT NULL DEFAULT 'en',
    sign_up_reason TEXT NOT NULL DEFAULT '',
    confirmed_at BIGINT,
    approved BIGINT NOT NULL DEFAULT 1,
    disabled BIGINT NOT NULL DEFAULT 0,
    confirmation_token_hash TEXT,
    confirmation_sent_at BIGINT,
    reset_token_hash TEXT,
    reset_sent_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_account ON users (account_id);
CREATE UNIQUE INDEX users_email_lower ON users (email_lower);
CREATE UNIQUE INDEX users_confirmation_token ON users (confirmation_token_hash);
CREATE UNIQUE INDEX users_reset_token ON users (reset_token_hash);

-- OAuth applications. The client secret is stored as a SHA-256 hash.
CREATE TABLE oauth_apps (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    website TEXT,
    redirect_uris TEXT NOT NULL,
    scopes TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret_hash TEXT NOT NULL,
    owner_account_id BIGINT REFERENCES accounts (id),
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX oauth_apps_client_id ON oauth_apps (client_id);

-- Authorization codes (hashed), single use, short-lived, bound to a PKCE challenge when given.
CREATE TABLE oauth_codes (
    code_hash TEXT PRIMARY KEY,
    app_id BIGINT NOT NULL REFERENCES oauth_apps (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    code_challenge TEXT,
    code_challenge_method TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- Access tokens (hashed). account_id is NULL for client_credentials tokens.
CREATE TABLE oauth_tokens (
    id BIGINT PRIMARY KEY,
    token_hash TEXT NOT NULL,
    app_id BIGINT NOT NULL REFERENCES oauth_apps (id),
    account_id BIGINT REFERENCES accounts (id),
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX oauth_tokens_hash ON oauth_tokens (token_hash);
CREATE INDEX oauth_tokens_account ON oauth_tokens (account_id);

-- Web sessions (cookie value hashed).
CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX web_sessions_account ON web_sessions (account_id);

-- Versioned policies (bylaws, code of conduct, …). Version 1 of each comes from the founding
-- import (adopted_by_proposal_id NULL); later versions only from an enacted proposal.
CREATE TABLE policy_versions (
    id BIGINT PRIMARY KEY,
    slug TEXT NOT NULL,
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    adopted_by_proposal_id BIGINT,
    effective_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX policy_versions_slug_version ON policy_versions (slug, version);

-- Roles (member roles: moderator, treasurer, admin). A grant stays as history when revoked.
CREATE TABLE role_grants (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    role TEXT NOT NULL,
    source TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX role_grants_account ON role_grants (account_id);

-- Co-op membership, one row per account.
CREATE TABLE memberships (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    state TEXT NOT NULL,
    applied_at BIGINT NOT NULL,
    joined_at BIGINT,
    updated_at BIGINT NOT NULL
);

-- The governance log: append-only; members read it through the co-op API.
CREATE TABLE governance_events (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    actor_account_id BIGINT,
    subject_account_id BIGINT,
    detail_json TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL
);
