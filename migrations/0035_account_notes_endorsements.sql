-- Accounts (issue 17): private notes on other accounts (`relationship.note`), endorsements
-- (accounts featured on one's profile, Mastodon's account pins) and dismissed follow
-- suggestions.
CREATE TABLE account_notes (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    target_account_id BIGINT NOT NULL REFERENCES accounts (id),
    comment TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);

CREATE TABLE account_pins (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    target_account_id BIGINT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX account_pins_pair ON account_pins (account_id, target_account_id);

CREATE TABLE suggestion_dismissals (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    target_account_id BIGINT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);
