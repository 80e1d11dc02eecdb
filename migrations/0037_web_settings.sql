-- The members' site's own preferences (issue 14), one row per local account; an account
-- without a row has the defaults (theme follows the system, motion as the system says,
-- keyboard shortcuts on). The deck reads `shortcuts`.
CREATE TABLE web_preferences (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    theme TEXT NOT NULL DEFAULT 'auto',
    reduce_motion BIGINT NOT NULL DEFAULT 0,
    shortcuts BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
);

-- When a web session was last used (epoch microseconds, written at most every few minutes),
-- so /settings/sessions can show it.
ALTER TABLE web_sessions ADD COLUMN last_used_at BIGINT;
