-- Mastodon 4.3's notifications (issue 17): grouped notifications, the notification policy and
-- requests from accounts the policy filters.
--
-- `group_key` is set when a favourite, boost or follow is notified (favourite-STATUS-HOUR,
-- reblog-STATUS-HOUR, follow-HOUR, a group spanning at most 12 hours as Mastodon's); NULL is
-- an ungrouped notification, shown as `ungrouped-ID`. `filtered` (0/1) marks a notification the
-- recipient's policy filtered: kept out of the lists until its sender's request is accepted.
ALTER TABLE notifications ADD COLUMN group_key TEXT;
ALTER TABLE notifications ADD COLUMN filtered BIGINT NOT NULL DEFAULT 0;
CREATE INDEX notifications_group ON notifications (account_id, group_key, id);

-- One row per account that changed its policy; absent rows mean Mastodon's defaults.
-- Each column is accept | filter | drop.
CREATE TABLE notification_policies (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    for_not_following TEXT NOT NULL DEFAULT 'accept',
    for_not_followers TEXT NOT NULL DEFAULT 'accept',
    for_new_accounts TEXT NOT NULL DEFAULT 'accept',
    for_private_mentions TEXT NOT NULL DEFAULT 'filter',
    for_limited_accounts TEXT NOT NULL DEFAULT 'filter',
    updated_at BIGINT NOT NULL
);

-- A pending request: an account whose mentions the policy filtered.
CREATE TABLE notification_requests (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    from_account_id BIGINT NOT NULL REFERENCES accounts (id),
    last_status_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX notification_requests_pair ON notification_requests (account_id, from_account_id);
CREATE INDEX notification_requests_account ON notification_requests (account_id, id);

-- Accounts whose notifications pass the policy because their request was accepted.
CREATE TABLE notification_permissions (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    from_account_id BIGINT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, from_account_id)
);
