-- The columns of a member's /deck (issue 14), in order, as one JSON list of
-- {"kind": "home|notifications|local|federated|tag|list|proposals", "arg": "…"}; saved whole
-- on each change, so a reorder is one write. No row: the default columns.
CREATE TABLE deck_layouts (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    columns TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
