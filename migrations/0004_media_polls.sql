-- Media attachments, polls and their votes, and scheduled statuses.

-- An uploaded image. It belongs to its uploader; `status_id` is set once it is attached to a
-- status (one status at most), `scheduled_status_id` while a scheduled status holds it.
-- The files live in the media store (the data directory by default) under `file_key` and
-- `thumb_key`; the database holds no bytes.
CREATE TABLE media_attachments (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    status_id BIGINT,
    scheduled_status_id BIGINT,
    position BIGINT NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    file_key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    file_size BIGINT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    thumb_key TEXT NOT NULL,
    thumb_width BIGINT NOT NULL,
    thumb_height BIGINT NOT NULL,
    description TEXT,
    focus_x DOUBLE PRECISION NOT NULL DEFAULT 0,
    focus_y DOUBLE PRECISION NOT NULL DEFAULT 0,
    blurhash TEXT,
    remote_url TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX media_attachments_status ON media_attachments (status_id, position);
CREATE INDEX media_attachments_account ON media_attachments (account_id, id);
CREATE INDEX media_attachments_scheduled ON media_attachments (scheduled_status_id);

-- A poll attached to one status. Options are a JSON array of titles; counts come from votes.
CREATE TABLE polls (
    id BIGINT PRIMARY KEY,
    status_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    options TEXT NOT NULL,
    multiple BIGINT NOT NULL DEFAULT 0,
    hide_totals BIGINT NOT NULL DEFAULT 0,
    expires_at BIGINT,
    closed BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX polls_status ON polls (status_id);

-- One row per voter: the unique key makes a second vote fail even under concurrency.
CREATE TABLE poll_voters (
    poll_id BIGINT NOT NULL REFERENCES polls (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (poll_id, account_id)
);

-- One row per chosen option.
CREATE TABLE poll_votes (
    id BIGINT PRIMARY KEY,
    poll_id BIGINT NOT NULL REFERENCES polls (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    choice BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX poll_votes_choice ON poll_votes (poll_id, account_id, choice);

-- A status to publish later: its parameters as JSON, published by a queued job.
CREATE TABLE scheduled_statuses (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    application_id BIGINT,
    scheduled_at BIGINT NOT NULL,
    params TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX scheduled_statuses_account ON scheduled_statuses (account_id, id);
