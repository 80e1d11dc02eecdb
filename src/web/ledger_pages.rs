//! The co-op's finances as pages: `/ledger` (balances, the month-by-month charts with their
//! tables, the period report with budget against actual, transactions with filters and paging,
//! the CSV and the hash chain's check), a transaction's page and its attachments, and the
//! expenses (`/expenses`, `/expenses/new` with receipts, `/expenses/ID` with the treasurer's
//! actions). Who may read what is the services' rule (the bylaws' `ledger_visibility`, receipts
//! for the submitter, treasurers and admins), the same as the API's.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};

use super::coop_site::{error_field, error_text, public_context};
use super::form::CsrfUpload;
use super::form::{CsrfForm, SignedIn};
use super::templates::{error_page, page_context, render, render_status};
use crate::entities::coop::{Expense, LedgerAccount, Transaction};
use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::http::lenient;
use crate::http::pagination::PageParams;
use crate::http::session::WebSession;
use crate::services::coop_site::{self, money, Month};
use crate::services::{expenses, ledger};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ledger", get(ledger_page))
        .route("/ledger.csv", get(ledger_csv))
        .route("/ledger/transactions/{id}", get(transaction))
        .route(
            "/ledger/transactions/{id}/attachments/{aid}",
            get(attachment),
        )
        .route("/expenses", get(expense_list).post(submit_expense))
        .route("/expenses/new", get(new_expense))
        .route("/expenses/{id}", get(expense))
        .route("/expenses/{id}/receipts/{rid}", get(receipt))
        .route("/expenses/{id}/{action}", post(expense_action))
}

/// An error for a page anyone may open: a visitor the API would answer 401 goes to sign in
/// and comes back; everything else is the error page.
pub(super) fn public_error(
    state: &AppState,
    session: &WebSession,
    back: &str,
    e: AppError,
) -> Response {
    if e.status == StatusCode::UNAUTHORIZED && session.account_id.is_none() {
        let target = format!(
            "/auth/sign_in?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("return_to", back)
                .finish()
        );
        return Redirect::to(&target).into_response();
    }
    error_page(state, session, e)
}

fn parse_id(s: &str) -> AppResult<i64> {
    s.parse().map_err(|_| AppError::not_found())
}

// ---- charts ----

/// One bar or point of a chart, in SVG user units, with the figure it shows.
#[derive(Debug, Serialize)]
struct Bar {
    x: i64,
    y: i64,
    width: i64,
    height: i64,
}

#[derive(Debug, Serialize)]
struct MonthView {
    month: String,
    /// The month's number, under its bars.
    label: String,
    income: String,
    expenses: String,
    net: String,
    balance: String,
    income_bar: Bar,
    expense_bar: Bar,
    /// The balance line's point and the month's label position.
    px: i64,
    py: i64,
    label_x: i64,
}

/// The two charts' geometry (a 640×240 view box) and the figures of their tables, all from the
/// same integer minor units, so chart and table cannot disagree.
#[derive(Debug, Serialize)]
struct Charts {
    currency: String,
    months: Vec<MonthView>,
    flow_max: String,
    balance_max: String,
    balance_min: String,
    /// The balance line as SVG `points`, and where zero is on its axis.
    line: String,
    zero_y: i64,
}

const W: i64 = 640;
const H: i64 = 240;
const LEFT: i64 = 70;
const RIGHT: i64 = 10;
const TOP: i64 = 12;
const BOTTOM: i64 = 28;

fn charts(currency: &str, months: &[Month]) -> Charts {
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let n = months.len().max(1) as i64;
    let group = plot_w / n;
    let bar_w = (group * 2 / 5).max(1);
    let flow_max = months
        .iter()
        .map(|m| m.income.max(m.expenses))
        .max()
        .unwrap_or(0)
        .max(1);
    let b_max = months.iter().map(|m| m.balance).max().unwrap_or(0).max(1);
    let b_min = months.iter().map(|m| m.balance).min().unwrap_or(0).min(0);
    let span = (b_max - b_min).max(1);
    let scale =
        |v: i64, max: i64| -> i64 { (i128::from(v) * i128::from(plot_h) / i128::from(max)) as i64 };
    let y_of_balance = |v: i64| -> i64 {
        TOP + plot_h - (i128::from(v - b_min) * i128::from(plot_h) / i128::from(span)) as i64
    };
    let views: Vec<MonthView> = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let gx = LEFT + i as i64 * group;
            let ih = scale(m.income.max(0), flow_max);
            let eh = scale(m.expenses.max(0), flow_max);
            MonthView {
                month: m.month.clone(),
                label: m.month.get(5..).unwrap_or(&m.month).to_string(),
                income: money(m.income, currency),
                expenses: money(m.expenses, currency),
                net: money(m.income - m.expenses, currency),
                balance: money(m.balance, currency),
                income_bar: Bar {
                    x: gx + group / 10,
                    y: TOP + plot_h - ih,
                    width: bar_w,
                    height: ih,
                },
                expense_bar: Bar {
                    x: gx + group / 10 + bar_w,
                    y: TOP + plot_h - eh,
                    width: bar_w,
                    height: eh,
                },
                px: gx + group / 2,
                py: y_of_balance(m.balance),
                label_x: gx + group / 2,
            }
        })
        .collect();
    let line = views
        .iter()
        .map(|v| format!("{},{}", v.px, v.py))
        .collect::<Vec<_>>()
        .join(" ");
    Charts {
        currency: currency.to_string(),
        months: views,
        flow_max: money(flow_max, currency),
        balance_max: money(b_max, currency),
        balance_min: money(b_min, currency),
        line,
        zero_y: y_of_balance(0),
    }
}

// ---- the ledger ----

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct LedgerQuery {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    from: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    to: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    max_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    min_id: Option<String>,
}

/// A balance line: the account and its balances in its natural sign, formatted.
#[derive(Debug, Serialize)]
struct BalanceView {
    code: String,
    name: String,
    kind: String,
    amount: String,
}

fn balance_views(accounts: Vec<LedgerAccount>) -> Vec<BalanceView> {
    accounts
        .into_iter()
        .filter(|a| a.balances.values().any(|v| *v != 0))
        .map(|a| {
            // Debits are positive in the API; assets and expenses read naturally that way,
            // the other kinds the other way round.
            let natural = matches!(a.kind.as_str(), "asset" | "expense");
            let amount = a
                .balances
                .iter()
                .filter(|(_, v)| **v != 0)
                .map(|(c, v)| format!("{} {c}", money(if natural { *v } else { -*v }, c)))
                .collect::<Vec<_>>()
                .join(", ");
            BalanceView {
                code: a.code,
                name: a.name,
                kind: a.kind,
                amount,
            }
        })
        .collect()
}

/// A transaction with its amounts formatted.
#[derive(Debug, Serialize)]
struct TxView {
    tx: Transaction,
    /// Each posting's amount formatted (debits positive).
    amounts: Vec<String>,
    /// The sum of the debits, as the transaction's size.
    total: String,
}

fn tx_view(tx: Transaction) -> TxView {
    let amounts = tx
        .postings
        .iter()
        .map(|p| money(p.amount, &p.currency))
        .collect();
    let total = tx
        .postings
        .iter()
        .filter(|p| p.amount > 0)
        .fold(
            std::collections::BTreeMap::<String, i64>::new(),
            |mut m, p| {
                *m.entry(p.currency.clone()).or_default() += p.amount;
                m
            },
        )
        .iter()
        .map(|(c, v)| format!("{} {c}", money(*v, c)))
        .collect::<Vec<_>>()
        .join(", ");
    TxView { tx, amounts, total }
}

/// The report's lines and budget with formatted amounts.
pub(super) fn report_view(r: &ledger::Report) -> serde_json::Value {
    let fmt = |m: &std::collections::BTreeMap<String, i64>| {
        m.iter()
            .map(|(c, v)| format!("{} {c}", money(*v, c)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let lines = |ls: &[herd_governance::ledger::Line]| -> Vec<serde_json::Value> {
        ls.iter()
            .map(|l| serde_json::json!({ "code": l.code, "name": l.name, "amount": fmt(&l.amounts) }))
            .collect()
    };
    let budget: Vec<serde_json::Value> = r
        .budget
        .iter()
        .map(|b| {
            serde_json::json!({
                "code": b.code, "name": b.name,
                "budget": money(b.budget, &b.currency),
                "actual": money(b.actual, &b.currency),
                "remaining": money(b.remaining, &b.currency),
                "over": b.remaining < 0,
                "currency": b.currency,
            })
        })
        .collect();
    serde_json::json!({
        "from": r.from.get(..10).unwrap_or(&r.from),
        "to": r.to.get(..10).unwrap_or(&r.to),
        "income": lines(&r.income_statement.income),
        "expenses": lines(&r.income_statement.expenses),
        "total_income": fmt(&r.income_statement.total_income),
        "total_expenses": fmt(&r.income_statement.total_expenses),
        "net": fmt(&r.income_statement.net),
        "budget": budget,
    })
}

/// `GET /ledger`: for whoever the bylaws let read the ledger.
pub async fn ledger_page(
    State(state): State<AppState>,
    session: WebSession,
    Query(q): Query<LedgerQuery>,
) -> Response {
    let viewer = session.account_id;
    let result = async {
        let accounts = ledger::chart_of_accounts(&state, viewer).await?;
        // The treasurer's forms are linked for treasurers (each checks the role again).
        let treasurer = match viewer {
            Some(v) => ledger::has_role(&state, v, "treasurer").await?,
            None => false,
        };
        let (currency, months) = coop_site::monthly(&state, viewer, 12).await?;
        let chain = ledger::chain_check(&state, viewer).await?;
        // A filter that does not parse is shown beside its field and left out.
        let mut errors: HashMap<&str, String> = HashMap::new();
        let mut valid = |field: &'static str, v: &Option<String>| -> Option<String> {
            let v = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
            match ledger::parse_date(field, v) {
                Ok(_) => Some(v.to_string()),
                Err(e) => {
                    errors.insert(field, error_text(&e));
                    None
                }
            }
        };
        let from = valid("from", &q.from);
        let to = valid("to", &q.to);
        let kind = q.kind.clone().filter(|k| !k.trim().is_empty());
        let report = ledger::period_report(&state, viewer, from.as_deref(), to.as_deref()).await;
        let report = match report {
            Ok(r) => Some(report_view(&r)),
            Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
                errors.insert("to", error_text(&e));
                None
            }
            Err(e) => return Err(e),
        };
        let page = PageParams {
            max_id: q.max_id.clone(),
            min_id: q.min_id.clone(),
            ..PageParams::default()
        }
        .page(40, 200);
        let query = ledger::TransactionQuery {
            from: from.clone(),
            to: to.clone(),
            kind: kind.clone(),
        };
        let (list, cursors) = ledger::list_transactions(&state, viewer, &query, &page).await?;
        let mut ctx = public_context(&state, &session).await?;
        // The pager keeps the filters.
        let mut filter = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("from", &from), ("to", &to), ("kind", &kind)] {
            if let Some(v) = v {
                filter.append_pair(k, v);
            }
        }
        let filter = filter.finish();
        super::public::pager(&mut ctx, "/ledger", &page, &cursors);
        if !filter.is_empty() {
            for key in ["older", "newer"] {
                if let Some(v) = ctx.get(key).and_then(|v| v.as_str()).map(String::from) {
                    if !v.is_empty() {
                        let sep = if v.contains('?') { '&' } else { '?' };
                        ctx.insert(key, &format!("{v}{sep}{filter}"));
                    }
                }
            }
        }
        let csv = if filter.is_empty() {
            "/ledger.csv".to_string()
        } else {
            let mut s = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in [("from", &from), ("to", &to)] {
                if let Some(v) = v {
                    s.append_pair(k, v);
                }
            }
            format!("/ledger.csv?{}", s.finish())
        };
        ctx.insert("balances", &balance_views(accounts));
        ctx.insert("charts", &charts(&currency, &months));
        ctx.insert("chain", &chain);
        ctx.insert("report", &report);
        ctx.insert(
            "transactions",
            &list.into_iter().map(tx_view).collect::<Vec<_>>(),
        );
        ctx.insert(
            "q",
            &LedgerQuery {
                from: q.from.clone(),
                to: q.to.clone(),
                kind: q.kind.clone(),
                ..LedgerQuery::default()
            },
        );
        ctx.insert("errors", &errors);
        ctx.insert("csv", &csv);
        ctx.insert("treasurer", &treasurer);
        Ok::<_, AppError>(render(&state, "coop/ledger.html", &ctx)?.into_response())
    }
    .await;
    result.unwrap_or_else(|e| public_error(&state, &session, "/ledger", e))
}

#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    from: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    to: Option<String>,
}

/// `GET /ledger.csv`: the export, for ledger readers signed in with the page's cookie.
pub async fn ledger_csv(
    State(state): State<AppState>,
    session: WebSession,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let from = q.from.as_deref().filter(|s| !s.is_empty());
    let to = q.to.as_deref().filter(|s| !s.is_empty());
    match ledger::csv_export(&state, session.account_id, from, to).await {
        Ok(body) => (
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8"),
                (CONTENT_DISPOSITION, "attachment; filename=\"ledger.csv\""),
            ],
            body,
        )
            .into_response(),
        Err(e) => public_error(&state, &session, "/ledger", e),
    }
}

/// `GET /ledger/transactions/ID`: postings, hash, previous hash and attachments; for a
/// treasurer, the reversal form (`web::treasurer`).
pub async fn transaction(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
) -> Response {
    let Ok(tx_id) = parse_id(&id) else {
        return error_page(&state, &session, AppError::not_found());
    };
    transaction_page(
        &state,
        &session,
        tx_id,
        &super::treasurer::ReverseForm::default(),
        &HashMap::new(),
        StatusCode::OK,
    )
    .await
}

/// A transaction's page, with the reversal form as typed and its messages (after a refusal).
pub(super) async fn transaction_page(
    state: &AppState,
    session: &WebSession,
    id: i64,
    reverse: &super::treasurer::ReverseForm,
    errors: &HashMap<&str, String>,
    status: StatusCode,
) -> Response {
    let result = async {
        let v = crate::services::treasurer_desk::transaction_view(state, session.account_id, id)
            .await?;
        let mut ctx = public_context(state, session).await?;
        ctx.insert("v", &tx_view(v.tx));
        ctx.insert("can_reverse", &v.can_reverse);
        ctx.insert("reversed_by", &v.reversed_by);
        ctx.insert("reverse", reverse);
        ctx.insert("errors", errors);
        Ok::<_, AppError>(render_status(state, status, "coop/transaction.html", &ctx))
    }
    .await;
    result
        .unwrap_or_else(|e| public_error(state, session, &format!("/ledger/transactions/{id}"), e))
}

/// A private file as a download that a browser never renders inline.
fn download(content_type: &str, bytes: Vec<u8>) -> Response {
    let mut res = bytes.into_response();
    let ct = HeaderValue::from_str(content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    res.headers_mut().insert(CONTENT_TYPE, ct);
    res.headers_mut()
        .insert(CONTENT_DISPOSITION, HeaderValue::from_static("attachment"));
    res.headers_mut()
        .insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}

/// `GET /ledger/transactions/ID/attachments/AID`: for ledger readers (the API's rule).
pub async fn attachment(
    State(state): State<AppState>,
    session: WebSession,
    Path((id, aid)): Path<(String, String)>,
) -> Response {
    let result = async {
        ledger::attachment_file(&state, session.account_id, parse_id(&id)?, parse_id(&aid)?).await
    }
    .await;
    match result {
        Ok((a, bytes)) => download(&a.content_type, bytes),
        Err(e) => public_error(&state, &session, "/ledger", e),
    }
}

// ---- expenses ----

#[derive(Debug, Default, Deserialize)]
pub struct ExpenseListQuery {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    state: Option<String>,
}

const EXPENSE_STATES: &[&str] = &["submitted", "approved", "rejected", "paid"];

/// An expense with its amount formatted.
#[derive(Debug, Serialize)]
struct ExpenseView {
    e: Expense,
    amount: String,
}

fn expense_view(e: Expense) -> ExpenseView {
    ExpenseView {
        amount: format!("{} {}", money(e.amount, &e.currency), e.currency),
        e,
    }
}

/// `GET /expenses`: for ledger readers, by state.
pub async fn expense_list(
    State(state): State<AppState>,
    session: WebSession,
    Query(q): Query<ExpenseListQuery>,
) -> Response {
    let result = async {
        let page = q.page.page(40, 80);
        let filter = q.state.as_deref().filter(|s| !s.is_empty());
        let (list, cursors) = expenses::list(&state, session.account_id, filter, &page).await?;
        let mut ctx = public_context(&state, &session).await?;
        super::public::pager(&mut ctx, "/expenses", &page, &cursors);
        ctx.insert(
            "expenses",
            &list.into_iter().map(expense_view).collect::<Vec<_>>(),
        );
        ctx.insert("filter", &filter.unwrap_or(""));
        ctx.insert("states", EXPENSE_STATES);
        Ok::<_, AppError>(render(&state, "coop/expenses.html", &ctx)?.into_response())
    }
    .await;
    result.unwrap_or_else(|e| public_error(&state, &session, "/expenses", e))
}

/// What the expense form holds (the API's names; `amount` typed in the major unit).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ExpenseForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    category: String,
}

async fn expense_form_page(
    state: &AppState,
    session: &WebSession,
    me: &CurrentUser,
    form: &ExpenseForm,
    errors: &HashMap<&str, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let mut ctx = page_context(state, session, Some(&me.account.username));
    ctx.insert("choices", &coop_site::expense_choices(state).await?);
    ctx.insert("form", form);
    ctx.insert("errors", errors);
    Ok(render_status(state, status, "coop/expense_new.html", &ctx))
}

/// `GET /expenses/new`.
pub async fn new_expense(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
) -> Response {
    let result = async {
        // A non-member gets the 403 page, as posting the form would refuse them.
        let choices = expenses::submission_form(&state, me.account.id).await?;
        let form = ExpenseForm {
            currency: choices.currency,
            ..ExpenseForm::default()
        };
        expense_form_page(
            &state,
            &session,
            &me,
            &form,
            &HashMap::new(),
            StatusCode::OK,
        )
        .await
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, &session, e))
}

/// `POST /expenses` (multipart, with `receipts` files): through the service behind
/// `POST /api/v1/coop/expenses`; a refusal shows the form again with the message beside its
/// field, and nothing is written.
pub async fn submit_expense(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
    CsrfUpload { data: form, files }: CsrfUpload<ExpenseForm>,
) -> Response {
    let refused = |field: &'static str, text: String| {
        let mut errors = HashMap::new();
        errors.insert(field, text);
        errors
    };
    let errors = match coop_site::parse_money(&form.amount, &form.currency) {
        None => refused(
            "amount",
            crate::i18n::text(session.locale, "coop-expense-amount-invalid"),
        ),
        Some(amount) => {
            let new = expenses::NewExpense {
                amount,
                currency: form.currency.clone(),
                description: form.description.clone(),
                category: form.category.clone(),
            };
            let submitted = match expenses::check_files("receipts", files) {
                Ok(files) => expenses::submit(&state, me.account.id, new, files).await,
                Err(e) => Err(e),
            };
            match submitted {
                Ok(e) => return Redirect::to(&format!("/expenses/{}", e.id)).into_response(),
                Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => refused(
                    error_field(
                        &e,
                        "description",
                        &["amount", "currency", "description", "category", "receipts"],
                    ),
                    error_text(&e),
                ),
                Err(e) => return error_page(&state, &session, e),
            }
        }
    };
    expense_form_page(
        &state,
        &session,
        &me,
        &form,
        &errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
    .unwrap_or_else(|e| error_page(&state, &session, e))
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ExpenseActionForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    date: String,
}

async fn expense_page(
    state: &AppState,
    session: &WebSession,
    id: i64,
    form: &ExpenseActionForm,
    errors: &HashMap<&str, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let viewer = session.account_id;
    let e = expenses::show(state, viewer, id).await?;
    // The action forms are offered to treasurers and admins other than the submitter; the
    // service decides again on every action (limits, proposals, states).
    let officer = match viewer {
        Some(v) if e.submitter.id != v.to_string() => {
            ledger::has_role(state, v, "treasurer").await?
                || ledger::has_role(state, v, "admin").await?
        }
        _ => false,
    };
    let mut ctx = public_context(state, session).await?;
    ctx.insert("officer", &officer);
    ctx.insert("x", &expense_view(e));
    ctx.insert("form", form);
    ctx.insert("errors", errors);
    Ok(render_status(state, status, "coop/expense.html", &ctx))
}

/// `GET /expenses/ID`.
pub async fn expense(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        expense_page(
            &state,
            &session,
            parse_id(&id)?,
            &ExpenseActionForm::default(),
            &HashMap::new(),
            StatusCode::OK,
        )
        .await
    }
    .await;
    result.unwrap_or_else(|e| public_error(&state, &session, &format!("/expenses/{id}"), e))
}

/// `POST /expenses/ID/{approve,reject,pay,proposal}`: through the services behind the API's
/// actions of the same names.
pub async fn expense_action(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ExpenseActionForm>,
) -> Response {
    let result = async {
        let id = parse_id(&id)?;
        let actor = me.account.id;
        let done = match action.as_str() {
            "approve" => expenses::approve(&state, actor, id).await.map(drop),
            "reject" => expenses::reject(&state, actor, id, &form.reason)
                .await
                .map(drop),
            "pay" => {
                let date = match form.date.trim() {
                    "" => Ok(None),
                    d => ledger::parse_date("date", d).map(Some),
                };
                let account = Some(form.account.trim()).filter(|a| !a.is_empty());
                match date {
                    Ok(date) => expenses::pay(&state, actor, id, account, date)
                        .await
                        .map(drop),
                    Err(e) => Err(e),
                }
            }
            "proposal" => {
                let p = expenses::propose(&state, actor, id).await?;
                return Ok(Redirect::to(&format!("/proposals/{}", p.proposal_id)).into_response());
            }
            _ => Err(AppError::not_found()),
        };
        match done {
            Ok(()) => Ok(Redirect::to(&format!("/expenses/{id}")).into_response()),
            Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
                let field = error_field(&e, "", &["reason", "account", "date"]);
                let field = if field.is_empty() {
                    match action.as_str() {
                        "reject" => "reason",
                        "pay" => "account",
                        _ => "action",
                    }
                } else {
                    field
                };
                let mut errors = HashMap::new();
                errors.insert(field, error_text(&e));
                expense_page(
                    &state,
                    &session,
                    id,
                    &form,
                    &errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(e) => Err(e),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, &session, e))
}

/// `GET /expenses/ID/receipts/RID`: for the submitter, treasurers and admins.
pub async fn receipt(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
    Path((id, rid)): Path<(String, String)>,
) -> Response {
    let result = async {
        expenses::receipt_file(&state, me.account.id, parse_id(&id)?, parse_id(&rid)?).await
    }
    .await;
    match result {
        Ok((r, bytes)) => download(&r.content_type, bytes),
        Err(e) => error_page(&state, &session, e),
    }
}
