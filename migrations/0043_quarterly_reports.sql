-- The treasurers' quarterly reports (bylaws 5.4) once published to the members: one row per
-- quarter (`2026-Q3`), so a quarter is published once; the post by `@coop` that announced it.
-- The report itself is not stored: its figures are the ledger's for the quarter.
CREATE TABLE ledger_quarterly_reports (
    quarter TEXT PRIMARY KEY,
    published_by_account_id BIGINT NOT NULL,
    status_id BIGINT,
    recipients BIGINT NOT NULL,
    published_at BIGINT NOT NULL
);
