-- A member's own domain blocks (Mastodon's /api/v1/domain_blocks): that server's accounts
-- leave the member's timelines and notifications, and follows with it end. Not the
-- instance-wide `domain_blocks` that moderators set under policy.
CREATE TABLE account_domain_blocks (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    domain TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX account_domain_blocks_pair ON account_domain_blocks (account_id, domain);
