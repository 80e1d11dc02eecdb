//! The ledger, expenses and dues under `/api/v1/coop/` (DESIGN §7): `GET ledger/accounts`,
//! `GET|POST ledger/transactions`, `GET ledger/transactions/:id`, `GET ledger/report`,
//! `GET ledger.csv`, `GET ledger/verify`; `GET|POST expenses`, `GET expenses/:id`,
//! `POST expenses/:id/{approve,reject,pay,proposal}`, `GET expenses/:id/receipts/:rid`;
//! `POST members/:account_id/dues`, `GET membership/dues`; `POST stripe/webhook`.

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use herd_governance::ledger::Posting;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{paging_headers, parse_id};
use crate::entities::coop::{DuesHistory, Expense, ExpenseProposal, LedgerAccount, Transaction};
use crate::error::{AppError, AppResult};
use crate::http::auth::{Auth, MaybeAuth};
use crate::http::body::Payload;
use crate::http::lenient;
use crate::http::pagination::PageParams;
use crate::services::{dues, expenses, ledger};
use crate::state::AppState;

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
    Ok(Json(
        ledger::chart_of_accounts(&state, viewer(&auth)?).await?,
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
    let page = q.page.page(40, 200);
    let query = ledger::TransactionQuery {
        from: q.from,
        to: q.to,
        kind: q.kind,
    };
    let (list, cursors) = ledger::list_transactions(&state, viewer(&auth)?, &query, &page).await?;
    Ok((paging_headers(&state, &uri, &page, &cursors), Json(list)))
}

pub async fn transaction(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> AppResult<Json<Transaction>> {
    Ok(Json(
        ledger::show_transaction(&state, viewer(&auth)?, parse_id(&id)?).await?,
    ))
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
    let t = ledger::post_transaction(
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
    Ok(Json(t))
}

#[derive(Debug, Deserialize)]
pub struct PeriodQuery {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    from: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    to: Option<String>,
}

pub async fn report(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Json<ledger::Report>> {
    Ok(Json(
        ledger::period_report(&state, viewer(&auth)?, q.from.as_deref(), q.to.as_deref()).await?,
    ))
}

pub async fn csv(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let body =
        ledger::csv_export(&state, viewer(&auth)?, q.from.as_deref(), q.to.as_deref()).await?;
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
    Ok(Json(ledger::chain_check(&state, viewer(&auth)?).await?))
}

// ---- budgets ----

#[derive(Debug, Deserialize)]
pub struct BudgetQuery {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    period: Option<String>,
}

/// `GET ledger/budgets?period=YYYY-MM|YYYY`: the treasurers' budgets (and the bylaws'
/// monthly defaults); with a period, each account's budget resolved for it.
pub async fn budgets(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Query(q): Query<BudgetQuery>,
) -> AppResult<Json<Value>> {
    Ok(Json(
        ledger::budgets_for(&state, viewer(&auth)?, q.period.as_deref()).await?,
    ))
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
    Ok(Json(
        ledger::update_budgets(&state, me.account.id, period, items).await?,
    ))
}

// ---- expenses ----

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
    let page = q.page.page(40, 80);
    let (list, cursors) = expenses::list(&state, viewer(&auth)?, q.state.as_deref(), &page).await?;
    Ok((paging_headers(&state, &uri, &page, &cursors), Json(list)))
}

pub async fn get_expense(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> AppResult<Json<Expense>> {
    Ok(Json(
        expenses::show(&state, viewer(&auth)?, parse_id(&id)?).await?,
    ))
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
    Ok(Json(e))
}

pub async fn approve_expense(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Expense>> {
    let me = auth.user(&state, "write").await?;
    Ok(Json(
        expenses::approve(&state, me.account.id, parse_id(&id)?).await?,
    ))
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
    Ok(Json(e))
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
    Ok(Json(e))
}

/// Opens the `expense` proposal for an expense above the treasurer's threshold.
pub async fn propose_expense(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<ExpenseProposal>> {
    let me = auth.user(&state, "write").await?;
    Ok(Json(
        expenses::propose(&state, me.account.id, parse_id(&id)?).await?,
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
) -> AppResult<(HeaderMap, Json<DuesHistory>)> {
    let me = auth.user(&state, "read").await?;
    let page = q.page(40, 80);
    let (history, cursors) = dues::history(&state, me.account.id, &page).await?;
    Ok((paging_headers(&state, &uri, &page, &cursors), Json(history)))
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
