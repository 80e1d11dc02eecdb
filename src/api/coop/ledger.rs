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
use serde::Deserialize;
use serde_json::{json, Value};

use super::body::Body;
use super::finance_bodies::{
    BudgetsBody, CheckoutBody, DuesBody, NewExpenseBody, NewTransactionBody, PayBody, RejectBody,
    ShareBody,
};
use super::{paging_headers, parse_id};
use crate::entities::coop::{DuesHistory, Expense, ExpenseProposal, LedgerAccount, Transaction};
use crate::error::{AppError, AppResult};
use crate::http::auth::{Auth, MaybeAuth};
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

pub async fn create_transaction(
    State(state): State<AppState>,
    auth: Auth,
    body: Body<NewTransactionBody>,
) -> AppResult<Json<Transaction>> {
    let me = auth.user(&state, "write").await?;
    let t = body.data.validate()?;
    Ok(Json(
        ledger::post_transaction(&state, me.account.id, t, body.files).await?,
    ))
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

/// `PUT ledger/budgets` `{period, budgets: [{account | category, amount, currency?}]}` (or one
/// budget's fields at the top level): treasurers only; answers like `GET ?period=`.
pub async fn set_budgets(
    State(state): State<AppState>,
    auth: Auth,
    body: Body<BudgetsBody>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write").await?;
    let (period, items) = body.data.validate()?;
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

pub async fn submit_expense(
    State(state): State<AppState>,
    auth: Auth,
    body: Body<NewExpenseBody>,
) -> AppResult<Json<Expense>> {
    let me = auth.user(&state, "write").await?;
    let e = body.data.validate()?;
    Ok(Json(
        expenses::submit(&state, me.account.id, e, body.files).await?,
    ))
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

pub async fn reject_expense(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Body<RejectBody>,
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

pub async fn pay_expense(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Body<PayBody>,
) -> AppResult<Json<Expense>> {
    let me = auth.user(&state, "write").await?;
    let (account, date) = body.data.validate()?;
    Ok(Json(
        expenses::pay(
            &state,
            me.account.id,
            parse_id(&id)?,
            account.as_deref(),
            date,
        )
        .await?,
    ))
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

pub async fn record_dues(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<String>,
    body: Body<DuesBody>,
) -> AppResult<Json<Transaction>> {
    let me = auth.user(&state, "write").await?;
    let d = body.data.validate(parse_id(&account_id)?)?;
    let entry = dues::record(&state, me.account.id, d).await?;
    Ok(Json(Transaction::from(&entry)))
}

/// `POST /api/v1/coop/members/:account_id/share`: a treasurer records the member's share.
pub async fn record_share(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<String>,
    body: Body<ShareBody>,
) -> AppResult<Json<Transaction>> {
    let me = auth.user(&state, "write").await?;
    let p = body.data.validate(parse_id(&account_id)?)?;
    let entry = dues::record_share(&state, me.account.id, p).await?;
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

/// `POST /api/v1/coop/dues/checkout` `{mode: payment|subscription, amount?, periods?}`: a
/// Stripe Checkout Session for the caller's dues; answers `{id, url, …}` (send the member to
/// `url`), or 503 when the instance has no Stripe key.
pub async fn dues_checkout(
    State(state): State<AppState>,
    auth: Auth,
    body: Body<CheckoutBody>,
) -> AppResult<Json<dues::CheckoutSession>> {
    let me = auth.user(&state, "write").await?;
    let request = body.data.validate()?;
    Ok(Json(dues::checkout(&state, me.account.id, request).await?))
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
