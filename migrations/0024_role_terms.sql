-- Roles are held for a term (bylaws 3.2). A grant's term ends at `term_ends_at` (NULL for a
-- grant made before terms existed: `herd serve` gives it one at start-up, with notice).
-- `holding_over` = 1 once the term has ended and the holder, the role's last holder, keeps it
-- until an election fills the seat.
ALTER TABLE role_grants ADD COLUMN term_ends_at BIGINT;
ALTER TABLE role_grants ADD COLUMN holding_over BIGINT NOT NULL DEFAULT 0;
CREATE INDEX role_grants_role ON role_grants (role);
