-- The social model of the Mastodon client API: statuses and what hangs off them, the social
-- graph, home feeds, notifications, and the durable job queue.

ALTER TABLE accounts ADD COLUMN statuses_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN followers_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN following_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN last_status_at BIGINT;

CREATE TABLE statuses (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    uri TEXT NOT NULL,
    url TEXT,
    text TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    spoiler_text TEXT NOT NULL DEFAULT '',
    sensitive BIGINT NOT NULL DEFAULT 0,
    visibility TEXT NOT NULL,
    local_only BIGINT NOT NULL DEFAULT 0,
    language TEXT,
    in_reply_to_id BIGINT,
    in_reply_to_account_id BIGINT,
    reblog_of_id BIGINT,
    thread_root_id BIGINT NOT NULL,
    application_id BIGINT,
    local BIGINT NOT NULL DEFAULT 1,
    replies_count BIGINT NOT NULL DEFAULT 0,
    reblogs_count BIGINT NOT NULL DEFAULT 0,
    favourites_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    edited_at BIGINT
);
CREATE UNIQUE INDEX statuses_uri ON statuses (uri);
CREATE INDEX statuses_account ON statuses (account_id, id);
CREATE INDEX statuses_in_reply_to ON statuses (in_reply_to_id);
CREATE UNIQUE INDEX statuses_one_reblog ON statuses (account_id, reblog_of_id);
CREATE INDEX statuses_reblog_of ON statuses (reblog_of_id);
CREATE INDEX statuses_thread ON statuses (thread_root_id, id);
CREATE INDEX statuses_visibility ON statuses (visibility, id);

-- URIs of deleted statuses, so a late copy is not resurrected.
CREATE TABLE tombstones (
    uri TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE mentions (
    status_id BIGINT NOT NULL REFERENCES statuses (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (status_id, account_id)
);
CREATE INDEX mentions_account ON mentions (account_id, status_id);

CREATE TABLE tags (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    name_lower TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX tags_name_lower ON tags (name_lower);

CREATE TABLE status_tags (
    status_id BIGINT NOT NULL REFERENCES statuses (id),
    tag_id BIGINT NOT NULL REFERENCES tags (id),
    PRIMARY KEY (tag_id, status_id)
);
CREATE INDEX status_tags_status ON status_tags (status_id);

CREATE TABLE status_edits (
    id BIGINT PRIMARY KEY,
    status_id BIGINT NOT NULL REFERENCES statuses (id),
    text TEXT NOT NULL,
    content TEXT NOT NULL,
    spoiler_text TEXT NOT NULL,
    sensitive BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX status_edits_status ON status_edits (status_id, id);

CREATE TABLE idempotency_keys (
    account_id BIGINT NOT NULL,
    key TEXT NOT NULL,
    status_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, key)
);

-- The social graph. Relation rows carry their own ids: list endpoints page by them.
CREATE TABLE follows (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    target_account_id BIGINT NOT NULL REFERENCES accounts (id),
    show_reblogs BIGINT NOT NULL DEFAULT 1,
    notify BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX follows_pair ON follows (account_id, target_account_id);
CREATE INDEX follows_target ON follows (target_account_id, id);

CREATE TABLE follow_requests (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    target_account_id BIGINT NOT NULL REFERENCES accounts (id),
    show_reblogs BIGINT NOT NULL DEFAULT 1,
    notify BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX follow_requests_pair ON follow_requests (account_id, target_account_id);
CREATE INDEX follow_requests_target ON follow_requests (target_account_id, id);

CREATE TABLE blocks (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    target_account_id BIGINT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX blocks_pair ON blocks (account_id, target_account_id);
CREATE INDEX blocks_target ON blocks (target_account_id);

CREATE TABLE mutes (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    target_account_id BIGINT NOT NULL REFERENCES accounts (id),
    notifications BIGINT NOT NULL DEFAULT 1,
    expires_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX mutes_pair ON mutes (account_id, target_account_id);

CREATE TABLE favourites (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    status_id BIGINT NOT NULL REFERENCES statuses (id),
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX favourites_pair ON favourites (account_id, status_id);
CREATE INDEX favourites_status ON favourites (status_id, id);

CREATE TABLE bookmarks (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    status_id BIGINT NOT NULL REFERENCES statuses (id),
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX bookmarks_pair ON bookmarks (account_id, status_id);

CREATE TABLE status_pins (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    status_id BIGINT NOT NULL REFERENCES statuses (id),
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX status_pins_pair ON status_pins (account_id, status_id);

CREATE TABLE conversation_mutes (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    thread_root_id BIGINT NOT NULL,
    PRIMARY KEY (account_id, thread_root_id)
);

-- Home feeds, written by fan-out jobs: reading a home timeline is one index range scan,
-- whatever the number of statuses or follows.
CREATE TABLE home_feed (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    status_id BIGINT NOT NULL REFERENCES statuses (id),
    author_id BIGINT NOT NULL,
    PRIMARY KEY (account_id, status_id)
);
CREATE INDEX home_feed_status ON home_feed (status_id);

CREATE TABLE notifications (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    from_account_id BIGINT NOT NULL REFERENCES accounts (id),
    type TEXT NOT NULL,
    status_id BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX notifications_account ON notifications (account_id, id);
CREATE UNIQUE INDEX notifications_once ON notifications (account_id, from_account_id, type, status_id);

-- The durable job queue: rows written in the transaction that makes the work, claimed by
-- lease, retried with backoff.
CREATE TABLE jobs (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at);

-- Posting preferences (Mastodon's `source`).
ALTER TABLE users ADD COLUMN default_privacy TEXT NOT NULL DEFAULT 'public';
ALTER TABLE users ADD COLUMN default_sensitive BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN default_language TEXT NOT NULL DEFAULT '';

-- Read positions (Mastodon markers) per timeline.
CREATE TABLE markers (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    timeline TEXT NOT NULL,
    last_read_id BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, timeline)
);
