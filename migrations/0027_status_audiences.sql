-- A followers-only status whose audience is another account's followers rather than its
-- author's: a reply in the thread of a members-only proposal post of @coop is for @coop's
-- followers (the active members), whatever the replying member's own followers are.
CREATE TABLE status_audiences (
    status_id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL
);
CREATE INDEX status_audiences_account ON status_audiences (account_id);
