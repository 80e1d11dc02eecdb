-- Policy-gated moderation: account sanctions, reports, the append-only moderation log, strikes
-- and appeals, domain blocks and allows. Every action row carries the citation it was taken
-- under (`code-of-conduct@2#4.1`), as text, so it keeps its meaning when policies change later.

-- Account sanctions in force (NULL: none). Suspension and silence hide the account as Mastodon
-- does; `sensitized_at` forces its media sensitive. Logins are disabled with users.disabled.
ALTER TABLE accounts ADD COLUMN suspended_at BIGINT;
ALTER TABLE accounts ADD COLUMN silenced_at BIGINT;
ALTER TABLE accounts ADD COLUMN sensitized_at BIGINT;

-- Reports (Mastodon's Report). rule_ids are clause ids of the code of conduct in force when the
-- report was filed; rule_citations_json keeps them as citations so they never drift.
CREATE TABLE reports (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    target_account_id BIGINT NOT NULL REFERENCES accounts (id),
    category TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    status_ids_json TEXT NOT NULL DEFAULT '[]',
    rule_ids_json TEXT NOT NULL DEFAULT '[]',
    rule_citations_json TEXT NOT NULL DEFAULT '[]',
    forward BIGINT NOT NULL DEFAULT 0,
    forwarded_at BIGINT,
    assigned_account_id BIGINT REFERENCES accounts (id),
    action_taken_at BIGINT,
    action_taken_by_account_id BIGINT REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX reports_open ON reports (action_taken_at, id);
CREATE INDEX reports_target ON reports (target_account_id, id);

-- The moderation log: append-only (no UPDATE or DELETE anywhere in the code). moderator is NULL
-- when the members decided by proposal.
CREATE TABLE moderation_actions (
    id BIGINT PRIMARY KEY,
    action TEXT NOT NULL,
    target_account_id BIGINT REFERENCES accounts (id),
    target_status_id BIGINT,
    target_domain TEXT,
    citation TEXT,
    reason TEXT NOT NULL DEFAULT '',
    moderator_account_id BIGINT REFERENCES accounts (id),
    report_id BIGINT,
    strike_id BIGINT,
    appeal_id BIGINT,
    proposal_id BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX moderation_actions_target ON moderation_actions (target_account_id, id);

-- Strikes (Mastodon's account_warnings): one per sanction on an account, with its citation.
CREATE TABLE strikes (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    action TEXT NOT NULL,
    citation TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    statuses_json TEXT NOT NULL DEFAULT '[]',
    report_id BIGINT,
    moderation_action_id BIGINT NOT NULL,
    moderator_account_id BIGINT NOT NULL REFERENCES accounts (id),
    appealable_until BIGINT,
    overruled_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX strikes_account ON strikes (account_id, id);

-- Appeals: one per strike.
CREATE TABLE appeals (
    id BIGINT PRIMARY KEY,
    strike_id BIGINT NOT NULL REFERENCES strikes (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    text TEXT NOT NULL,
    state TEXT NOT NULL,
    decided_at BIGINT,
    decided_by_account_id BIGINT REFERENCES accounts (id),
    decision_reason TEXT,
    proposal_id BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX appeals_strike ON appeals (strike_id);
CREATE INDEX appeals_state ON appeals (state, id);

-- Domain blocks (severity silence | suspend | noop) and allows, each with its citation.
CREATE TABLE domain_blocks (
    id BIGINT PRIMARY KEY,
    domain TEXT NOT NULL,
    severity TEXT NOT NULL,
    reject_media BIGINT NOT NULL DEFAULT 0,
    reject_reports BIGINT NOT NULL DEFAULT 0,
    private_comment TEXT NOT NULL DEFAULT '',
    public_comment TEXT NOT NULL DEFAULT '',
    obfuscate BIGINT NOT NULL DEFAULT 0,
    citation TEXT NOT NULL,
    moderator_account_id BIGINT REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX domain_blocks_domain ON domain_blocks (domain);

CREATE TABLE domain_allows (
    id BIGINT PRIMARY KEY,
    domain TEXT NOT NULL,
    citation TEXT NOT NULL,
    moderator_account_id BIGINT REFERENCES accounts (id),
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX domain_allows_domain ON domain_allows (domain);
