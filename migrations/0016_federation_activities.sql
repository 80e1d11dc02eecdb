-- Federation activities (issue 4): remote poll counts, account aliases and moves, hidden
-- follower lists, and remote actors' featured collections.

-- A remote poll's counts as its origin last reported them (JSON array, one count per option)
-- and its voters; local polls count their poll_votes rows instead. One row per remote poll.
CREATE TABLE remote_polls (
    poll_id BIGINT PRIMARY KEY,
    counts TEXT NOT NULL,
    voters_count BIGINT,
    updated_at BIGINT NOT NULL
);

-- Account migration: the actor URIs an account is also known as (JSON array of strings), and
-- the account it moved to (with when).
ALTER TABLE accounts ADD COLUMN also_known_as TEXT NOT NULL DEFAULT '[]';
ALTER TABLE accounts ADD COLUMN moved_to_account_id BIGINT;
ALTER TABLE accounts ADD COLUMN moved_at BIGINT;

-- Mastodon's hide_collections: the account's followers and following lists are not shown to
-- others (their counts are).
ALTER TABLE accounts ADD COLUMN hide_collections BIGINT NOT NULL DEFAULT 0;

-- A remote actor's featured collection (its pinned posts), the target of its Add/Remove.
ALTER TABLE remote_actors ADD COLUMN featured TEXT;
