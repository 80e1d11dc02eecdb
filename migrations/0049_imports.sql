-- Imports as queued work (Mastodon 4.x's BulkImport): the upload is checked and recorded at
-- once, then a job works through its rows in batches. Each row keeps its own state, so a job
-- re-run after a crash skips what it already did and the page can show progress and the
-- rows refused with their reason.
CREATE TABLE imports (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    mode TEXT NOT NULL,
    -- scheduled | in_progress | finished
    state TEXT NOT NULL,
    -- 1 once `overwrite` has removed what the file does not list.
    overwritten BIGINT NOT NULL DEFAULT 0,
    total_rows BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX imports_by_account ON imports (account_id, id);

CREATE TABLE import_rows (
    import_id BIGINT NOT NULL REFERENCES imports (id),
    line BIGINT NOT NULL,
    -- The row's fields, a JSON array of strings.
    fields TEXT NOT NULL,
    -- pending | imported | failed
    state TEXT NOT NULL,
    -- 1 once the row's account or status has been looked up (target_id, if any).
    resolved BIGINT NOT NULL DEFAULT 0,
    target_id BIGINT,
    error TEXT,
    PRIMARY KEY (import_id, line)
);
CREATE INDEX import_rows_by_state ON import_rows (import_id, state, line);
