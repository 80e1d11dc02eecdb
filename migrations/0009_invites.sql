-- Invites: with registrations closed, an invite still lets a person sign up (and skips approval).
CREATE TABLE invites (
    id BIGINT PRIMARY KEY,
    code_hash TEXT NOT NULL,
    created_by BIGINT REFERENCES accounts (id),
    max_uses BIGINT,
    uses BIGINT NOT NULL DEFAULT 0,
    expires_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX invites_code ON invites (code_hash);
