-- Per-day sums of the ledger's postings, per account and currency: a period report adds whole
-- days from here and reads only the partial days at its edges from ledger_postings, so it
-- stays fast however long the history. Written in the transaction that posts (under the chain
-- lock), never edited otherwise; `herd ledger verify` re-derives it from the postings.
-- `day` is the posting's date floored to 00:00 UTC, epoch microseconds (floor also for dates
-- before 1970: ((x % d) + d) % d is the non-negative remainder on both backends).
CREATE TABLE ledger_daily_sums (
    day BIGINT NOT NULL,
    account TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (day, account, currency)
);

INSERT INTO ledger_daily_sums (day, account, currency, amount)
SELECT occurred_at - ((occurred_at % 86400000000) + 86400000000) % 86400000000,
       account, currency, CAST(SUM(amount) AS BIGINT)
FROM ledger_postings
GROUP BY occurred_at - ((occurred_at % 86400000000) + 86400000000) % 86400000000, account, currency;
