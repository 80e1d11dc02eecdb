//! Expenses: a member submits (with private receipt files) → a treasurer approves up to the
//! bylaws' threshold (counted over the submitter's claims in the category within the bylaws'
//! window), above it only an enacted `expense` proposal does, or a treasurer rejects with a
//! reason → a treasurer pays, which posts the ledger entries in the same transaction. Nobody
//! approves or pays their own claim (a treasurer's go to another treasurer or an admin), and
//! once a proposal is opened for an expense only its enactment approves it; if it fails, the
//! expense is rejected. Every transition is in the governance log and mailed to the submitter.

use herd_governance::ledger::{self, Draft, Posting};
use herd_governance::officers::{self as officers_rules, Claim};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::entities::coop::{Expense, ExpenseProposal, Receipt};
use crate::entities::Account;
use crate::error::{AppError, AppResult};
use crate::http::body::UploadedFile;
use crate::ids;
use crate::paging::Page;
use crate::services::ledger as ledger_svc;
use crate::services::officers;
use crate::state::AppState;
use crate::storage::ledger::{self as store, ExpenseRow, ReceiptRow};
use crate::storage::WriteTx;

pub const DESCRIPTION_MAX: usize = 1000;
pub const RECEIPTS_MAX: usize = 5;
pub const RECEIPT_TYPES: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/gif",
    "text/plain",
];

pub struct NewExpense {
    pub amount: i64,
    pub currency: String,
    pub description: String,
    pub category: String,
}

/// Checks uploaded files by the receipt rules (at most [`RECEIPTS_MAX`], types in
/// [`RECEIPT_TYPES`]; the body limit caps their size), dropping empty parts. Expense receipts
/// and ledger attachments share these rules.
pub fn check_files(field: &str, files: Vec<UploadedFile>) -> AppResult<Vec<UploadedFile>> {
    let files: Vec<UploadedFile> = files.into_iter().filter(|f| !f.bytes.is_empty()).collect();
    if files.len() > RECEIPTS_MAX {
        return Err(AppError::validation(
            field,
            "ERR_TOO_LONG",
            &format!("has too many files (maximum is {RECEIPTS_MAX})"),
        ));
    }
    for f in &files {
        let ct = f.content_type.as_deref().unwrap_or("");
        if !RECEIPT_TYPES.contains(&ct) {
            return Err(AppError::validation(
                field,
                "ERR_INVALID",
                &format!(
                    "must be PDF, image or plain-text files (got {})",
                    if ct.is_empty() { "no type" } else { ct }
                ),
            ));
        }
    }
    Ok(files)
}

/// A private file in the file store, never served but through the API.
#[derive(Clone)]
pub struct StoredFile {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Its key in the file store (relative to the data directory on the local backend).
    pub path: String,
}

/// Writes checked files under `{rel_dir}/` in the file store, each named by a new id; if one
/// cannot be written, those written before are removed and the store's 503 returned. The
/// caller removes them (see [`remove_files`]) when the transaction that records them fails.
pub async fn write_files(
    state: &AppState,
    rel_dir: &str,
    files: &[UploadedFile],
    now: i64,
) -> AppResult<Vec<StoredFile>> {
    let mut out: Vec<StoredFile> = Vec::with_capacity(files.len());
    for f in files {
        let id = ids::next_id_at(now / 1000);
        let path = format!("{rel_dir}/{id}");
        if let Err(e) = state.files.put(&path, f.bytes.clone()).await {
            remove_files(state, &out).await;
            return Err(crate::services::media::store_unavailable(e));
        }
        let file_name: String = f
            .file_name
            .as_deref()
            .unwrap_or("file")
            .chars()
            .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
            .take(200)
            .collect();
        out.push(StoredFile {
            id,
            file_name,
            content_type: f.content_type.clone().unwrap_or_default(),
            size: f.bytes.len() as i64,
            sha256: hex::encode(Sha256::digest(&f.bytes)),
            path,
        });
    }
    Ok(out)
}

/// Removes stored files whose rows were never written (best effort: a leftover is only an
/// unreferenced object).
pub async fn remove_files(state: &AppState, files: &[StoredFile]) {
    for f in files {
        if let Err(e) = state.files.delete(&f.path).await {
            tracing::warn!(key = %f.path, error = %e, "could not remove an unrecorded file");
        }
    }
}

/// A private file's bytes: 404 when the store has no such file, 503 when it cannot answer.
pub async fn read_private(state: &AppState, path: &str) -> AppResult<Vec<u8>> {
    match state.files.get(path).await {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => {
            tracing::warn!(key = %path, "a recorded file is missing from the file store");
            Err(AppError::not_found())
        }
        Err(e) => Err(crate::services::media::store_unavailable(e)),
    }
}

/// What the new-expense form offers (categories, the co-op's currency), for an account that
/// may submit one: the form is refused to whoever `submit` would refuse.
pub async fn submission_form(
    state: &AppState,
    submitter: i64,
) -> AppResult<crate::services::coop_site::ExpenseChoices> {
    crate::services::membership::require_active(state, submitter, "submit expenses").await?;
    crate::services::coop_site::expense_choices(state).await
}

pub async fn submit(
    state: &AppState,
    submitter: i64,
    e: NewExpense,
    files: Vec<UploadedFile>,
) -> AppResult<Expense> {
    crate::services::membership::require_active(state, submitter, "submit expenses").await?;
    let now = state.clock.now_micros();
    let (chart, _) = ledger_svc::chart(state, now).await?;
    if e.amount <= 0 || e.amount > ledger::MAX_AMOUNT {
        return Err(AppError::validation(
            "amount",
            "ERR_INVALID",
            "must be a whole number of minor units greater than 0",
        ));
    }
    let currency = e.currency.trim().to_ascii_uppercase();
    if ledger::currency_exponent(&currency).is_none() {
        return Err(AppError::validation(
            "currency",
            "ERR_INVALID",
            "must be an ISO 4217 code such as EUR",
        ));
    }
    let description = e.description.trim().to_string();
    if description.is_empty() || description.chars().count() > DESCRIPTION_MAX {
        return Err(AppError::validation(
            "description",
            "ERR_INVALID",
            &format!("must be 1 to {DESCRIPTION_MAX} characters"),
        ));
    }
    let category = e.category.trim().to_string();
    if chart.expense_account(&category).is_none() {
        return Err(AppError::validation(
            "category",
            "ERR_INVALID",
            &format!(
                "must be one of the co-op's expense categories: {}",
                chart.expense_categories().join(", ")
            ),
        ));
    }
    let files = check_files("receipts", files)?;
    let id = ids::next_id_at(now / 1000);
    let row = ExpenseRow {
        id,
        submitter_account_id: submitter,
        state: "submitted".into(),
        amount: e.amount,
        currency,
        description,
        category,
        proposal_id: None,
        decided_by_account_id: None,
        decided_at: None,
        reject_reason: None,
        paid_at: None,
        transaction_id: None,
        created_at: now,
        updated_at: now,
    };
    // Files first (a failed commit leaves only unreferenced files, removed below).
    let rel_dir = format!("receipts/{id}");
    let stored = write_files(state, &rel_dir, &files, now).await?;
    let receipts: Vec<ReceiptRow> = stored
        .iter()
        .map(|f| ReceiptRow {
            id: f.id,
            expense_id: id,
            file_name: f.file_name.clone(),
            content_type: f.content_type.clone(),
            size: f.size,
            sha256: f.sha256.clone(),
            path: f.path.clone(),
            created_at: now,
        })
        .collect();
    let result: AppResult<()> = async {
        let mut tx = state.db.begin_write().await?;
        store::insert_expense(&mut **tx, &row).await?;
        for r in &receipts {
            store::insert_receipt(&mut **tx, r).await?;
        }
        ledger_svc::log(
            &mut tx,
            "expense.submitted",
            Some(submitter),
            Some(submitter),
            json!({ "expense_id": id.to_string(), "amount": row.amount, "currency": row.currency,
                    "category": row.category, "receipts": receipts.len() }),
            now,
        )
        .await?;
        notify(&mut tx, state, &row, "submitted", "", now).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(e) = result {
        remove_files(state, &stored).await;
        return Err(e);
    }
    state.jobs.wake();
    entity(state, Some(submitter), row).await
}

pub async fn get(state: &AppState, id: i64) -> AppResult<ExpenseRow> {
    store::expense_by_id(&state.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// One page of expenses, newest first, for ledger readers; with the page's cursor ids.
pub async fn list(
    state: &AppState,
    viewer: Option<i64>,
    filter: Option<&str>,
    page: &Page,
) -> AppResult<(Vec<Expense>, Vec<i64>)> {
    ledger_svc::require_reader(state, viewer).await?;
    if let Some(f) = filter {
        if !["submitted", "approved", "rejected", "paid"].contains(&f) {
            return Err(AppError::unprocessable(format!(
                "Unknown expense state {f:?}: use submitted, approved, rejected or paid"
            )));
        }
    }
    let rows = store::list_expenses(&state.db.pool, filter, page).await?;
    let cursors = rows.iter().map(|e| e.id).collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(entity(state, viewer, r).await?);
    }
    Ok((out, cursors))
}

/// One expense, for ledger readers (receipts only for those who may see them).
pub async fn show(state: &AppState, viewer: Option<i64>, id: i64) -> AppResult<Expense> {
    ledger_svc::require_reader(state, viewer).await?;
    entity(state, viewer, get(state, id).await?).await
}

/// The expense as `viewer` sees it: receipts only for the submitter, treasurers and admins.
async fn entity(state: &AppState, viewer: Option<i64>, e: ExpenseRow) -> AppResult<Expense> {
    let (account, roles) =
        crate::services::membership::account_with_roles(state, e.submitter_account_id).await?;
    let receipts = if may_see_receipts(state, viewer, &e).await? {
        Some(
            receipts(state, e.id)
                .await?
                .into_iter()
                .map(|r| Receipt::from_row(state, r))
                .collect(),
        )
    } else {
        None
    };
    Ok(Expense::from_row(
        e,
        Account::from_row(state, &account, &roles),
        receipts,
    ))
}

/// Whether `viewer` may see an expense's receipts: its submitter, treasurers and admins.
pub async fn may_see_receipts(
    state: &AppState,
    viewer: Option<i64>,
    e: &ExpenseRow,
) -> AppResult<bool> {
    let Some(v) = viewer else { return Ok(false) };
    if v == e.submitter_account_id {
        return Ok(true);
    }
    Ok(ledger_svc::has_role(state, v, "treasurer").await?
        || ledger_svc::has_role(state, v, "admin").await?)
}

pub async fn receipts(state: &AppState, id: i64) -> AppResult<Vec<ReceiptRow>> {
    Ok(store::receipts_of(&state.db.pool, id).await?)
}

/// A receipt's bytes, for those allowed to see it.
pub async fn receipt_file(
    state: &AppState,
    viewer: i64,
    expense_id: i64,
    receipt_id: i64,
) -> AppResult<(ReceiptRow, Vec<u8>)> {
    let e = get(state, expense_id).await?;
    if !may_see_receipts(state, Some(viewer), &e).await? {
        return Err(AppError::forbidden(
            "Receipts are visible to the submitter, treasurers and admins only",
        ));
    }
    let r = receipts(state, expense_id)
        .await?
        .into_iter()
        .find(|r| r.id == receipt_id)
        .ok_or_else(AppError::not_found)?;
    let bytes = read_private(state, &r.path).await?;
    Ok((r, bytes))
}

/// A treasurer other than the submitter (or an admin, for a treasurer's own claim) approves,
/// up to the bylaws' threshold counted over what the submitter claimed in the category within
/// the bylaws' window (`herd_governance::officers::check_limit`). Once a proposal was opened
/// for the expense only its enactment approves it (409).
pub async fn approve(state: &AppState, actor: i64, id: i64) -> AppResult<Expense> {
    let now = state.clock.now_micros();
    let e = get(state, id).await?;
    officers::require_office_for(state, actor, e.submitter_account_id, false).await?;
    officers::require_not_before_members(state, &e).await?;
    if e.state != "submitted" {
        return Err(AppError::unprocessable(format!(
            "Only submitted expenses can be approved; this one is {}",
            e.state
        )));
    }
    let bylaws = crate::services::policies::bylaws_in_force(state, now).await?;
    let finance = bylaws
        .finance
        .as_ref()
        .ok_or_else(|| AppError::internal_msg("no finance rules"))?;
    let earlier: Vec<Claim> = store::earlier_claims(
        &state.db.pool,
        e.submitter_account_id,
        &e.category,
        officers_rules::window_start(finance, e.created_at),
        e.created_at,
        e.id,
    )
    .await?
    .into_iter()
    .map(|(amount, currency, at)| Claim {
        amount,
        currency,
        at,
    })
    .collect();
    let this = Claim {
        amount: e.amount,
        currency: e.currency.clone(),
        at: e.created_at,
    };
    let limit = officers_rules::check_limit(finance, &this, &earlier);
    if limit.needs_vote {
        let threshold = format!(
            "{} {}",
            ledger::format_amount(finance.expense_approval_threshold_minor, &finance.currency),
            finance.currency
        );
        let why = if e.currency != finance.currency {
            format!(
                "it is in {}, and a treasurer approves up to {threshold}",
                e.currency
            )
        } else if limit.total > e.amount {
            format!(
                "with the submitter's other claims in {} over the {} days before it, it comes to {} {}, above the {threshold} a treasurer may approve",
                e.category,
                finance.expense_threshold_window_days,
                ledger::format_amount(limit.total, &finance.currency),
                finance.currency
            )
        } else {
            format!("it is above the {threshold} a treasurer may approve")
        };
        return Err(AppError::unprocessable(format!(
            "This expense needs the members' vote: {why}; open an expense proposal: POST /api/v1/coop/expenses/{id}/proposal"
        )));
    }
    let mut tx = state.db.begin_write().await?;
    if !store::decide_unproposed_expense(&mut **tx, id, "approved", actor, None, now).await? {
        return Err(changed_meanwhile(state, id).await);
    }
    ledger_svc::log(
        &mut tx,
        "expense.approved",
        Some(actor),
        Some(e.submitter_account_id),
        json!({ "expense_id": id.to_string(), "by": "treasurer" }),
        now,
    )
    .await?;
    notify(&mut tx, state, &e, "approved", "", now).await?;
    tx.commit().await?;
    state.jobs.wake();
    entity(state, Some(actor), get(state, id).await?).await
}

/// Why a conditional transition found the expense changed: a proposal opened for it meanwhile
/// (409), or it was decided (422).
async fn changed_meanwhile(state: &AppState, id: i64) -> AppError {
    match get(state, id).await {
        Ok(now) if now.proposal_id.is_some() => {
            match officers::require_not_before_members(state, &now).await {
                Err(e) => e,
                Ok(()) => AppError::unprocessable("This expense changed meanwhile; reload it"),
            }
        }
        _ => AppError::unprocessable("This expense changed meanwhile; reload it"),
    }
}

/// Enactment of a passed `expense` proposal, inside the closing transaction. The inner error
/// is why it could not apply (the proposal then stays `passed`).
pub async fn approve_by_proposal(
    tx: &mut WriteTx,
    expense_id: i64,
    proposal_id: i64,
    now: i64,
) -> AppResult<Result<(), String>> {
    let Some(e) = store::expense_by_id(&mut ***tx, expense_id).await? else {
        return Ok(Err(format!("expense {expense_id} does not exist")));
    };
    if !store::transition_expense(
        &mut ***tx,
        expense_id,
        "submitted",
        "approved",
        None,
        Some(proposal_id),
        None,
        None,
        now,
    )
    .await?
    {
        return Ok(Err(format!(
            "expense {expense_id} is {} now, not submitted",
            e.state
        )));
    }
    crate::storage::proposals::insert_event(
        &mut ***tx,
        &crate::storage::proposals::NewProposalEvent {
            id: ids::next_id_at(now / 1000),
            kind: "expense.approved",
            actor_account_id: None,
            subject_account_id: Some(e.submitter_account_id),
            proposal_id: Some(proposal_id),
            detail_json: json!({ "expense_id": expense_id.to_string(), "by": "proposal" })
                .to_string(),
            now,
        },
    )
    .await?;
    Ok(Ok(()))
}

/// Checks an expense can be decided by a proposal (used when one is opened for it).
pub async fn check_proposable(state: &AppState, expense_id: i64) -> AppResult<ExpenseRow> {
    let e = store::expense_by_id(&state.db.pool, expense_id)
        .await?
        .ok_or_else(|| {
            AppError::validation("payload", "ERR_INVALID", "expense_id names no expense")
        })?;
    if e.state != "submitted" {
        return Err(AppError::validation(
            "payload",
            "ERR_INVALID",
            &format!("expense {expense_id} is {}, not submitted", e.state),
        ));
    }
    Ok(e)
}

/// Opens the `expense` proposal that decides an expense (its submitter or a treasurer).
pub async fn propose(state: &AppState, actor: i64, id: i64) -> AppResult<ExpenseProposal> {
    let e = get(state, id).await?;
    if e.submitter_account_id != actor && !ledger_svc::has_role(state, actor, "treasurer").await? {
        return Err(AppError::forbidden(
            "Only the submitter or a treasurer may open a proposal for this expense",
        ));
    }
    if let Some(p) = e.proposal_id {
        return Err(AppError::unprocessable(format!(
            "Proposal {p} already decides this expense"
        )));
    }
    let row = crate::services::proposals::create(
        state,
        actor,
        crate::services::proposals::NewProposal {
            kind: "expense".into(),
            title: format!(
                "Expense: {} {} for {}",
                ledger::format_amount(e.amount, &e.currency),
                e.currency,
                e.description.chars().take(80).collect::<String>()
            ),
            body: format!(
                "{}\n\nAmount: {} {}\nCategory: {}\nExpense: {}",
                e.description,
                ledger::format_amount(e.amount, &e.currency),
                e.currency,
                e.category,
                e.id
            ),
            urgent: false,
            urgent_reason: None,
            closes_at: None,
            options: vec![],
            payload: Some(json!({ "expense_id": id.to_string() })),
            hide_results: None,
            secret: None,
        },
    )
    .await?;
    Ok(ExpenseProposal {
        proposal_id: row.id.to_string(),
        expense_id: id.to_string(),
    })
}

/// Links the expense to its proposal (inside the proposal's transaction), unless a treasurer
/// decided it or another proposal was opened for it meanwhile (then nothing is written).
pub async fn link_proposal(
    tx: &mut WriteTx,
    expense_id: i64,
    proposal_id: i64,
    now: i64,
) -> AppResult<()> {
    if !store::link_expense_proposal(&mut ***tx, expense_id, proposal_id, now).await? {
        return Err(officers::members_decide(format!(
            "Expense {expense_id} was decided, or another proposal was opened for it, meanwhile; reload it"
        )));
    }
    Ok(())
}

/// A treasurer (or an admin, for a treasurer's claim) rejects a submitted expense with a
/// reason; never one a proposal decides (409).
pub async fn reject(state: &AppState, actor: i64, id: i64, reason: &str) -> AppResult<Expense> {
    let e = get(state, id).await?;
    officers::require_office_for(state, actor, e.submitter_account_id, true).await?;
    officers::require_not_before_members(state, &e).await?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(AppError::validation(
            "reason",
            "ERR_BLANK",
            "must say why (1 to 1000 characters)",
        ));
    }
    let now = state.clock.now_micros();
    if e.state != "submitted" {
        return Err(AppError::unprocessable(format!(
            "Only submitted expenses can be rejected; this one is {}",
            e.state
        )));
    }
    let mut tx = state.db.begin_write().await?;
    if !store::decide_unproposed_expense(&mut **tx, id, "rejected", actor, Some(reason), now)
        .await?
    {
        return Err(changed_meanwhile(state, id).await);
    }
    ledger_svc::log(
        &mut tx,
        "expense.rejected",
        Some(actor),
        Some(e.submitter_account_id),
        json!({ "expense_id": id.to_string(), "reason": reason }),
        now,
    )
    .await?;
    notify(&mut tx, state, &e, "rejected", reason, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    entity(state, Some(actor), get(state, id).await?).await
}

/// A treasurer other than the submitter (or an admin, for a treasurer's claim) pays an
/// approved expense from an asset account (default `assets:bank`); the payment is posted to
/// the ledger in the same transaction. An expense a proposal decides is paid only once that
/// proposal was enacted (409).
pub async fn pay(
    state: &AppState,
    actor: i64,
    id: i64,
    from_account: Option<&str>,
    date: Option<i64>,
) -> AppResult<Expense> {
    let e = get(state, id).await?;
    officers::require_office_for(state, actor, e.submitter_account_id, false).await?;
    officers::require_not_before_members(state, &e).await?;
    let now = state.clock.now_micros();
    let (chart, _) = ledger_svc::chart(state, now).await?;
    if e.state != "approved" {
        return Err(AppError::unprocessable(format!(
            "Only approved expenses can be paid; this one is {}",
            e.state
        )));
    }
    let from = from_account.unwrap_or("assets:bank");
    match chart.get(from) {
        Some(a)
            if a.kind == ledger::AccountType::Asset || a.kind == ledger::AccountType::Liability => {
        }
        _ => {
            return Err(AppError::validation(
                "account",
                "ERR_INVALID",
                "must be an asset or liability account of the chart (e.g. assets:bank)",
            ))
        }
    }
    let expense_account = chart
        .expense_account(&e.category)
        .ok_or_else(|| {
            AppError::unprocessable(format!(
                "The category {:?} is no longer in the chart of accounts",
                e.category
            ))
        })?
        .code
        .clone();
    let mut draft = Draft {
        date: date.unwrap_or(now),
        memo: format!(
            "Expense {}: {}",
            e.id,
            e.description.chars().take(200).collect::<String>()
        ),
        counterparty: String::new(),
        category: e.category.clone(),
        kind: "expense".into(),
        source: Some(format!("expense:{}", e.id)),
        reverses: None,
        member: Some(e.submitter_account_id),
        created_by: Some(actor),
        postings: vec![
            Posting::new(&expense_account, e.amount, &e.currency),
            Posting::new(from, -e.amount, &e.currency),
        ],
    };
    let mut tx = state.db.begin_write().await?;
    // The source is unique, so an expense is paid once: a second payment is possible only
    // after the first was reversed (`on_reversed`), and gets the next number.
    let earlier = store::count_expense_payments(&mut **tx, e.id).await?;
    if earlier > 0 {
        draft.source = Some(format!("expense:{}:{}", e.id, earlier + 1));
    }
    let entry = ledger_svc::post_in(&mut tx, state.db.backend(), &chart, draft, now).await?;
    if !store::transition_expense(
        &mut **tx,
        id,
        "approved",
        "paid",
        Some(actor),
        None,
        None,
        Some(entry.id),
        now,
    )
    .await?
    {
        return Err(AppError::unprocessable(
            "This expense changed meanwhile; reload it",
        ));
    }
    ledger_svc::log(
        &mut tx,
        "expense.paid",
        Some(actor),
        Some(e.submitter_account_id),
        json!({ "expense_id": id.to_string(), "transaction_id": entry.id.to_string() }),
        now,
    )
    .await?;
    notify(&mut tx, state, &e, "paid", "", now).await?;
    tx.commit().await?;
    state.jobs.wake();
    entity(state, Some(actor), get(state, id).await?).await
}

/// A treasurer reversed a transaction in the ledger (inside the reversal's transaction). When
/// it was an expense's payment, the reversal takes back what the payment granted: the expense
/// is approved again, not paid, so it can be paid anew; logged and mailed to the submitter.
pub async fn on_reversed(
    state: &AppState,
    tx: &mut WriteTx,
    original: &ledger::Entry,
    reversal_id: i64,
    actor: Option<i64>,
    now: i64,
) -> AppResult<()> {
    if original.draft.kind != "expense" {
        return Ok(());
    }
    let Some(id) = original
        .draft
        .source
        .as_deref()
        .and_then(|s| s.strip_prefix("expense:"))
        .and_then(|s| s.split(':').next())
        .and_then(|s| s.parse::<i64>().ok())
    else {
        return Ok(());
    };
    if !store::unpay_expense(&mut ***tx, id, original.id, now).await? {
        return Ok(());
    }
    let Some(e) = store::expense_by_id(&mut ***tx, id).await? else {
        return Ok(());
    };
    ledger_svc::log(
        tx,
        "expense.payment_reversed",
        actor,
        Some(e.submitter_account_id),
        json!({ "expense_id": id.to_string(), "transaction_id": original.id.to_string(),
                "reversal_id": reversal_id.to_string() }),
        now,
    )
    .await?;
    notify(
        tx,
        state,
        &e,
        "returned to approved",
        "its payment was reversed in the ledger; it can be paid again",
        now,
    )
    .await
}

/// An `expense` proposal closed (inside its closing transaction, after `enact` approved the
/// expense if it passed). Enacted: the submitter is told as when a treasurer approves. Failed
/// or without quorum: the members did not approve it, so the expense is rejected, logged and
/// the submitter told. A proposal that passed but could not be enacted changes nothing.
pub async fn proposal_closed(
    tx: &mut WriteTx,
    state: &AppState,
    row: &crate::storage::proposals::ProposalRow,
    outcome: &str,
    now: i64,
) -> AppResult<()> {
    let expense_id = serde_json::from_str::<serde_json::Value>(&row.payload_json)
        .ok()
        .and_then(|p| p["expense_id"].as_str().and_then(|s| s.parse::<i64>().ok()));
    let Some(expense_id) = expense_id else {
        return Ok(());
    };
    let Some(e) = store::expense_by_id(&mut ***tx, expense_id).await? else {
        return Ok(());
    };
    if e.proposal_id != Some(row.id) {
        return Ok(());
    }
    match outcome {
        "enacted" => notify(tx, state, &e, "approved", "", now).await,
        "failed" | "no_quorum" => {
            let reason = format!(
                "The members did not approve it: proposal {} {}",
                row.id,
                if outcome == "failed" {
                    "failed"
                } else {
                    "did not reach its quorum"
                }
            );
            if !store::transition_expense(
                &mut ***tx,
                expense_id,
                "submitted",
                "rejected",
                None,
                None,
                Some(&reason),
                None,
                now,
            )
            .await?
            {
                return Ok(());
            }
            crate::storage::proposals::insert_event(
                &mut ***tx,
                &crate::storage::proposals::NewProposalEvent {
                    id: ids::next_id_at(now / 1000),
                    kind: "expense.rejected",
                    actor_account_id: None,
                    subject_account_id: Some(e.submitter_account_id),
                    proposal_id: Some(row.id),
                    detail_json: json!({ "expense_id": expense_id.to_string(), "by": "proposal",
                                         "reason": reason })
                    .to_string(),
                    now,
                },
            )
            .await?;
            notify(tx, state, &e, "rejected", &reason, now).await
        }
        _ => Ok(()),
    }
}

/// Queues the submitter's mail about a transition inside the transaction that makes it.
async fn notify(
    tx: &mut WriteTx,
    state: &AppState,
    e: &ExpenseRow,
    what: &str,
    reason: &str,
    now: i64,
) -> AppResult<()> {
    let emails =
        crate::storage::proposals::emails_of(&mut ***tx, &[e.submitter_account_id]).await?;
    let amount = format!(
        "{} {}",
        ledger::format_amount(e.amount, &e.currency),
        e.currency
    );
    let mut body = format!(
        "Your expense \"{}\" ({amount}) has been {what}.\n",
        e.description
    );
    if !reason.is_empty() {
        body.push_str(&format!("\nReason: {reason}\n"));
    }
    body.push_str(&format!(
        "\n{}/api/v1/coop/expenses/{}\n",
        state.base_url(),
        e.id
    ));
    let subject = format!(
        "Expense {what}: {}",
        e.description.chars().take(60).collect::<String>()
    );
    for (_, email) in emails {
        crate::mail::queue_kind(tx, &email, &subject, body.clone(), "expenses", now).await?;
    }
    Ok(())
}
