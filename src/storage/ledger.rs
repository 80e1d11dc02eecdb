//! The ledger (append-only transactions and postings, chained by hash), expenses with their
//! receipts, and processed Stripe events. Nothing here updates or deletes a ledger row.

use sqlx::{Any, AnyConnection, Executor, FromRow};

use super::Backend;
use crate::paging::Page;

#[derive(Debug, Clone, FromRow)]
pub struct TransactionRow {
    pub id: i64,
    pub seq: i64,
    pub occurred_at: i64,
    pub memo: String,
    pub counterparty: String,
    pub category: String,
    pub kind: String,
    pub source: Option<String>,
    pub reverses_id: Option<i64>,
    pub member_account_id: Option<i64>,
    pub created_by_account_id: Option<i64>,
    pub prev_hash: String,
    pub hash: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct PostingRow {
    pub transaction_id: i64,
    pub idx: i64,
    pub account: String,
    pub amount: i64,
    pub currency: String,
}

const TX_COLUMNS: &str = "id, seq, occurred_at, memo, counterparty, category, kind, source, \
     reverses_id, member_account_id, created_by_account_id, prev_hash, hash, created_at";

/// Serialises writers of the chain until the caller's transaction ends. SQLite already has a
/// single writer (`Db::begin_write`); PostgreSQL takes a table lock that blocks other inserts
/// but not readers.
pub async fn lock_chain(conn: &mut AnyConnection, backend: Backend) -> sqlx::Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("LOCK TABLE ledger_transactions IN SHARE ROW EXCLUSIVE MODE")
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// `(seq, hash)` of the newest transaction, if any.
pub async fn chain_head<'e, E: Executor<'e, Database = Any>>(
    db: E,
) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query_as("SELECT seq, hash FROM ledger_transactions ORDER BY seq DESC LIMIT 1")
        .fetch_optional(db)
        .await
}

pub async fn insert_transaction(
    conn: &mut AnyConnection,
    t: &TransactionRow,
    postings: &[PostingRow],
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO ledger_transactions ({TX_COLUMNS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    ))
    .bind(t.id)
    .bind(t.seq)
    .bind(t.occurred_at)
    .bind(&t.memo)
    .bind(&t.counterparty)
    .bind(&t.category)
    .bind(&t.kind)
    .bind(&t.source)
    .bind(t.reverses_id)
    .bind(t.member_account_id)
    .bind(t.created_by_account_id)
    .bind(&t.prev_hash)
    .bind(&t.hash)
    .bind(t.created_at)
    .execute(&mut *conn)
    .await?;
    for p in postings {
        sqlx::query(
            "INSERT INTO ledger_postings (transaction_id, idx, account, amount, currency, occurred_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(p.transaction_id)
        .bind(p.idx)
        .bind(&p.account)
        .bind(p.amount)
        .bind(&p.currency)
        .bind(t.occurred_at)
        .execute(&mut *conn)
        .await?;
    }
    add_daily_sums(conn, t.occurred_at, postings).await?;
    Ok(())
}

pub async fn transaction_by_id<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<TransactionRow>> {
    sqlx::query_as(&format!(
        "SELECT {TX_COLUMNS} FROM ledger_transactions WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn transaction_by_source<'e, E: Executor<'e, Database = Any>>(
    db: E,
    source: &str,
) -> sqlx::Result<Option<TransactionRow>> {
    sqlx::query_as(&format!(
        "SELECT {TX_COLUMNS} FROM ledger_transactions WHERE source = $1"
    ))
    .bind(source)
    .fetch_optional(db)
    .await
}

/// The transaction that reverses `id`, if one was posted.
pub async fn reversal_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<i64>> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM ledger_transactions WHERE reverses_id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|r| r.0))
}

/// The postings of these transactions, in transaction then posting order.
pub async fn postings_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    ids: &[i64],
) -> sqlx::Result<Vec<PostingRow>> {
    let mut q = super::query::Sql::new(
        "SELECT transaction_id, idx, account, amount, currency FROM ledger_postings WHERE transaction_id IN (",
    );
    let list = q.ints(ids);
    q.push(&list);
    q.push(") ORDER BY transaction_id, idx");
    q.query_as().fetch_all(db).await
}

/// `(transaction_id, idx, occurred_at)` of these transactions' postings: the date copied
/// onto each posting for period sums, which verification compares with its transaction's.
pub async fn posting_dates_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    ids: &[i64],
) -> sqlx::Result<Vec<(i64, i64, i64)>> {
    let mut q = super::query::Sql::new(
        "SELECT transaction_id, idx, occurred_at FROM ledger_postings WHERE transaction_id IN (",
    );
    let list = q.ints(ids);
    q.push(&list);
    q.push(") ORDER BY transaction_id, idx");
    q.query_as().fetch_all(db).await
}

/// Filters of the transaction list.
#[derive(Debug, Clone, Default)]
pub struct TxFilter {
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub member: Option<i64>,
    pub kind: Option<String>,
    /// Any of these kinds (empty: every kind).
    pub kinds: Vec<String>,
}

/// Transactions newest first, paged by id.
pub async fn list_transactions<'e, E: Executor<'e, Database = Any>>(
    db: E,
    f: &TxFilter,
    page: &Page,
) -> sqlx::Result<Vec<TransactionRow>> {
    let mut q = super::query::Sql::new(&format!(
        "SELECT {TX_COLUMNS} FROM ledger_transactions WHERE 1 = 1"
    ));
    if let Some(from) = f.from {
        let p = q.int(from);
        q.push(&format!(" AND occurred_at >= {p}"));
    }
    if let Some(to) = f.to {
        let p = q.int(to);
        q.push(&format!(" AND occurred_at < {p}"));
    }
    if let Some(m) = f.member {
        let p = q.int(m);
        q.push(&format!(" AND member_account_id = {p}"));
    }
    if let Some(k) = &f.kind {
        let p = q.text(k);
        q.push(&format!(" AND kind = {p}"));
    }
    if !f.kinds.is_empty() {
        let ps: Vec<String> = f.kinds.iter().map(|k| q.text(k)).collect();
        q.push(&format!(" AND kind IN ({})", ps.join(", ")));
    }
    super::paging::bound(&mut q, "id", page);
    let rows: Vec<TransactionRow> = q.query_as().fetch_all(db).await?;
    Ok(super::paging::newest_first(rows, page))
}

/// Every transaction in a period, oldest first (CSV export).
pub async fn transactions_between<'e, E: Executor<'e, Database = Any>>(
    db: E,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<TransactionRow>> {
    sqlx::query_as(&format!(
        "SELECT {TX_COLUMNS} FROM ledger_transactions WHERE occurred_at >= $1 AND occurred_at < $2 ORDER BY seq"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}

/// The chain in order, `limit` transactions after `after_seq` (verification streams pages).
pub async fn chain_page<'e, E: Executor<'e, Database = Any>>(
    db: E,
    after_seq: i64,
    limit: i64,
) -> sqlx::Result<Vec<TransactionRow>> {
    sqlx::query_as(&format!(
        "SELECT {TX_COLUMNS} FROM ledger_transactions WHERE seq > $1 ORDER BY seq LIMIT $2"
    ))
    .bind(after_seq)
    .bind(limit)
    .fetch_all(db)
    .await
}

const DAY: i64 = 86_400_000_000;

/// `t` floored to 00:00 UTC (also before 1970), as `ledger_daily_sums.day`.
pub fn day_of(t: i64) -> i64 {
    t.div_euclid(DAY) * DAY
}

/// Adds a transaction's postings to the per-day sums, inside the transaction that posts it.
pub async fn add_daily_sums(
    conn: &mut AnyConnection,
    occurred_at: i64,
    postings: &[PostingRow],
) -> sqlx::Result<()> {
    for p in postings {
        sqlx::query(
            "INSERT INTO ledger_daily_sums (day, account, currency, amount) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (day, account, currency) DO UPDATE SET amount = ledger_daily_sums.amount + excluded.amount",
        )
        .bind(day_of(occurred_at))
        .bind(&p.account)
        .bind(&p.currency)
        .bind(p.amount)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Signed sums per account and currency of the postings dated in `[from, to)`: whole days
/// from `ledger_daily_sums`, the partial days at either edge from `ledger_postings`.
pub async fn sums<'e, E: Executor<'e, Database = Any>>(
    db: E,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<(String, String, i64)>> {
    // Far beyond any real date, and clear of overflow when rounding to days.
    let (from, to) = (from.max(i64::MIN / 4), to.min(i64::MAX / 4));
    let first_day = {
        let d = day_of(from);
        if d < from {
            d + DAY
        } else {
            d
        }
    };
    let end_day = day_of(to);
    // (days [a, b), postings [c, d), postings [e, f))
    let r = if first_day < end_day {
        (first_day, end_day, from, first_day, end_day, to)
    } else {
        (0, 0, from, to, 0, 0)
    };
    sqlx::query_as(
        "SELECT account, currency, CAST(SUM(amount) AS BIGINT) FROM ( \
           SELECT account, currency, amount FROM ledger_daily_sums WHERE day >= $1 AND day < $2 \
           UNION ALL \
           SELECT account, currency, amount FROM ledger_postings WHERE occurred_at >= $3 AND occurred_at < $4 \
           UNION ALL \
           SELECT account, currency, amount FROM ledger_postings WHERE occurred_at >= $5 AND occurred_at < $6 \
         ) s GROUP BY account, currency ORDER BY account, currency",
    )
    .bind(r.0)
    .bind(r.1)
    .bind(r.2)
    .bind(r.3)
    .bind(r.4)
    .bind(r.5)
    .fetch_all(db)
    .await
}

/// `(day, account, currency, sum)` as stored in `ledger_daily_sums`, and as derived from the
/// postings (verification compares them).
pub async fn daily_sums_stored_and_derived<'e, E>(
    db: E,
) -> sqlx::Result<(
    Vec<(i64, String, String, i64)>,
    Vec<(i64, String, String, i64)>,
)>
where
    E: Executor<'e, Database = Any> + Copy,
{
    let stored = sqlx::query_as(
        "SELECT day, account, currency, amount FROM ledger_daily_sums ORDER BY day, account, currency",
    )
    .fetch_all(db)
    .await?;
    let derived = sqlx::query_as(
        "SELECT occurred_at - ((occurred_at % 86400000000) + 86400000000) % 86400000000 AS day, \
         account, currency, CAST(SUM(amount) AS BIGINT) FROM ledger_postings \
         GROUP BY occurred_at - ((occurred_at % 86400000000) + 86400000000) % 86400000000, account, currency \
         ORDER BY day, account, currency",
    )
    .fetch_all(db)
    .await?;
    Ok((stored, derived))
}

// ---- expenses ----

#[derive(Debug, Clone, FromRow)]
pub struct ExpenseRow {
    pub id: i64,
    pub submitter_account_id: i64,
    pub state: String,
    pub amount: i64,
    pub currency: String,
    pub description: String,
    pub category: String,
    pub proposal_id: Option<i64>,
    pub decided_by_account_id: Option<i64>,
    pub decided_at: Option<i64>,
    pub reject_reason: Option<String>,
    pub paid_at: Option<i64>,
    pub transaction_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const EXPENSE_COLUMNS: &str = "id, submitter_account_id, state, amount, currency, description, \
     category, proposal_id, decided_by_account_id, decided_at, reject_reason, paid_at, \
     transaction_id, created_at, updated_at";

pub async fn insert_expense<'e, E: Executor<'e, Database = Any>>(
    db: E,
    e: &ExpenseRow,
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO expenses ({EXPENSE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    ))
    .bind(e.id)
    .bind(e.submitter_account_id)
    .bind(&e.state)
    .bind(e.amount)
    .bind(&e.currency)
    .bind(&e.description)
    .bind(&e.category)
    .bind(e.proposal_id)
    .bind(e.decided_by_account_id)
    .bind(e.decided_at)
    .bind(&e.reject_reason)
    .bind(e.paid_at)
    .bind(e.transaction_id)
    .bind(e.created_at)
    .bind(e.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn expense_by_id<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<ExpenseRow>> {
    sqlx::query_as(&format!(
        "SELECT {EXPENSE_COLUMNS} FROM expenses WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Expenses newest first, optionally in one state, paged by id.
pub async fn list_expenses<'e, E: Executor<'e, Database = Any>>(
    db: E,
    state: Option<&str>,
    page: &Page,
) -> sqlx::Result<Vec<ExpenseRow>> {
    let mut q = super::query::Sql::new(&format!(
        "SELECT {EXPENSE_COLUMNS} FROM expenses WHERE 1 = 1"
    ));
    if let Some(s) = state {
        let p = q.text(s);
        q.push(&format!(" AND state = {p}"));
    }
    super::paging::bound(&mut q, "id", page);
    let rows: Vec<ExpenseRow> = q.query_as().fetch_all(db).await?;
    Ok(super::paging::newest_first(rows, page))
}

/// Moves an expense from `from` to `to` (compare-and-set); false when it was not in `from`.
#[allow(clippy::too_many_arguments)]
pub async fn transition_expense<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    from: &str,
    to: &str,
    actor: Option<i64>,
    proposal_id: Option<i64>,
    reason: Option<&str>,
    transaction_id: Option<i64>,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE expenses SET state = $3, updated_at = $4, \
         decided_by_account_id = CASE WHEN $3 IN ('approved', 'rejected') THEN $5 ELSE decided_by_account_id END, \
         decided_at = CASE WHEN $3 IN ('approved', 'rejected') THEN $4 ELSE decided_at END, \
         proposal_id = COALESCE($6, proposal_id), reject_reason = COALESCE($7, reject_reason), \
         paid_at = CASE WHEN $3 = 'paid' THEN $4 ELSE paid_at END, \
         transaction_id = COALESCE($8, transaction_id) \
         WHERE id = $1 AND state = $2",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(now)
    .bind(actor)
    .bind(proposal_id)
    .bind(reason)
    .bind(transaction_id)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// How many payments were posted for an expense (each reversed but the last): their sources
/// are `expense:{id}`, then `expense:{id}:2`, `expense:{id}:3`…
pub async fn count_expense_payments<'e, E: Executor<'e, Database = Any>>(
    db: E,
    expense_id: i64,
) -> sqlx::Result<i64> {
    let row: (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM ledger_transactions WHERE kind = 'expense' \
         AND (source = $1 OR source LIKE $2)",
    )
    .bind(format!("expense:{expense_id}"))
    .bind(format!("expense:{expense_id}:%"))
    .fetch_one(db)
    .await?;
    Ok(row.0)
}

/// A paid expense whose payment (`transaction_id`) was reversed goes back to `approved`: not
/// paid, no payment. False when it is not paid by that transaction.
pub async fn unpay_expense<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    transaction_id: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE expenses SET state = 'approved', updated_at = $3, paid_at = NULL, \
         transaction_id = NULL WHERE id = $1 AND state = 'paid' AND transaction_id = $2",
    )
    .bind(id)
    .bind(transaction_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Moves an expense no proposal decides from `submitted` to `to` (a treasurer's approval or
/// rejection): false when it is no longer submitted or a proposal was opened for it meanwhile.
pub async fn decide_unproposed_expense<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    to: &str,
    actor: i64,
    reason: Option<&str>,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE expenses SET state = $2, updated_at = $3, decided_by_account_id = $4, \
         decided_at = $3, reject_reason = COALESCE($5, reject_reason) \
         WHERE id = $1 AND state = 'submitted' AND proposal_id IS NULL",
    )
    .bind(id)
    .bind(to)
    .bind(now)
    .bind(actor)
    .bind(reason)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Links a submitted expense to the proposal that will decide it: false when it is no longer
/// submitted or another proposal decides it.
pub async fn link_expense_proposal<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    proposal_id: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE expenses SET proposal_id = $2, updated_at = $3 \
         WHERE id = $1 AND state = 'submitted' AND proposal_id IS NULL",
    )
    .bind(id)
    .bind(proposal_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// A claim as the treasurers' limit counts it: (amount, currency, submitted at).
pub type ClaimRow = (i64, String, i64);

/// The submitter's claims in `category` submitted after `from` and before the expense
/// (`created_at`, `id`), not rejected.
pub async fn earlier_claims<'e, E: Executor<'e, Database = Any>>(
    db: E,
    submitter: i64,
    category: &str,
    from: i64,
    created_at: i64,
    id: i64,
) -> sqlx::Result<Vec<ClaimRow>> {
    sqlx::query_as(
        "SELECT amount, currency, created_at FROM expenses \
         WHERE submitter_account_id = $1 AND category = $2 AND created_at > $3 \
         AND (created_at < $4 OR (created_at = $4 AND id < $5)) AND state <> 'rejected' \
         ORDER BY created_at, id",
    )
    .bind(submitter)
    .bind(category)
    .bind(from)
    .bind(created_at)
    .bind(id)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct ReceiptRow {
    pub id: i64,
    pub expense_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub path: String,
    pub created_at: i64,
}

pub async fn insert_receipt<'e, E: Executor<'e, Database = Any>>(
    db: E,
    r: &ReceiptRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO expense_receipts (id, expense_id, file_name, content_type, size, sha256, path, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(r.id)
    .bind(r.expense_id)
    .bind(&r.file_name)
    .bind(&r.content_type)
    .bind(r.size)
    .bind(&r.sha256)
    .bind(&r.path)
    .bind(r.created_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn receipts_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    expense_id: i64,
) -> sqlx::Result<Vec<ReceiptRow>> {
    sqlx::query_as(
        "SELECT id, expense_id, file_name, content_type, size, sha256, path, created_at \
         FROM expense_receipts WHERE expense_id = $1 ORDER BY id",
    )
    .bind(expense_id)
    .fetch_all(db)
    .await
}

// ---- Stripe and dues ----

/// Whether a Stripe event was processed already.
pub async fn stripe_event_seen<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
) -> sqlx::Result<bool> {
    let row: Option<(String,)> = sqlx::query_as("SELECT id FROM stripe_events WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?;
    Ok(row.is_some())
}

/// Records a processed Stripe event; false when it was processed before.
pub async fn claim_stripe_event<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    kind: &str,
    transaction_id: Option<i64>,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "INSERT INTO stripe_events (id, kind, transaction_id, received_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(kind)
    .bind(transaction_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_dues_paid_until<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    until: i64,
    now: i64,
) -> sqlx::Result<()> {
    restore_dues_paid_until(db, account_id, Some(until), now).await
}

/// Sets (or clears) a member's paid-until date.
pub async fn restore_dues_paid_until<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    until: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE memberships SET dues_paid_until = $2, updated_at = $3 WHERE account_id = $1",
    )
    .bind(account_id)
    .bind(until)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// What one dues payment granted (`dues_grants`).
#[derive(Debug, Clone, FromRow)]
pub struct DuesGrantRow {
    pub transaction_id: i64,
    pub account_id: i64,
    pub seq: i64,
    pub months: i64,
    pub granted_at: i64,
    pub paid_until_before: Option<i64>,
    pub paid_until_after: i64,
    pub reversed_by_transaction_id: Option<i64>,
    pub reversed_at: Option<i64>,
}

const GRANT_COLUMNS: &str = "transaction_id, account_id, seq, months, granted_at, \
     paid_until_before, paid_until_after, reversed_by_transaction_id, reversed_at";

pub async fn insert_dues_grant<'e, E: Executor<'e, Database = Any>>(
    db: E,
    g: &DuesGrantRow,
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO dues_grants ({GRANT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(g.transaction_id)
    .bind(g.account_id)
    .bind(g.seq)
    .bind(g.months)
    .bind(g.granted_at)
    .bind(g.paid_until_before)
    .bind(g.paid_until_after)
    .bind(g.reversed_by_transaction_id)
    .bind(g.reversed_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn dues_grant<'e, E: Executor<'e, Database = Any>>(
    db: E,
    transaction_id: i64,
) -> sqlx::Result<Option<DuesGrantRow>> {
    sqlx::query_as(&format!(
        "SELECT {GRANT_COLUMNS} FROM dues_grants WHERE transaction_id = $1"
    ))
    .bind(transaction_id)
    .fetch_optional(db)
    .await
}

/// The member's payments after `seq` that stand (not reversed), in ledger order.
pub async fn dues_grants_after<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    seq: i64,
) -> sqlx::Result<Vec<DuesGrantRow>> {
    sqlx::query_as(&format!(
        "SELECT {GRANT_COLUMNS} FROM dues_grants \
         WHERE account_id = $1 AND seq > $2 AND reversed_at IS NULL ORDER BY seq"
    ))
    .bind(account_id)
    .bind(seq)
    .fetch_all(db)
    .await
}

/// Restates what a standing payment granted after an earlier one was reversed.
pub async fn restate_dues_grant<'e, E: Executor<'e, Database = Any>>(
    db: E,
    transaction_id: i64,
    before: Option<i64>,
    after: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE dues_grants SET paid_until_before = $2, paid_until_after = $3 \
         WHERE transaction_id = $1",
    )
    .bind(transaction_id)
    .bind(before)
    .bind(after)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks a payment reversed, once: false when it already was.
pub async fn reverse_dues_grant<'e, E: Executor<'e, Database = Any>>(
    db: E,
    transaction_id: i64,
    reversal_id: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE dues_grants SET reversed_by_transaction_id = $2, reversed_at = $3 \
         WHERE transaction_id = $1 AND reversed_at IS NULL",
    )
    .bind(transaction_id)
    .bind(reversal_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Takes back a member's share payment (its transaction was reversed): false when none was
/// recorded.
pub async fn clear_share_paid<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE memberships SET share_paid_at = NULL, updated_at = $2 \
         WHERE account_id = $1 AND share_paid_at IS NOT NULL",
    )
    .bind(account_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a member's share payment once: false when it was already recorded.
pub async fn set_share_paid<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    at: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE memberships SET share_paid_at = $2, updated_at = $3 WHERE account_id = $1 AND share_paid_at IS NULL",
    )
    .bind(account_id)
    .bind(at)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Active members whose dues (or, never paid, whose membership) date from before `cutoff`.
pub async fn overdue_members<'e, E: Executor<'e, Database = Any>>(
    db: E,
    cutoff: i64,
) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT account_id FROM memberships WHERE state = 'active' \
         AND COALESCE(dues_paid_until, joined_at, applied_at) < $1 ORDER BY account_id",
    )
    .bind(cutoff)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

// ---- budgets ----

#[derive(Debug, Clone, FromRow)]
pub struct BudgetRow {
    pub period: String,
    pub account: String,
    pub amount: i64,
    pub currency: String,
    pub set_by_account_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Every stored budget, by period then account (a co-op has a few per month at most).
pub async fn budgets<'e, E: Executor<'e, Database = Any>>(db: E) -> sqlx::Result<Vec<BudgetRow>> {
    sqlx::query_as(
        "SELECT period, account, amount, currency, set_by_account_id, created_at, updated_at \
         FROM ledger_budgets ORDER BY period, account",
    )
    .fetch_all(db)
    .await
}

/// Sets (or replaces) the budget of an account for a period.
pub async fn upsert_budget<'e, E: Executor<'e, Database = Any>>(
    db: E,
    b: &BudgetRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO ledger_budgets (period, account, amount, currency, set_by_account_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (period, account) DO UPDATE SET amount = excluded.amount, \
         currency = excluded.currency, set_by_account_id = excluded.set_by_account_id, \
         updated_at = excluded.updated_at",
    )
    .bind(&b.period)
    .bind(&b.account)
    .bind(b.amount)
    .bind(&b.currency)
    .bind(b.set_by_account_id)
    .bind(b.created_at)
    .bind(b.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes an account's budget for a period (the report falls back again); whether one was set.
pub async fn delete_budget<'e, E: Executor<'e, Database = Any>>(
    db: E,
    period: &str,
    account: &str,
) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM ledger_budgets WHERE period = $1 AND account = $2")
        .bind(period)
        .bind(account)
        .execute(db)
        .await?;
    Ok(r.rows_affected() > 0)
}

// ---- attachments of transactions ----

#[derive(Debug, Clone, FromRow)]
pub struct AttachmentRow {
    pub id: i64,
    pub transaction_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub path: String,
    pub created_at: i64,
}

pub async fn insert_attachment<'e, E: Executor<'e, Database = Any>>(
    db: E,
    a: &AttachmentRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO ledger_attachments (id, transaction_id, file_name, content_type, size, sha256, path, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(a.id)
    .bind(a.transaction_id)
    .bind(&a.file_name)
    .bind(&a.content_type)
    .bind(a.size)
    .bind(&a.sha256)
    .bind(&a.path)
    .bind(a.created_at)
    .execute(db)
    .await?;
    Ok(())
}

/// The attachments of these transactions, in transaction then upload order.
pub async fn attachments_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    transaction_ids: &[i64],
) -> sqlx::Result<Vec<AttachmentRow>> {
    let mut q = super::query::Sql::new(
        "SELECT id, transaction_id, file_name, content_type, size, sha256, path, created_at \
         FROM ledger_attachments WHERE transaction_id IN (",
    );
    let list = q.ints(transaction_ids);
    q.push(&list);
    q.push(") ORDER BY transaction_id, id");
    q.query_as().fetch_all(db).await
}
