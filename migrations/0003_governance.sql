-- Proposals: the rule they opened under is stored with them (rule_json, from the bylaws version
-- named in rule_source), so a later bylaws amendment never changes a vote already under way.
CREATE TABLE proposals (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    author_account_id BIGINT NOT NULL REFERENCES accounts (id),
    state TEXT NOT NULL,
    urgent BIGINT NOT NULL DEFAULT 0,
    method TEXT NOT NULL,
    rule_json TEXT NOT NULL,
    rule_source TEXT NOT NULL,
    options_json TEXT NOT NULL DEFAULT '[]',
    payload_json TEXT NOT NULL DEFAULT '{}',
    hide_results BIGINT NOT NULL DEFAULT 0,
    secret BIGINT NOT NULL DEFAULT 0,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    closed_at BIGINT,
    enacted_at BIGINT,
    reminded_at BIGINT,
    result_json TEXT,
    status_id BIGINT,
    poll_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX proposals_state_closes ON proposals (state, closes_at);

-- Who voted on what (never how): one row per member per proposal. Voting upserts this row
-- first, so concurrent ballots by one member queue behind each other and the last one counts.
CREATE TABLE proposal_voters (
    proposal_id BIGINT NOT NULL REFERENCES proposals (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    first_cast_at BIGINT NOT NULL,
    last_cast_at BIGINT NOT NULL,
    ballots_cast BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (proposal_id, account_id)
);

-- Ballots, with history: a changed vote supersedes the member's current row (superseded_at set)
-- and adds a new one. `receipt` commits to the ballot with a nonce only the voter holds. For a
-- secret proposal account_id is cleared on every row when the proposal closes.
CREATE TABLE ballots (
    id BIGINT PRIMARY KEY,
    proposal_id BIGINT NOT NULL REFERENCES proposals (id),
    account_id BIGINT REFERENCES accounts (id),
    ballot_json TEXT NOT NULL,
    reason TEXT,
    receipt TEXT NOT NULL,
    via TEXT NOT NULL DEFAULT 'api',
    cast_at BIGINT NOT NULL,
    superseded_at BIGINT
);
CREATE INDEX ballots_proposal ON ballots (proposal_id);
CREATE UNIQUE INDEX ballots_current ON ballots (proposal_id, account_id) WHERE superseded_at IS NULL;
CREATE UNIQUE INDEX ballots_receipt ON ballots (receipt);

-- Membership: the share, dues, and the member's mail preference.
ALTER TABLE memberships ADD COLUMN share_paid_at BIGINT;
ALTER TABLE memberships ADD COLUMN dues_paid_until BIGINT;
ALTER TABLE memberships ADD COLUMN email_proposals BIGINT NOT NULL DEFAULT 1;
ALTER TABLE memberships ADD COLUMN note TEXT NOT NULL DEFAULT '';

-- The governance log links to the proposal an event is about, for proposal timelines.
ALTER TABLE governance_events ADD COLUMN proposal_id BIGINT;
CREATE INDEX governance_events_proposal ON governance_events (proposal_id);
