-- What each dues payment granted (bylaws 5.5): the months it paid for, when it was applied and
-- the member's paid-until date before and after it, so that reversing the payment in the ledger
-- takes back exactly that: paid-until becomes what it would be had the payment never been made,
-- the later payments applied as they were (their before/after are restated then). Bookkeeping
-- beside the ledger, not part of its hash chain. Payments recorded before this migration have no
-- row, and reversing one leaves paid-until as it is.
CREATE TABLE dues_grants (
    transaction_id BIGINT PRIMARY KEY REFERENCES ledger_transactions (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    seq BIGINT NOT NULL,
    months BIGINT NOT NULL,
    granted_at BIGINT NOT NULL,
    paid_until_before BIGINT,
    paid_until_after BIGINT NOT NULL,
    reversed_by_transaction_id BIGINT,
    reversed_at BIGINT
);
CREATE INDEX dues_grants_account ON dues_grants (account_id, seq);

-- The treasurers' limit counts one submitter's claims in one category over the bylaws' window.
CREATE INDEX expenses_submitter_category ON expenses (submitter_account_id, category, created_at);
