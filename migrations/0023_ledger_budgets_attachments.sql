-- Treasurers' budgets per period and account: `period` is a month (`2026-03`) or a year
-- (`2026`); `amount` is in minor units of `currency`. Not ledger rows (a budget is a plan, not
-- money moved): a treasurer may set one again, and every change is in the governance log.
-- Reports use a month's budget, else the year's (prorated), else the bylaws' monthly_budgets.
CREATE TABLE ledger_budgets (
    period TEXT NOT NULL,
    account TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    set_by_account_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (period, account)
);

-- Files attached to a treasurer's transaction (invoices, bank statements). Stored like expense
-- receipts, under the data directory (`ledger-attachments/{transaction_id}/{id}`), served only
-- through the API to those who may read the ledger. Written with the transaction, never edited.
CREATE TABLE ledger_attachments (
    id BIGINT PRIMARY KEY,
    transaction_id BIGINT NOT NULL REFERENCES ledger_transactions (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ledger_attachments_transaction ON ledger_attachments (transaction_id, id);
