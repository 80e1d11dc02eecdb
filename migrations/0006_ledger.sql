-- The co-op's ledger. Transactions and postings are append-only: the code never updates or
-- deletes them (corrections are reversing transactions). Each transaction stores the SHA-256 of
-- its canonical form (governance::ledger::canonical) and the previous transaction's hash; `seq`
-- orders the chain and is unique, so two concurrent inserts cannot share a place in it.
CREATE TABLE ledger_transactions (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    occurred_at BIGINT NOT NULL,
    memo TEXT NOT NULL,
    counterparty TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    source TEXT,
    reverses_id BIGINT,
    member_account_id BIGINT,
    created_by_account_id BIGINT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX ledger_transactions_seq ON ledger_transactions (seq);
CREATE UNIQUE INDEX ledger_transactions_source ON ledger_transactions (source);
CREATE UNIQUE INDEX ledger_transactions_reverses ON ledger_transactions (reverses_id);
CREATE INDEX ledger_transactions_occurred ON ledger_transactions (occurred_at);
CREATE INDEX ledger_transactions_member ON ledger_transactions (member_account_id, kind);

-- occurred_at is copied from the transaction so period sums read one table.
CREATE TABLE ledger_postings (
    transaction_id BIGINT NOT NULL REFERENCES ledger_transactions (id),
    idx BIGINT NOT NULL,
    account TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    PRIMARY KEY (transaction_id, idx)
);
CREATE INDEX ledger_postings_period ON ledger_postings (occurred_at, account, currency, amount);

-- Expenses: submitted → approved → paid, or rejected. Receipts are files under the data
-- directory (never served publicly); the rows record where.
CREATE TABLE expenses (
    id BIGINT PRIMARY KEY,
    submitter_account_id BIGINT NOT NULL REFERENCES accounts (id),
    state TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    description TEXT NOT NULL,
    category TEXT NOT NULL,
    proposal_id BIGINT,
    decided_by_account_id BIGINT,
    decided_at BIGINT,
    reject_reason TEXT,
    paid_at BIGINT,
    transaction_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX expenses_state ON expenses (state, id);

CREATE TABLE expense_receipts (
    id BIGINT PRIMARY KEY,
    expense_id BIGINT NOT NULL REFERENCES expenses (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX expense_receipts_expense ON expense_receipts (expense_id);

-- Stripe webhook events already processed (idempotency by event id).
CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    transaction_id BIGINT,
    received_at BIGINT NOT NULL
);
