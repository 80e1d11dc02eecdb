//! The co-op's ledger: who may read it (the bylaws' `ledger_visibility`), treasurers posting
//! balanced transactions and reversals, balances and reports for any period, CSV export, and
//! verification of the hash chain. The rules are `herd_governance::ledger`'s; this module
//! persists what they accept, sealing each transaction into the chain inside the transaction
//! that inserts it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate};
use herd_governance::bylaws::{LedgerVisibility, PolicyDocument};
use herd_governance::ledger::{
    self, budget, Account, BalanceSheet, BrokenLink, BudgetLine, Chart, Draft, Entry,
    IncomeStatement, LedgerError, Posting, Sums, Verifier, GENESIS_HASH,
};
use serde::Serialize;
use serde_json::json;

use crate::entities::coop;
use crate::error::{AppError, AppResult};
use crate::http::body::UploadedFile;
use crate::ids;
use crate::paging::Page;
use crate::state::AppState;
use crate::storage::governance as gov_store;
use crate::storage::ledger::{self as store, AttachmentRow, PostingRow, TransactionRow, TxFilter};
use crate::storage::proposals::{self as prop_store, NewProposalEvent};
use crate::storage::{Backend, Db, WriteTx};

/// The chart of accounts of the bylaws in force, and the bylaws.
pub async fn chart(state: &AppState, now: i64) -> AppResult<(Chart, PolicyDocument)> {
    let bylaws = crate::services::policies::bylaws_in_force(state, now).await?;
    let finance = bylaws
        .finance
        .as_ref()
        .ok_or_else(|| AppError::internal_msg("the bylaws in force have no finance rules"))?;
    Ok((
        Chart::from_bylaws(bylaws.membership.as_ref(), finance),
        bylaws,
    ))
}

/// Whether `viewer` may read the ledger: anyone when the bylaws make it public, otherwise
/// members (active or lapsed).
pub async fn require_reader(state: &AppState, viewer: Option<i64>) -> AppResult<()> {
    let now = state.clock.now_micros();
    let bylaws = crate::services::policies::bylaws_in_force(state, now).await?;
    let visibility = bylaws
        .finance
        .as_ref()
        .map(|f| f.ledger_visibility)
        .unwrap_or_default();
    if visibility == LedgerVisibility::Public {
        return Ok(());
    }
    match viewer {
        Some(id) => crate::services::membership::require_reader(state, id)
            .await
            .map_err(|_| AppError::forbidden("Only members of the co-op can see its ledger")),
        None => Err(AppError::unauthorized(
            "The ledger is visible to members only: sign in",
        )),
    }
}

pub async fn has_role(state: &AppState, account_id: i64, role: &str) -> AppResult<bool> {
    Ok(gov_store::active_roles(&state.db.pool, account_id)
        .await?
        .iter()
        .any(|r| r == role))
}

/// A treasurer who is an active member.
pub async fn require_treasurer(state: &AppState, account_id: i64) -> AppResult<()> {
    if !has_role(state, account_id, "treasurer").await? {
        return Err(AppError::forbidden("Only a treasurer may do this"));
    }
    crate::services::membership::require_active(state, account_id, "act as treasurer").await
}

pub fn ledger_error(e: LedgerError) -> AppError {
    match e {
        LedgerError::Field { field, message } => {
            AppError::validation(field, "ERR_INVALID", &message)
        }
        other => AppError::unprocessable(format!("Validation failed: {other}")),
    }
}

/// Validates, seals and inserts a draft inside the caller's transaction; logs it.
pub async fn post_in(
    tx: &mut WriteTx,
    backend: Backend,
    chart: &Chart,
    draft: Draft,
    now: i64,
) -> AppResult<Entry> {
    ledger::validate(chart, &draft).map_err(ledger_error)?;
    store::lock_chain(tx, backend).await?;
    let head = store::chain_head(&mut ***tx)
        .await?
        .unwrap_or((0, GENESIS_HASH.to_string()));
    let id = ids::next_id_at(now / 1000);
    let entry = ledger::seal(draft, id, (head.0, &head.1));
    let row = TransactionRow {
        id,
        seq: entry.seq,
        occurred_at: entry.draft.date,
        memo: entry.draft.memo.clone(),
        counterparty: entry.draft.counterparty.clone(),
        category: entry.draft.category.clone(),
        kind: entry.draft.kind.clone(),
        source: entry.draft.source.clone(),
        reverses_id: entry.draft.reverses,
        member_account_id: entry.draft.member,
        created_by_account_id: entry.draft.created_by,
        prev_hash: entry.prev_hash.clone(),
        hash: entry.hash.clone(),
        created_at: now,
    };
    let postings: Vec<PostingRow> = entry
        .draft
        .postings
        .iter()
        .enumerate()
        .map(|(i, p)| PostingRow {
            transaction_id: id,
            idx: i as i64,
            account: p.account.clone(),
            amount: p.amount,
            currency: p.currency.clone(),
        })
        .collect();
    store::insert_transaction(tx, &row, &postings)
        .await
        .map_err(|e| {
            if crate::storage::is_unique_violation(&e) {
                AppError::unprocessable("This transaction was already posted")
            } else {
                AppError::from(e)
            }
        })?;
    log(
        tx,
        "ledger.posted",
        entry.draft.created_by,
        entry.draft.member,
        json!({ "transaction_id": id.to_string(), "kind": entry.draft.kind, "seq": entry.seq }),
        now,
    )
    .await?;
    Ok(entry)
}

/// Writes a governance event inside the caller's transaction.
pub async fn log(
    tx: &mut WriteTx,
    kind: &str,
    actor: Option<i64>,
    subject: Option<i64>,
    detail: serde_json::Value,
    now: i64,
) -> AppResult<()> {
    prop_store::insert_event(
        &mut ***tx,
        &NewProposalEvent {
            id: ids::next_id_at(now / 1000),
            kind,
            actor_account_id: actor,
            subject_account_id: subject,
            proposal_id: None,
            detail_json: detail.to_string(),
            now,
        },
    )
    .await?;
    Ok(())
}

/// What a treasurer posts.
pub struct NewTransaction {
    pub date: Option<i64>,
    pub memo: String,
    pub counterparty: String,
    pub category: String,
    pub postings: Vec<Posting>,
    /// Reverse this transaction instead (postings must then be empty).
    pub reverses: Option<i64>,
}

/// A treasurer records a transaction (or the reversal of one), with attached files (invoices,
/// statements: the expense receipts' rules and storage). Nothing is written unless it
/// balances; the files of a refused transaction are removed.
pub async fn record(
    state: &AppState,
    actor: i64,
    t: NewTransaction,
    files: Vec<UploadedFile>,
) -> AppResult<(Entry, Vec<AttachmentRow>)> {
    require_treasurer(state, actor).await?;
    let now = state.clock.now_micros();
    let (chart, _) = chart(state, now).await?;
    let files = crate::services::expenses::check_files("attachments", files)?;
    // Files first, in a directory of their own (the transaction's id is not known yet).
    let rel_dir = format!("ledger-attachments/{}", ids::next_id_at(now / 1000));
    let stored = crate::services::expenses::write_files(state, &rel_dir, &files, now).await?;
    let result = record_in(state, actor, t, &chart, stored.clone(), now).await;
    if result.is_err() {
        crate::services::expenses::remove_files(state, &stored).await;
    }
    result
}

async fn record_in(
    state: &AppState,
    actor: i64,
    t: NewTransaction,
    chart: &Chart,
    stored: Vec<crate::services::expenses::StoredFile>,
    now: i64,
) -> AppResult<(Entry, Vec<AttachmentRow>)> {
    let mut tx = state.db.begin_write().await?;
    let mut reversed: Option<Entry> = None;
    let draft = match t.reverses {
        Some(original_id) => {
            if !t.postings.is_empty() {
                return Err(AppError::validation(
                    "postings",
                    "ERR_INVALID",
                    "must be left out when reversing a transaction (the reversal negates the original's)",
                ));
            }
            let original = load_entry(&mut tx, original_id).await?.ok_or_else(|| {
                AppError::unprocessable("The transaction to reverse does not exist")
            })?;
            if original.draft.reverses.is_some() {
                return Err(AppError::unprocessable(
                    "A reversal cannot itself be reversed; post a new transaction instead",
                ));
            }
            if store::reversal_of(&mut **tx, original_id).await?.is_some() {
                return Err(AppError::unprocessable(
                    "This transaction has already been reversed",
                ));
            }
            let mut d = ledger::reversal(&original, t.date.unwrap_or(now), Some(&t.memo));
            d.created_by = Some(actor);
            reversed = Some(original);
            d
        }
        None => Draft {
            date: t.date.unwrap_or(now),
            memo: t.memo,
            counterparty: t.counterparty,
            category: t.category,
            kind: "manual".into(),
            source: None,
            reverses: None,
            member: None,
            created_by: Some(actor),
            postings: t.postings,
        },
    };
    let entry = post_in(&mut tx, state.db.backend(), chart, draft, now).await?;
    if let Some(original) = &reversed {
        // A reversed payment takes back what it granted (dues' paid-until, a share, an
        // expense's paid state).
        crate::services::dues::on_reversed(state, &mut tx, original, entry.id, Some(actor), now)
            .await?;
        crate::services::expenses::on_reversed(
            state,
            &mut tx,
            original,
            entry.id,
            Some(actor),
            now,
        )
        .await?;
    }
    let attachments: Vec<AttachmentRow> = stored
        .into_iter()
        .map(|f| AttachmentRow {
            id: f.id,
            transaction_id: entry.id,
            file_name: f.file_name,
            content_type: f.content_type,
            size: f.size,
            sha256: f.sha256,
            path: f.path,
            created_at: now,
        })
        .collect();
    for a in &attachments {
        store::insert_attachment(&mut **tx, a).await?;
    }
    tx.commit().await?;
    Ok((entry, attachments))
}

/// The attachments of these transactions, by transaction id.
pub async fn attachments(
    state: &AppState,
    transaction_ids: &[i64],
) -> AppResult<BTreeMap<i64, Vec<AttachmentRow>>> {
    let mut out: BTreeMap<i64, Vec<AttachmentRow>> = BTreeMap::new();
    for a in store::attachments_of(&state.db.pool, transaction_ids).await? {
        out.entry(a.transaction_id).or_default().push(a);
    }
    Ok(out)
}

/// An attachment's bytes, for those who may read the ledger (treasurers and admins always).
pub async fn attachment_file(
    state: &AppState,
    viewer: Option<i64>,
    transaction_id: i64,
    attachment_id: i64,
) -> AppResult<(AttachmentRow, Vec<u8>)> {
    let privileged = match viewer {
        Some(v) => has_role(state, v, "treasurer").await? || has_role(state, v, "admin").await?,
        None => false,
    };
    if !privileged {
        require_reader(state, viewer).await?;
    }
    let a = store::attachments_of(&state.db.pool, &[transaction_id])
        .await?
        .into_iter()
        .find(|a| a.id == attachment_id)
        .ok_or_else(AppError::not_found)?;
    let bytes = crate::services::expenses::read_private(state, &a.path).await?;
    Ok((a, bytes))
}

fn to_entry(t: TransactionRow, postings: Vec<Posting>) -> Entry {
    Entry {
        seq: t.seq,
        id: t.id,
        draft: Draft {
            date: t.occurred_at,
            memo: t.memo,
            counterparty: t.counterparty,
            category: t.category,
            kind: t.kind,
            source: t.source,
            reverses: t.reverses_id,
            member: t.member_account_id,
            created_by: t.created_by_account_id,
            postings,
        },
        prev_hash: t.prev_hash,
        hash: t.hash,
    }
}

async fn with_postings<'e, E>(db: E, rows: Vec<TransactionRow>) -> AppResult<Vec<Entry>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut by_tx: BTreeMap<i64, Vec<Posting>> = BTreeMap::new();
    for p in store::postings_of(db, &ids).await? {
        by_tx
            .entry(p.transaction_id)
            .or_default()
            .push(Posting::new(&p.account, p.amount, &p.currency));
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let postings = by_tx.remove(&r.id).unwrap_or_default();
            to_entry(r, postings)
        })
        .collect())
}

async fn load_entry(tx: &mut WriteTx, id: i64) -> AppResult<Option<Entry>> {
    let Some(row) = store::transaction_by_id(&mut ***tx, id).await? else {
        return Ok(None);
    };
    Ok(with_postings(&mut ***tx, vec![row]).await?.pop())
}

pub async fn get(state: &AppState, id: i64) -> AppResult<Entry> {
    let row = store::transaction_by_id(&state.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    with_postings(&state.db.pool, vec![row])
        .await?
        .pop()
        .ok_or_else(AppError::not_found)
}

pub async fn list(state: &AppState, filter: &TxFilter, page: &Page) -> AppResult<Vec<Entry>> {
    let rows = store::list_transactions(&state.db.pool, filter, page).await?;
    with_postings(&state.db.pool, rows).await
}

/// Every account of the chart (and any other account with postings) with its balances
/// (signed: debits positive), over all postings.
pub async fn accounts(state: &AppState) -> AppResult<Vec<(Account, BTreeMap<String, i64>)>> {
    let now = state.clock.now_micros();
    let (chart, _) = chart(state, now).await?;
    let sums = sums_between(&state.db, i64::MIN, i64::MAX).await?;
    let mut out: BTreeMap<String, (Account, BTreeMap<String, i64>)> = chart
        .iter()
        .map(|a| (a.code.clone(), (a.clone(), BTreeMap::new())))
        .collect();
    for (code, by_cur) in sums {
        let account = chart.describe(&code);
        out.insert(code, (account, by_cur));
    }
    Ok(out.into_values().collect())
}

async fn sums_between(db: &Db, from: i64, to: i64) -> AppResult<Sums> {
    let mut sums = Sums::new();
    for (account, currency, sum) in store::sums(&db.pool, from, to).await? {
        if sum != 0 {
            sums.entry(account).or_default().insert(currency, sum);
        }
    }
    Ok(sums)
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub from: String,
    pub to: String,
    pub currency: String,
    pub income_statement: IncomeStatement,
    /// Positions at `to`.
    pub balance_sheet: BalanceSheet,
    pub budget: Vec<BudgetLine>,
}

/// Income statement for `[from, to)`, balance sheet at `to`, budget against actual.
pub async fn report(state: &AppState, from: i64, to: i64) -> AppResult<Report> {
    if to <= from {
        return Err(AppError::validation(
            "to",
            "ERR_INVALID",
            "must be after from",
        ));
    }
    let now = state.clock.now_micros();
    let (chart, bylaws) = chart(state, now).await?;
    let finance = bylaws
        .finance
        .as_ref()
        .ok_or_else(|| AppError::internal_msg("no finance rules"))?;
    let period = sums_between(&state.db, from, to).await?;
    let to_date = sums_between(&state.db, i64::MIN, to).await?;
    Ok(Report {
        from: crate::time::iso(from),
        to: crate::time::iso(to),
        currency: finance.currency.clone(),
        income_statement: ledger::income_statement(&chart, &period),
        balance_sheet: ledger::balance_sheet(&chart, &to_date),
        budget: ledger::budget_lines(
            &chart,
            &resolve_budgets(
                &finance.monthly_budgets,
                &finance.currency,
                &store::budgets(&state.db.pool).await?,
                from,
                to,
            )
            .into_iter()
            .map(|(k, r)| (k, r.amount))
            .collect(),
            &period,
        ),
    })
}

/// One formatted line of the public summary.
#[derive(Debug, Serialize)]
pub struct SummaryLine {
    pub code: String,
    pub name: String,
    pub amount: String,
}

/// What the co-op's public page shows when the bylaws make the ledger public: balances now
/// and the report of the last complete calendar month.
#[derive(Debug, Serialize)]
pub struct PublicSummary {
    pub as_of: String,
    pub balances: Vec<SummaryLine>,
    pub period: String,
    pub from: String,
    pub to: String,
    pub income: Vec<SummaryLine>,
    pub expenses: Vec<SummaryLine>,
    pub total_income: String,
    pub total_expenses: String,
    pub net: String,
}

fn money(amounts: &BTreeMap<String, i64>) -> String {
    if amounts.values().all(|v| *v == 0) {
        return "0".into();
    }
    amounts
        .iter()
        .filter(|(_, v)| **v != 0)
        .map(|(c, v)| format!("{} {c}", ledger::format_amount(*v, c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `None` unless the bylaws in force make the ledger public.
pub async fn public_summary(state: &AppState) -> AppResult<Option<PublicSummary>> {
    use chrono::Datelike;
    let now = state.clock.now_micros();
    let bylaws = crate::services::policies::bylaws_in_force(state, now).await?;
    let public = bylaws
        .finance
        .as_ref()
        .is_some_and(|f| f.ledger_visibility == LedgerVisibility::Public);
    if !public {
        return Ok(None);
    }
    let balances = accounts(state)
        .await?
        .into_iter()
        .filter(|(a, b)| {
            matches!(
                a.kind,
                ledger::AccountType::Asset
                    | ledger::AccountType::Liability
                    | ledger::AccountType::Equity
            ) && b.values().any(|v| *v != 0)
        })
        .map(|(a, b)| SummaryLine {
            amount: money(&b.into_iter().map(|(c, v)| (c, a.kind.natural(v))).collect()),
            code: a.code,
            name: a.name,
        })
        .collect();
    let today = DateTime::from_timestamp_micros(now)
        .unwrap_or_default()
        .date_naive();
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let last_month = this_month
        .checked_sub_months(chrono::Months::new(1))
        .unwrap_or(this_month);
    let micros = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_micros())
            .unwrap_or(now)
    };
    let (from, to) = (micros(last_month), micros(this_month));
    let r = report(state, from, to).await?;
    let lines = |ls: &[ledger::Line]| -> Vec<SummaryLine> {
        ls.iter()
            .map(|l| SummaryLine {
                code: l.code.clone(),
                name: l.name.clone(),
                amount: money(&l.amounts),
            })
            .collect()
    };
    Ok(Some(PublicSummary {
        as_of: crate::time::iso(now),
        balances,
        period: last_month.format("%B %Y").to_string(),
        from: last_month.format("%Y-%m-%d").to_string(),
        to: this_month.format("%Y-%m-%d").to_string(),
        income: lines(&r.income_statement.income),
        expenses: lines(&r.income_statement.expenses),
        total_income: money(&r.income_statement.total_income),
        total_expenses: money(&r.income_statement.total_expenses),
        net: money(&r.income_statement.net),
    }))
}

/// `YYYY-MM-DD` (midnight UTC) or RFC 3339, to epoch microseconds.
pub fn parse_date(field: &str, s: &str) -> AppResult<i64> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(t.and_utc().timestamp_micros());
        }
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_micros())
        .map_err(|_| {
            AppError::validation(
                field,
                "ERR_INVALID",
                "must be a date (YYYY-MM-DD) or an RFC 3339 time",
            )
        })
}

fn csv_field(s: &str, text: bool) -> String {
    // Text that a spreadsheet would run as a formula is prefixed with a quote mark.
    let s = if text && s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub const CSV_HEADER: &str = "transaction_id,seq,date,memo,counterparty,category,kind,account,account_type,amount_minor,amount,currency,reverses,hash,prev_hash";

/// One line per posting, in chain order, for the transactions dated in `[from, to)`.
pub async fn csv(state: &AppState, from: i64, to: i64) -> AppResult<String> {
    let now = state.clock.now_micros();
    let (chart, _) = chart(state, now).await?;
    let rows = store::transactions_between(&state.db.pool, from, to).await?;
    let entries = with_postings(&state.db.pool, rows).await?;
    let mut out = String::from(CSV_HEADER);
    out.push('\n');
    for e in entries {
        for p in &e.draft.postings {
            let line = [
                e.id.to_string(),
                e.seq.to_string(),
                crate::time::iso(e.draft.date),
                csv_field(&e.draft.memo, true),
                csv_field(&e.draft.counterparty, true),
                csv_field(&e.draft.category, true),
                e.draft.kind.clone(),
                p.account.clone(),
                chart.describe(&p.account).kind.to_string(),
                p.amount.to_string(),
                ledger::format_amount(p.amount, &p.currency),
                p.currency.clone(),
                e.draft.reverses.map(|r| r.to_string()).unwrap_or_default(),
                e.hash.clone(),
                e.prev_hash.clone(),
            ];
            out.push_str(&line.join(","));
            out.push('\n');
        }
    }
    Ok(out)
}

/// Walks the whole chain in order; the count of transactions, or the first broken link.
pub async fn verify(db: &Db) -> anyhow::Result<Result<(i64, String), BrokenLink>> {
    let mut v = Verifier::default();
    loop {
        let rows = store::chain_page(&db.pool, v.count(), 1000).await?;
        if rows.is_empty() {
            break;
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let entries = with_postings(&db.pool, rows)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        // Each posting carries a copy of its transaction's date, which period sums read but
        // the hash does not cover: a copy that disagrees is an edit after posting.
        let mut dates: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
        for (tx, idx, at) in store::posting_dates_of(&db.pool, &ids).await? {
            dates.entry(tx).or_default().push((idx, at));
        }
        for e in &entries {
            if let Err(b) = v.push(e) {
                return Ok(Err(b));
            }
            let own = dates.remove(&e.id).unwrap_or_default();
            if let Some((idx, at)) = own.into_iter().find(|(_, at)| *at != e.draft.date) {
                return Ok(Err(BrokenLink {
                    seq: e.seq,
                    id: e.id,
                    reason: format!(
                        "its posting #{idx} is dated {} but the transaction {}: the posting was edited after posting",
                        crate::time::iso(at),
                        crate::time::iso(e.draft.date)
                    ),
                }));
            }
        }
    }
    Ok(Ok((v.count(), v.head().to_string())))
}

/// Whether the per-day sums (`ledger_daily_sums`, which reports read) still match the
/// postings: `None` when they do, else the first difference.
pub async fn verify_daily_sums(db: &Db) -> anyhow::Result<Option<String>> {
    let (stored, derived) = store::daily_sums_stored_and_derived(&db.pool).await?;
    let nonzero = |v: Vec<(i64, String, String, i64)>| -> BTreeMap<(i64, String, String), i64> {
        v.into_iter()
            .filter(|r| r.3 != 0)
            .map(|(d, a, c, s)| ((d, a, c), s))
            .collect()
    };
    let (stored, derived) = (nonzero(stored), nonzero(derived));
    if stored == derived {
        return Ok(None);
    }
    let keys: std::collections::BTreeSet<_> = stored.keys().chain(derived.keys()).collect();
    for k in keys {
        let (s, d) = (stored.get(k), derived.get(k));
        if s != d {
            return Ok(Some(format!(
                "the daily sum of {} in {} on {} is {} but the postings sum to {}",
                k.1,
                k.2,
                crate::time::iso(k.0),
                s.copied().unwrap_or(0),
                d.copied().unwrap_or(0)
            )));
        }
    }
    Ok(None)
}

/// The chain head (seq, hash) anyone can publish to detect a cut-off tail later.
pub async fn head(state: &AppState) -> AppResult<(i64, String)> {
    Ok(store::chain_head(&state.db.pool)
        .await?
        .unwrap_or((0, GENESIS_HASH.to_string())))
}

// ---- budgets per period and account (the rules: `herd_governance::ledger::budget`) ----

pub use herd_governance::ledger::budget::{BudgetPeriod, ResolvedBudget};

/// A `YYYY-MM` or `YYYY` period from a request, or a validation error naming `field`.
pub fn parse_period(field: &str, s: &str) -> AppResult<BudgetPeriod> {
    BudgetPeriod::parse(s).ok_or_else(|| {
        AppError::validation(
            field,
            "ERR_INVALID",
            "must be a month (YYYY-MM, e.g. 2026-03) or a year (YYYY)",
        )
    })
}

fn period_span(p: BudgetPeriod) -> AppResult<(i64, i64)> {
    p.span()
        .ok_or_else(|| AppError::validation("period", "ERR_INVALID", "is out of range"))
}

fn resolve_budgets(
    monthly_bylaws: &BTreeMap<String, i64>,
    bylaws_currency: &str,
    rows: &[store::BudgetRow],
    from: i64,
    to: i64,
) -> BTreeMap<(String, String), ResolvedBudget> {
    let stored: Vec<budget::Budget> = rows
        .iter()
        .map(|r| budget::Budget {
            period: r.period.clone(),
            account: r.account.clone(),
            amount: r.amount,
            currency: r.currency.clone(),
        })
        .collect();
    budget::resolve(monthly_bylaws, bylaws_currency, &stored, from, to)
}

/// Stored budgets, and each account's budget resolved for `period` when one is given.
pub struct Budgets {
    pub currency: String,
    pub bylaws_monthly: Vec<(Account, i64)>,
    pub stored: Vec<(Account, store::BudgetRow)>,
    pub period: Option<(BudgetPeriod, i64, i64)>,
    pub effective: Vec<(Account, String, ResolvedBudget)>,
}

/// The budgets (for anyone who may read the ledger; the caller checks), all periods or one.
pub async fn budgets(state: &AppState, period: Option<BudgetPeriod>) -> AppResult<Budgets> {
    let now = state.clock.now_micros();
    let (chart, bylaws) = chart(state, now).await?;
    let finance = bylaws
        .finance
        .as_ref()
        .ok_or_else(|| AppError::internal_msg("no finance rules"))?;
    let rows = store::budgets(&state.db.pool).await?;
    let (period, effective) = match period {
        Some(p) => {
            let (from, to) = period_span(p)?;
            let resolved =
                resolve_budgets(&finance.monthly_budgets, &finance.currency, &rows, from, to);
            let effective = resolved
                .into_iter()
                .map(|((code, currency), r)| (chart.describe(&code), currency, r))
                .collect();
            (Some((p, from, to)), effective)
        }
        None => (None, Vec::new()),
    };
    // With a period: its own rows, its year's (for a month) or its months' (for a year).
    let related = |row: &store::BudgetRow| period.is_none_or(|p| p.0.relates_to(&row.period));
    Ok(Budgets {
        currency: finance.currency.clone(),
        bylaws_monthly: finance
            .monthly_budgets
            .iter()
            .map(|(code, amount)| (chart.describe(code), *amount))
            .collect(),
        stored: rows
            .into_iter()
            .filter(related)
            .map(|r| (chart.describe(&r.account), r))
            .collect(),
        period,
        effective,
    })
}

/// One account's budget in a treasurer's request; `amount: None` removes it.
pub struct BudgetInput {
    pub account: String,
    pub amount: Option<i64>,
    pub currency: Option<String>,
}

/// A treasurer sets (or removes) budgets for one period, all or nothing, logged.
pub async fn set_budgets(
    state: &AppState,
    actor: i64,
    period: BudgetPeriod,
    items: Vec<BudgetInput>,
) -> AppResult<()> {
    require_treasurer(state, actor).await?;
    let now = state.clock.now_micros();
    let (chart, bylaws) = chart(state, now).await?;
    let finance = bylaws
        .finance
        .as_ref()
        .ok_or_else(|| AppError::internal_msg("no finance rules"))?;
    if items.is_empty() {
        return Err(AppError::validation(
            "budgets",
            "ERR_BLANK",
            "needs at least one {account or category, amount, currency?}",
        ));
    }
    let mut rows = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let field = |k: &str| format!("budgets[{i}].{k}");
        let code = item.account.trim();
        let account = chart
            .get(code)
            .or_else(|| chart.expense_account(code))
            .filter(|a| {
                matches!(
                    a.kind,
                    ledger::AccountType::Income | ledger::AccountType::Expense
                )
            })
            .ok_or_else(|| {
                AppError::validation(
                    &field("account"),
                    "ERR_INVALID",
                    &format!(
                        "must be an income or expense account of the chart, or an expense category ({})",
                        chart.expense_categories().join(", ")
                    ),
                )
            })?;
        let currency = item
            .currency
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| finance.currency.clone());
        if ledger::currency_exponent(&currency).is_none() {
            return Err(AppError::validation(
                &field("currency"),
                "ERR_INVALID",
                "must be an ISO 4217 code such as EUR",
            ));
        }
        if let Some(a) = item.amount {
            if !(0..=ledger::MAX_AMOUNT).contains(&a) {
                return Err(AppError::validation(
                    &field("amount"),
                    "ERR_INVALID",
                    "must be a whole number of minor units, 0 or more",
                ));
            }
        }
        rows.push((account.code.clone(), item.amount, currency));
    }
    let key = period.key();
    let mut tx = state.db.begin_write().await?;
    let mut detail = Vec::new();
    for (account, amount, currency) in rows {
        match amount {
            Some(amount) => {
                store::upsert_budget(
                    &mut **tx,
                    &store::BudgetRow {
                        period: key.clone(),
                        account: account.clone(),
                        amount,
                        currency: currency.clone(),
                        set_by_account_id: Some(actor),
                        created_at: now,
                        updated_at: now,
                    },
                )
                .await?;
                detail.push(json!({ "account": account, "amount": amount, "currency": currency }));
            }
            None => {
                if store::delete_budget(&mut **tx, &key, &account).await? {
                    detail.push(json!({ "account": account, "amount": null }));
                }
            }
        }
    }
    log(
        &mut tx,
        "ledger.budget_set",
        Some(actor),
        None,
        json!({ "period": key, "budgets": detail }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- what ledger readers see (the co-op API and the co-op's pages)

/// Which transactions a reader asks for: `from` and `to` as [`parse_date`] reads them
/// (`to` exclusive), and one kind.
#[derive(Debug, Clone, Default)]
pub struct TransactionQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub kind: Option<String>,
}

/// The chart of accounts with each account's balances, for ledger readers.
pub async fn chart_of_accounts(
    state: &AppState,
    viewer: Option<i64>,
) -> AppResult<Vec<coop::LedgerAccount>> {
    require_reader(state, viewer).await?;
    Ok(accounts(state)
        .await?
        .into_iter()
        .map(|(a, balances)| coop::LedgerAccount {
            code: a.code,
            name: a.name,
            kind: a.kind.to_string(),
            balances,
        })
        .collect())
}

/// Transactions with their attachments.
async fn with_attachments(
    state: &AppState,
    entries: &[Entry],
) -> AppResult<Vec<coop::Transaction>> {
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    let mut files = attachments(state, &ids).await?;
    Ok(entries
        .iter()
        .map(|e| {
            let own = files.remove(&e.id).unwrap_or_default();
            coop::Transaction::with_attachments(state, e, own)
        })
        .collect())
}

fn optional_date(field: &str, s: Option<&str>) -> AppResult<Option<i64>> {
    s.map(|s| parse_date(field, s)).transpose()
}

/// One page of transactions, newest first, for ledger readers; with the page's cursor ids.
pub async fn list_transactions(
    state: &AppState,
    viewer: Option<i64>,
    q: &TransactionQuery,
    page: &Page,
) -> AppResult<(Vec<coop::Transaction>, Vec<i64>)> {
    require_reader(state, viewer).await?;
    let filter = TxFilter {
        from: optional_date("from", q.from.as_deref())?,
        to: optional_date("to", q.to.as_deref())?,
        member: None,
        kind: q.kind.clone(),
        kinds: vec![],
    };
    let entries = list(state, &filter, page).await?;
    let cursors = entries.iter().map(|e| e.id).collect();
    Ok((with_attachments(state, &entries).await?, cursors))
}

/// One transaction with its attachments, for ledger readers.
pub async fn show_transaction(
    state: &AppState,
    viewer: Option<i64>,
    id: i64,
) -> AppResult<coop::Transaction> {
    require_reader(state, viewer).await?;
    let e = get(state, id).await?;
    with_attachments(state, std::slice::from_ref(&e))
        .await?
        .pop()
        .ok_or_else(AppError::not_found)
}

/// A treasurer posts a balanced transaction (or a reversal) with its attached files.
pub async fn post_transaction(
    state: &AppState,
    actor: i64,
    t: NewTransaction,
    files: Vec<UploadedFile>,
) -> AppResult<coop::Transaction> {
    let (entry, attached) = record(state, actor, t, files).await?;
    Ok(coop::Transaction::with_attachments(state, &entry, attached))
}

/// `[from, to)` from a reader's dates: `from` defaults to the epoch, `to` to now (exclusive).
fn period_of(state: &AppState, from: Option<&str>, to: Option<&str>) -> AppResult<(i64, i64)> {
    let from = optional_date("from", from)?.unwrap_or(0);
    let to = optional_date("to", to)?.unwrap_or_else(|| state.clock.now_micros() + 1);
    Ok((from, to))
}

/// The report for a reader's period (see [`report`]).
pub async fn period_report(
    state: &AppState,
    viewer: Option<i64>,
    from: Option<&str>,
    to: Option<&str>,
) -> AppResult<Report> {
    require_reader(state, viewer).await?;
    let (from, to) = period_of(state, from, to)?;
    report(state, from, to).await
}

/// The CSV export for a reader's period (see [`csv`]).
pub async fn csv_export(
    state: &AppState,
    viewer: Option<i64>,
    from: Option<&str>,
    to: Option<&str>,
) -> AppResult<String> {
    require_reader(state, viewer).await?;
    let (from, to) = period_of(state, from, to)?;
    csv(state, from, to).await
}

/// The chain's head and whether it verifies, for anyone who may read the ledger.
pub async fn chain_check(state: &AppState, viewer: Option<i64>) -> AppResult<serde_json::Value> {
    require_reader(state, viewer).await?;
    let daily = verify_daily_sums(&state.db).await?;
    Ok(match verify(&state.db).await? {
        Ok((count, head)) => json!({ "valid": true, "transactions": count, "head": head,
                "daily_sums_match": daily.is_none(), "daily_sums_error": daily }),
        Err(b) => json!({ "valid": false, "transactions": null, "broken": b }),
    })
}

/// The budgets for a reader, all periods or the one `period` (`YYYY-MM` or `YYYY`) names.
pub async fn budgets_for(
    state: &AppState,
    viewer: Option<i64>,
    period: Option<&str>,
) -> AppResult<serde_json::Value> {
    require_reader(state, viewer).await?;
    let period = period.map(|p| parse_period("period", p)).transpose()?;
    Ok(coop::budgets(&budgets(state, period).await?))
}

/// A treasurer sets budgets for a period; answers with that period's budgets.
pub async fn update_budgets(
    state: &AppState,
    actor: i64,
    period: BudgetPeriod,
    items: Vec<BudgetInput>,
) -> AppResult<serde_json::Value> {
    set_budgets(state, actor, period, items).await?;
    Ok(coop::budgets(&budgets(state, Some(period)).await?))
}
