-- Moderators' internal notes on a report (issue 15). Only moderators read them: never the
-- reporter nor the reported account, and no API that either can reach returns them.
CREATE TABLE report_notes (
    id BIGINT PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    content TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX report_notes_report ON report_notes (report_id, id);

-- An admin revokes an invite from /admin: a revoked invite no longer redeems, and the list
-- still shows it (with when) rather than losing the row.
ALTER TABLE invites ADD COLUMN revoked_at BIGINT;
