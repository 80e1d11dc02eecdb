-- Lists (an owner's hand-picked timelines of accounts they follow) and direct-message
-- conversations (one row per participant and thread, with its own unread flag).

CREATE TABLE lists (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    title TEXT NOT NULL,
    replies_policy TEXT NOT NULL DEFAULT 'list',
    exclusive BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX lists_account ON lists (account_id, id);

CREATE TABLE list_accounts (
    list_id BIGINT NOT NULL REFERENCES lists (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (list_id, account_id)
);
CREATE INDEX list_accounts_account ON list_accounts (account_id, list_id);

-- participant_ids: the other participants' account ids, comma-separated, ascending.
CREATE TABLE conversations (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    thread_root_id BIGINT NOT NULL,
    participant_ids TEXT NOT NULL DEFAULT '',
    last_status_id BIGINT NOT NULL,
    unread BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX conversations_thread ON conversations (account_id, thread_root_id);
CREATE INDEX conversations_recent ON conversations (account_id, last_status_id);
