//! The quarterly reports' publication records, and the quarter's largest expenses (the
//! report's "notable expenses").

use sqlx::{Any, Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct PublishedRow {
    pub quarter: String,
    pub published_by_account_id: i64,
    pub status_id: Option<i64>,
    pub recipients: i64,
    pub published_at: i64,
}

/// Records a quarter as published; a second insert of the same quarter is a unique violation.
pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    row: &PublishedRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO ledger_quarterly_reports (quarter, published_by_account_id, status_id, recipients, published_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&row.quarter)
    .bind(row.published_by_account_id)
    .bind(row.status_id)
    .bind(row.recipients)
    .bind(row.published_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    db: E,
    quarter: &str,
) -> sqlx::Result<Option<PublishedRow>> {
    sqlx::query_as(
        "SELECT quarter, published_by_account_id, status_id, recipients, published_at \
         FROM ledger_quarterly_reports WHERE quarter = $1",
    )
    .bind(quarter)
    .fetch_optional(db)
    .await
}

/// Every published quarter, newest first.
pub async fn list<'e, E: Executor<'e, Database = Any>>(db: E) -> sqlx::Result<Vec<PublishedRow>> {
    sqlx::query_as(
        "SELECT quarter, published_by_account_id, status_id, recipients, published_at \
         FROM ledger_quarterly_reports ORDER BY quarter DESC",
    )
    .fetch_all(db)
    .await
}

/// One debit to an expense account.
#[derive(Debug, Clone, FromRow)]
pub struct ExpensePostingRow {
    pub transaction_id: i64,
    pub account: String,
    pub amount: i64,
    pub currency: String,
    pub memo: String,
    pub counterparty: String,
    pub occurred_at: i64,
}

/// The `limit` largest debits to expense accounts dated in `[from, to)`, leaving out
/// transactions that were reversed and the reversals themselves (together they moved nothing).
pub async fn largest_expenses<'e, E: Executor<'e, Database = Any>>(
    db: E,
    from: i64,
    to: i64,
    limit: i64,
) -> sqlx::Result<Vec<ExpensePostingRow>> {
    sqlx::query_as(
        "SELECT p.transaction_id, p.account, p.amount, p.currency, t.memo, t.counterparty, t.occurred_at \
         FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id \
         WHERE p.occurred_at >= $1 AND p.occurred_at < $2 AND p.account LIKE 'expenses:%' AND p.amount > 0 \
           AND t.reverses_id IS NULL \
           AND NOT EXISTS (SELECT 1 FROM ledger_transactions r WHERE r.reverses_id = t.id) \
         ORDER BY p.amount DESC, p.transaction_id, p.idx LIMIT $3",
    )
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(db)
    .await
}
