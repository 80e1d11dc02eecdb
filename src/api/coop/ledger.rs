//! The ledger, expenses and dues under `/api/v1/coop/` (DESIGN §7): `GET ledger/accounts`,
//! `GET|POST ledger/transactions`, `GET ledger/transactions/:id`, `GET ledger/report`,
//! `GET ledger.csv`, `GET ledger/verify`; `GET|POST expenses`, `GET expenses/:id`,
//! `POST expenses/:id/{approve,reject,pay,proposal}`, `GET expenses/:id/receipts/:rid`;
//! `POST members/:account_id/dues`, `GET membership/dues`; `POST stripe/webhook`.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use herd_governance::ledger::{Entry, Posting};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{paging_headers, parse_id};
use crate::entities::Account as AccountEntity;
use crate::error::{AppError, AppResult};
use crate::http::auth::{Auth, MaybeAuth};
use crate::http::body::Payload;
use crate::http::lenient;
use crate::http::pagination::PageParams;
use crate::services::{dues, expenses, ledger, membership};
use crate::state::AppState;
use crate::storage::ledger::{AttachmentRow, ExpenseRow, TxFilter};
use crate::time;

#[derive(Debug, Serialize)]
pub struct PostingEntity {
    pub account: String,
    pub amount: i64,
    pub currency: String,
}

#[derive(Debug, Serialize)]
pub struct Transaction {
    pub id: String,
    pub seq: i64,
    pub date: String,
    pub memo: String,
    pub counterparty: String,
    pub category: String,
    pub kind: String,
    pub reverses: Option<String>,
    pub member_id: Option<String>,
    pub postings: Vec<PostingEntity>,
    pub hash: String,
    pub prev_hash: String,
    /// Files a treasurer attached (invoices, statements), served to ledger readers.
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Serialize)]
pub struct Attachment {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub url: String,
}

fn attachment_entity(state: &AppState, a: AttachmentRow) -> Attachment {
    Attachment {
        url: format!(
            "{}/api/v1/coop/ledger/transactions/{}/attachments/{}",
            state.base_url(),
            a.transaction_id,
            a.id
        ),
        id: a.id.to_string(),
        file_name: a.file_name,
        content_type: a.content_type,
        size: a.size,
        sha256: a.sha256,
    }
}

/// Transactions with their attachments.
async fn transactions_of(state: &AppState, entries: &[Entry]) -> AppResult<Vec<Transaction>> {
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    let mut files = ledger::attachments(state, &ids).await?;
    Ok(entries
        .iter()
        .map(|e| {
            let mut t = Transaction::from(e);
            t.attachments = files
                .remove(&e.id)
                .unwrap_or_default()
                .into_iter()
                .map(|a| attachment_entity(state, a))
                .collect();
            t
        })
        .collect())
}

impl From<&Entry> for Transaction {
    fn from(e: &Entry) -> Self {
        Transaction {
            id: e.id.to_string(),
            seq: e.seq,
            date: time::iso(e.draft.date),
            memo: e.draft.memo.clone(),
            counterparty: e.draft.counterparty.clone(),
            category: e.draft.category.clone(),
            kind: e.draft.kind.clone(),
            reverses: e.draft.reverses.map(|r| r.to_string()),
            member_id: e.draft.member.map(|r| r.to_string()),
            postings: e
                .draft
                .postings
                .iter()
                .map(|p| PostingEntity {
                    account: p.account.clone(),
                    amount: p.amount,
                    currency: p.currency.clone(),
                })
                .collect(),
            hash: e.hash.clone(),
            prev_hash: e.prev_hash.clone(),
            attachments: Vec::new(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct LedgerAccount {
    pub code: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Signed sums of all postings: debits positive, credits negative.
    pub balances: BTreeMap<String, i64>,
}

fn viewer(auth: &MaybeAuth) -> AppResult<Option<i64>> {
    match &auth.0 {
        Some(a) => {
            a.require("read")?;
            Ok(a.account_id)
        }
        None => Ok(None),
    }
}

pub async fn accounts(
    State(state): State<AppState>,
    auth: MaybeAuth,
) -> AppResult<Json<Vec<LedgerAccount>>> {
    ledger::require_reader(&state, viewer(&auth)?).await?;
    let list = ledger::accounts(&state).await?;
    Ok(Json(
        list.into_iter()
            .map(|(a, balances)| LedgerAccount {
                code: a.code,
                name: a.name,
                kind: a.kind.to_string(),
                balances,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize)]
pub struct TxQuery {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    from: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    to: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    kind: Option<String>,
}

pub async fn transactions(
    State(state): State<AppState>,
    auth: MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<TxQuery>,
) -> AppResult<(HeaderMap, Json<Vec<Transaction>>)> {
    ledger::require_reader(&state, viewer(&auth)?).await?;
    let page = q.page.page(40, 200);
    let filter = TxFilter {
        from: q
            .from
            .as_deref()
            .map(|s| ledger::parse_date("from", s))
            .transpose()?,
        to: q
            .to
            .as_deref()
            .map(|s| ledger::parse_date("to", s))
            .transpose()?,
        member: None,
        kind: q.kind,
        kinds: vec![],
    };
    let entries = ledger::list(&state, &filter, &page).await?;
    let cursors: Vec<i64> = entries.iter().map(|e| e.id).collect();
    Ok((
        paging_headers(&state, &uri, &page, &cursors),
        Json(transactions_of(&state, &entries).await?),
    ))
}

pub async fn transaction(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> AppResult<Json<Transaction>> {
    ledger::require_reader(&state, viewer(&auth)?).await?;
    let e = ledger::get(&state, parse_id(&id)?).await?;
    let mut list = transactions_of(&state, std::slice::from_ref(&e)).await?;
    list.pop().map(Json).ok_or_else(AppError::not_found)
}

/// `GET ledger/transactions/:id/attachments/:aid`: the file, for ledger readers.
pub async fn attachment(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path((id, aid)): Path<(String, String)>,
) -> AppResult<Response> {
    let (a, bytes) =
        ledger::attachment_file(&state, viewer(&auth)?, parse_id(&id)?, parse_id(&aid)?).await?;
    let mut res = bytes.into_response();
    let ct = HeaderValue::from_str(&a.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    res.headers_mut().insert(CONTENT_TYPE, ct);
    res.headers_mut()
        .insert(CONTENT_DISPOSITION, HeaderValue::from_static("attachment"));
    res.headers_mut().insert(
        axum::http::header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}

/// `PUT|PATCH|DELETE ledger/transactions/:id`: posted rows are never edited or removed; a
/// correction is a reversing transaction. 405 with `Allow: GET` and a Mastodon-shaped error.
pub async fn posted_is_final() -> Response {
    let mut res = AppError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "A posted transaction is never edited or deleted: correct it with a reversal \
         (POST /api/v1/coop/ledger/transactions with {\"reverses\": id}) and post the right one",
    )
    .into_response();
    res.headers_mut().insert(
        axum::http::header::ALLOW,
        HeaderValue::from_static("GET, HEAD"),
    );
    res
}

#[derive(Debug, Deserialize)]
pub struct NewTransactionBody {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    memo: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    counterparty: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    category: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    date: Option<String>,
    #[serde(default)]
    postings: Option<Value>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    reverses: Option<String>,
}

/// An amount in minor units: a JSON integer or a string of digits; never a fraction.
fn minor_units(field: &str, v: &Value) -> AppResult<i64> {
    let bad = || {
        AppError::validation(
            field,
            "ERR_INVALID",
            "must be a whole number of minor units (cents), e.g. 1250 for 12.50",
        )
    };
    match v {
        Value::Number(n) => n.as_i64().ok_or_else(bad),
        Value::String(s) => s.trim().parse::<i64>().map_err(|_| bad()),
        _ => Err(bad()),
    }
}

fn parse_postings(v: Option<&Value>) -> AppResult<Vec<Posting>> {
    let items: Vec<&Value> = match v {
        None | Some(Value::Null) => return Ok(vec![]),
        Some(Value::Array(a)) => a.iter().collect(),
        // Form and multipart bodies give `postings[0][account]` as an object keyed by index.
        Some(Value::Object(m)) => {
            let mut keyed: Vec<(usize, &Value)> = m
                .iter()
                .filter_map(|(k, v)| k.parse().ok().map(|i| (i, v)))
                .collect();
            keyed.sort_by_key(|(i, _)| *i);
            keyed.into_iter().map(|(_, v)| v).collect()
        }
        Some(_) => {
            return Err(AppError::validation(
                "postings",
                "ERR_INVALID",
                "must be a list of {account, amount, currency}",
            ))
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let field = format!("postings[{i}]");
            let s = |k: &str| -> AppResult<String> {
                p.get(k)
                    .and_then(Value::as_str)
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| AppError::validation(&field, "ERR_BLANK", &format!("needs {k}")))
            };
            let amount = minor_units(
                &format!("{field}.amount"),
                p.get("amount").unwrap_or(&Value::Null),
            )?;
            Ok(Posting::new(
                &s("account")?,
                amount,
                &s("currency")?.to_ascii_uppercase(),
            ))
        })
        .collect()
}

pub async fn create_transaction(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<NewTransactionBody>,
) -> AppResult<Json<Transaction>> {
    let me = auth.user(&state, "write").await?;
    let b = body.data;
    let reverses = match b.reverses.as_deref() {
        Some(r) => Some(r.trim().parse::<i64>().map_err(|_| {
            AppError::validation("reverses", "ERR_INVALID", "must be a transaction id")
        })?),
        None => None,
    };
    let (entry, files) = ledger::record(
        &state,
        me.account.id,
        ledger::NewTransaction {
            date: b
                .date
                .as_deref()
                .map(|d| ledger::parse_date("date", d))
                .transpose()?,
            memo: b.memo.unwrap_or_default(),
            counterparty: b.counterparty.unwrap_or_default(),
            category: b.category.unwrap_or_default(),
            postings: parse_postings(b.postings.as_ref())?,
            reverses,
        },
        body.files,
    )
    .await?;
    let mut t = Transaction::from(&entry);
    t.attachments = files
        .into_iter()
        .map(|a| attachment_entity(&state, a))
        .collect();
    Ok(Json(t))
}

#[derive(Debug, Deserialize)]
pub struct PeriodQuery {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    from: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    to: Option<String>,
}

/// `from` defaults to the epoch, `to` to now (exclusive).
fn period(state: &AppState, q: &PeriodQuery) -> AppResult<(i64, i64)> {
    let from = q
        .from
        .as_deref()
        .map(|s| ledger::parse_date("from", s))
        .transpose()?
        .unwrap_or(0);
    let to =
        q.to.as_deref()
            .map(|s| ledger::parse_date("to", s))
            .transpose()?
            .unwrap_or_else(|| state.clock.now_micros() + 1);
    Ok((from, to))
}

pub async fn report(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Json<ledger::Report>> {
    ledger::require_reader(&state, viewer(&auth)?).await?;
    let (from, to) = period(&state, &q)?;
    Ok(Json(ledger::report(&state, from, to).await?))
}

pub async fn csv(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    ledger::require_reader(&state, viewer(&auth)?).await?;
    let (from, to) = period(&state, &q)?;
    let body = ledger::csv(&state, from, to).await?;
    let mut res = body.into_response();
    res.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    res.headers_mut().insert(
        CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"ledger.csv\""),
    );
    Ok(res)
}

/// The chain's head and whether it verifies, for anyone who may read the ledger.
pub async fn verify(State(state): State<AppState>, auth: MaybeAuth) -> AppResult<Json<Value>> {
    ledger::require_reader(&state, viewer(&auth)?).await?;
    let daily = ledger::verify_daily_sums(&state.db).await?;
    match ledger::verify(&state.db).await? {
        Ok((count, head)) => Ok(Json(
            json!({ "valid": true, "transactions": count, "head": head,
                    "daily_sums_match": daily.is_none(), "daily_sums_error": daily }),
        )),
        Err(b) => Ok(Json(
            json!({ "valid": false, "transactions": null, "broken": b }),
        )),
    }
}

// ---- budgets ----

#[derive(Debug, Deserialize)]
pub struct BudgetQuery {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    period: Option<String>,
}

fn budgets_json(b: ledger::Budgets) -> Value {
    let mut out = json!({
        "currency": b.currency,
        "bylaws_monthly": b.bylaws_monthly.iter().map(|(a, amount)| json!({
            "account": a.code, "name": a.name, "amount": amount, "currency": b.currency,
        })).collect::<Vec<_>>(),
        "budgets": b.stored.iter().map(|(a, r)| json!({
            "period": r.period, "account": a.code, "name": a.name, "amount": r.amount,
            "currency": r.currency, "set_by": r.set_by_account_id.map(|i| i.to_string()),
            "updated_at": time::iso(r.updated_at),
        })).collect::<Vec<_>>(),
    });
    if let Some((p, from, to)) = b.period {
        out["period"] = json!(p.key());
        out["from"] = json!(time::iso(from));
        out["to"] = json!(time::iso(to));
        out["effective"] = b
            .effective
            .iter()
            .map(|(a, currency, r)| {
                json!({
                    "account": a.code, "name": a.name, "amount": r.amount, "currency": currency,
                    "source": if r.set_by_treasurer { "treasurer" } else { "bylaws" },
                })
            })
            .collect();
    }
    out
}

/// `GET ledger/budgets?period=YYYY-MM|YYYY`: the treasurers' budgets (and the bylaws'
/// monthly defaults); with a period, each account's budget resolved for it.
pub async fn budgets(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Query(q): Query<BudgetQuery>,
) -> AppResult<Json<Value>> {
    ledger::require_reader(&state, viewer(&auth)?).await?;
    let period = q
        .period
        .as_deref()
        .map(|p| ledger::parse_period("period", p))
        .transpose()?;
    Ok(Json(budgets_json(ledger::budgets(&state, period).await?)))
}

/// One `{account | category, amount, currency?}`; `remove: true` (or, in a JSON list,
/// `amount: null`) removes the budget.
fn budget_input(field: &str, v: &Value) -> AppResult<ledger::BudgetInput> {
    let remove = match v.get("remove") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.trim(), "true" | "1" | "on"),
        _ => false,
    };
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let account = text("account")
        .or_else(|| text("category"))
        .ok_or_else(|| {
            AppError::validation(
                &format!("{field}.account"),
                "ERR_BLANK",
                "needs account (or category)",
            )
        })?;
    let amount = match v.get("amount") {
        _ if remove => None,
        None => {
            return Err(AppError::validation(
                &format!("{field}.amount"),
                "ERR_BLANK",
                "needs amount (minor units; null removes the budget)",
            ))
        }
        Some(Value::Null) => None,
        Some(a) => Some(minor_units(&format!("{field}.amount"), a)?),
    };
    Ok(ledger::BudgetInput {
        account,
        amount,
        currency: text("currency"),
    })
}

/// `PUT ledger/budgets` `{period, budgets: [{account | category, amount, currency?}]}` (or one
/// budget's fields at the top level): treasurers only; answers like `GET ?period=`.
pub async fn set_budgets(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<Value>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write").await?;
    let b = body.data;
    let period = ledger::parse_period(
        "period",
        b.get("period").and_then(Value::as_str).unwrap_or(""),
    )?;
    let items: Vec<ledger::BudgetInput> = match b.get("budgets") {
        None | Some(Value::Null) => vec![budget_input("budgets[0]", &b)?],
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, v)| budget_input(&format!("budgets[{i}]"), v))
            .collect::<AppResult<_>>()?,
        // Form and multipart bodies give `budgets[0][account]` as an object keyed by index.
        Some(Value::Object(m)) => {
            let mut keyed: Vec<(usize, &Value)> = m
                .iter()
                .filter_map(|(k, v)| k.parse().ok().map(|i| (i, v)))
                .collect();
            keyed.sort_by_key(|(i, _)| *i);
            keyed
                .into_iter()
                .map(|(i, v)| budget_input(&format!("budgets[{i}]"), v))
                .collect::<AppResult<_>>()?
        }
        Some(_) => {
            return Err(AppError::validation(
                "budgets",
                "ERR_INVALID",
                "must be a list of {account or category, amount, currency?}",
            ))
        }
    };
    ledger::set_budgets(&state, me.account.id, period, items).await?;
    Ok(Json(budgets_json(
        ledger::budgets(&state, Some(period)).await?,
    )))
}

// ---- expenses ----

#[derive(Debug, Serialize)]
pub struct Receipt {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct Expense {
    pub id: String,
    pub state: String,
    pub amount: i64,
    pub currency: String,
    pub description: String,
    pub category: String,
    pub submitter: AccountEntity,
    pub proposal_id: Option<String>,
    pub reject_reason: Option<String>,
    pub transaction_id: Option<String>,
    pub created_at: String,
    pub decided_at: Option<String>,
    pub paid_at: Option<String>,
    /// Only for the submitter, treasurers and admins; `null` for everyone else.
    pub receipts: Option<Vec<Receipt>>,
}

async fn expense_entity(
    state: &AppState,
    viewer: Option<i64>,
    e: ExpenseRow,
) -> AppResult<Expense> {
    let (account, roles) = membership::account_with_roles(state, e.submitter_account_id).await?;
    let receipts = if expenses::may_see_receipts(state, viewer, &e).await? {
        Some(
            expenses::receipts(state, e.id)
                .await?
                .into_iter()
                .map(|r| Receipt {
                    url: format!(
                        "{}/api/v1/coop/expenses/{}/receipts/{}",
                        state.base_url(),
                        e.id,
                        r.id
                    ),
                    id: r.id.to_string(),
                    file_name: r.file_name,
                    content_type: r.content_type,
                    size: r.size,
                    sha256: r.sha256,
                })
                .collect(),
        )
    } else {
        None
    };
    Ok(Expense {
        id: e.id.to_string(),
        state: e.state,
        amount: e.amount,
        currency: e.currency,
        description: e.description,
        category: e.category,
        submitter: AccountEntity::from_row(state, &account, &roles),
        proposal_id: e.proposal_id.map(|p| p.to_string()),
        reject_reason: e.reject_reason,
        transaction_id: e.transaction_id.map(|t| t.to_string()),
        created_at: time::iso(e.created_at),
        decided_at: e.decided_at.map(time::iso),
        paid_at: e.paid_at.map(time::iso),
        receipts,
    })
}

#[derive(Debug, Deserialize)]
pub struct ExpenseQuery {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    state: Option<String>,
}

pub async fn list_expenses(
    State(state): State<AppState>,
    auth: MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ExpenseQuery>,
) -> AppResult<(HeaderMap, Json<Vec<Expense>>)> {
    let viewer = viewer(&auth)?;
    ledger::require_reader(&state, viewer).await?;
    let page = q.page.page(40, 80);
    let rows = expenses::list(&state, q.state.as_deref(), &page).await?;
    let cursors: Vec<i64> = rows.iter().map(|e| e.id).collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(expense_entity(&state, viewer, r).await?);
    }
    Ok((paging_headers(&state, &uri, &page, &cursors), Json(out)))
}

pub async fn get_expense(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> AppResult<Json<Expense>> {
    let viewer = viewer(&auth)?;
    ledger::require_reader(&state, viewer).await?;
    let e = expenses::get(&state, parse_id(&id)?).await?;
    Ok(Json(expense_entity(&state, viewer, e).await?))
}

#[derive(Debug, Deserialize)]
pub struct NewExpenseBody {
    #[serde(default)]
    amount: Option<Value>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    currency: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    description: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    category: Option<String>,
}

pub async fn submit_expense(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<NewExpenseBody>,
) -> AppResult<Json<Expense>> {
    let me = auth.user(&state, "write").await?;
    let b = body.data;
    let amount = minor_units("amount", b.amount.as_ref().unwrap_or(&Value::Null))?;
    let e = expenses::submit(
        &state,
        me.account.id,
        expenses::NewExpense {
            amount,
            currency: b.currency.unwrap_or_default(),
            description: b.description.unwrap_or_default(),
            category: b.category.unwrap_or_default(),
        },
        body.files,
    )
    .await?;
    Ok(Json(expense_entity(&state, Some(me.account.id), e).await?))
}

pub async fn approve_expense(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Expense>> {
    let me = auth.user(&state, "write").await?;
    let e = expenses::approve(&state, me.account.id, parse_id(&id)?).await?;
    Ok(Json(expense_entity(&state, Some(me.account.id), e).await?))
}

#[derive(Debug, Deserialize)]
pub struct RejectBody {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    reason: Option<String>,
}

pub async fn reject_expense(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<RejectBody>,
) -> AppResult<Json<Expense>> {
    let me = auth.user(&state, "write").await?;
    let e = expenses::reject(
        &state,
        me.account.id,
        parse_id(&id)?,
        body.data.reason.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(expense_entity(&state, Some(me.account.id), e).await?))
}

#[derive(Debug, Deserialize)]
pub struct PayBody {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    account: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    date: Option<String>,
}

pub async fn pay_expense(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<PayBody>,
) -> AppResult<Json<Expense>> {
    let me = auth.user(&state, "write").await?;
    let date = body
        .data
        .date
        .as_deref()
        .map(|d| ledger::parse_date("date", d))
        .transpose()?;
    let e = expenses::pay(
        &state,
        me.account.id,
        parse_id(&id)?,
        body.data.account.as_deref(),
        date,
    )
    .await?;
    Ok(Json(expense_entity(&state, Some(me.account.id), e).await?))
}

/// Opens the `expense` proposal for an expense above the treasurer's threshold.
pub async fn propose_expense(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write").await?;
    let pid = expenses::propose(&state, me.account.id, parse_id(&id)?).await?;
    Ok(Json(
        json!({ "proposal_id": pid.to_string(), "expense_id": id }),
    ))
}

pub async fn receipt(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, rid)): Path<(String, String)>,
) -> AppResult<Response> {
    let me = auth.user(&state, "read").await?;
    let (r, bytes) =
        expenses::receipt_file(&state, me.account.id, parse_id(&id)?, parse_id(&rid)?).await?;
    let mut res = bytes.into_response();
    let ct = HeaderValue::from_str(&r.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    res.headers_mut().insert(CONTENT_TYPE, ct);
    res.headers_mut()
        .insert(CONTENT_DISPOSITION, HeaderValue::from_static("attachment"));
    res.headers_mut().insert(
        axum::http::header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}

// ---- dues ----

#[derive(Debug, Deserialize)]
pub struct DuesBody {
    #[serde(default)]
    amount: Option<Value>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    currency: Option<String>,
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    periods: Option<u64>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    account: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    date: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    memo: Option<String>,
}

pub async fn record_dues(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<String>,
    body: Payload<DuesBody>,
) -> AppResult<Json<Transaction>> {
    let me = auth.user(&state, "write").await?;
    let b = body.data;
    let entry = dues::record(
        &state,
        me.account.id,
        dues::ManualDues {
            account_id: parse_id(&account_id)?,
            amount: minor_units("amount", b.amount.as_ref().unwrap_or(&Value::Null))?,
            currency: b.currency,
            periods: u32::try_from(b.periods.unwrap_or(1)).unwrap_or(0),
            account: b.account,
            date: b
                .date
                .as_deref()
                .map(|d| ledger::parse_date("date", d))
                .transpose()?,
            memo: b.memo,
        },
    )
    .await?;
    Ok(Json(Transaction::from(&entry)))
}

#[derive(Debug, Deserialize, Default)]
pub struct ShareBody {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    account: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    date: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    memo: Option<String>,
}

/// `POST /api/v1/coop/members/:account_id/share`: a treasurer records the member's share.
pub async fn record_share(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<String>,
    body: Payload<ShareBody>,
) -> AppResult<Json<Transaction>> {
    let me = auth.user(&state, "write").await?;
    let b = body.data;
    let entry = dues::record_share(
        &state,
        me.account.id,
        dues::SharePayment {
            account_id: parse_id(&account_id)?,
            account: b.account,
            date: b
                .date
                .as_deref()
                .map(|d| ledger::parse_date("date", d))
                .transpose()?,
            memo: b.memo,
        },
    )
    .await?;
    Ok(Json(Transaction::from(&entry)))
}

/// The caller's own dues history (treasurer entries and Stripe payments).
pub async fn my_dues(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> AppResult<(HeaderMap, Json<Value>)> {
    let me = auth.user(&state, "read").await?;
    let page = q.page(40, 80);
    // Filtered in SQL, so every page is full until the history ends.
    let filter = TxFilter {
        member: Some(me.account.id),
        kinds: ["dues", "stripe", "reversal"].map(String::from).to_vec(),
        ..TxFilter::default()
    };
    let entries: Vec<Entry> = ledger::list(&state, &filter, &page).await?;
    let paid_until = membership::dues_paid_until(&state, me.account.id).await?;
    let cursors: Vec<i64> = entries.iter().map(|e| e.id).collect();
    Ok((
        paging_headers(&state, &uri, &page, &cursors),
        Json(json!({
            "paid_until": paid_until.map(time::iso),
            "payments": entries.iter().map(Transaction::from).collect::<Vec<_>>(),
        })),
    ))
}

#[derive(Debug, Deserialize)]
pub struct CheckoutBody {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    mode: Option<String>,
    #[serde(default)]
    amount: Option<Value>,
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    periods: Option<u64>,
}

/// `POST /api/v1/coop/dues/checkout` `{mode: payment|subscription, amount?, periods?}`: a
/// Stripe Checkout Session for the caller's dues; answers `{id, url, …}` (send the member to
/// `url`), or 503 when the instance has no Stripe key.
pub async fn dues_checkout(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<CheckoutBody>,
) -> AppResult<Json<dues::CheckoutSession>> {
    let me = auth.user(&state, "write").await?;
    Ok(Json(
        start_checkout(&state, me.account.id, body.data).await?,
    ))
}

/// Starts a Checkout Session for `account_id`'s dues (also `POST membership {dues: …}`).
pub async fn start_checkout(
    state: &AppState,
    account_id: i64,
    b: CheckoutBody,
) -> AppResult<dues::CheckoutSession> {
    let amount = match b.amount.as_ref() {
        None | Some(Value::Null) => None,
        Some(v) => Some(minor_units("amount", v)?),
    };
    dues::checkout(
        state,
        account_id,
        dues::CheckoutRequest {
            mode: b.mode.unwrap_or_else(|| "payment".into()),
            amount,
            periods: u32::try_from(b.periods.unwrap_or(1)).unwrap_or(0),
        },
    )
    .await
}

/// Stripe's webhook: 200 once applied (or already applied), 400 for a refused delivery.
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let sig = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match dues::webhook(&state, &body, sig).await {
        Ok(outcome) => Json(outcome).into_response(),
        Err(e @ dues::WebhookError::Upstream(_)) => {
            tracing::warn!(error = %e, "Stripe webhook not applied yet; Stripe will retry");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "error": e.to_string() })),
            )
                .into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "Stripe webhook refused");
            (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": e.to_string() })),
            )
                .into_response()
        }
    }
}
