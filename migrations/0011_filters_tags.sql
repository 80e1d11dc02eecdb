-- Filters v2 (keywords and statuses, per context, warn or hide, optional expiry),
-- followed tags and featured tags.

CREATE TABLE filters (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    title TEXT NOT NULL,
    -- comma-separated subset of home,notifications,public,thread,account
    context TEXT NOT NULL,
    action TEXT NOT NULL,
    expires_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX filters_account ON filters (account_id);

CREATE TABLE filter_keywords (
    id BIGINT PRIMARY KEY,
    filter_id BIGINT NOT NULL REFERENCES filters (id),
    keyword TEXT NOT NULL,
    whole_word BIGINT NOT NULL
);
CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id);

CREATE TABLE filter_statuses (
    id BIGINT PRIMARY KEY,
    filter_id BIGINT NOT NULL REFERENCES filters (id),
    status_id BIGINT NOT NULL
);
CREATE UNIQUE INDEX filter_statuses_unique ON filter_statuses (filter_id, status_id);

CREATE TABLE tag_follows (
    id BIGINT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    tag_id BIGINT NOT NULL REFERENCES tags (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, tag_id)
);
CREATE INDEX tag_follows_tag ON tag_follows (tag_id, account_id);

CREATE TABLE featured_tags (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    tag_id BIGINT NOT NULL REFERENCES tags (id),
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX featured_tags_unique ON featured_tags (account_id, tag_id);
