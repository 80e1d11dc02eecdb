//! The treasurer's work in the browser: the balanced-transaction form
//! (`/ledger/transactions/new`, posted to `/ledger/transactions`), the reversal form on a
//! transaction's page (`/ledger/transactions/ID/reverse`), a period's budgets
//! (`/ledger/budgets`) and, in `quarterly_reports.rs`, the quarterly report. Each posts through
//! the service behind the co-op API's `POST ledger/transactions` and `PUT ledger/budgets`, so
//! the same roles and rules apply; a refusal shows beside its field (422) and writes nothing.
//!
//! Choices made where the issue is silent:
//! - Amounts are typed in the currency's major unit, signed (debits positive, credits with a
//!   minus), as the API's `amount` in minor units is signed; the form has one currency, the
//!   bylaws' (a transaction in several currencies goes through the API).
//! - With scripts off, the form shows four rows and an "add a row" button that posts the form
//!   back and re-renders it with one more (nothing is written); attached files are chosen
//!   again after that.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::coop_site::{error_field, error_text};
use super::form::{CsrfForm, CsrfUpload, SignedIn};
use super::templates::{page_context, render_status};
use crate::error::{AppError, AppResult};
use crate::http::body::UploadedFile;
use crate::http::lenient;
use crate::http::session::WebSession;
use crate::i18n;
use crate::services::ledger;
use crate::services::treasurer_desk::{self, parse_signed_money, typed_sum, EntryChoices};
use crate::state::AppState;

/// The treasurer's templates, added to every locale's Tera beside the site's own.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "treasurer/transaction_new.html",
        include_str!("../../templates/treasurer/transaction_new.html"),
    ),
    (
        "treasurer/reverse_form.html",
        include_str!("../../templates/treasurer/reverse_form.html"),
    ),
    (
        "treasurer/budgets.html",
        include_str!("../../templates/treasurer/budgets.html"),
    ),
    (
        "treasurer/reports.html",
        include_str!("../../templates/treasurer/reports.html"),
    ),
    (
        "treasurer/report.html",
        include_str!("../../templates/treasurer/report.html"),
    ),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ledger/transactions/new", get(new_transaction))
        .route("/ledger/transactions", post(record))
        .route("/ledger/transactions/{id}/reverse", post(reverse))
        .route("/ledger/budgets", get(budgets).post(set_budgets))
        .merge(super::quarterly_reports::routes())
}

/// Blank rows the form starts with, and the most it grows to (the ledger's own limit).
const ROWS: usize = 4;
const ROWS_MAX: usize = herd_governance::ledger::POSTINGS_MAX;

/// What the transaction form holds (the API's names; amounts in the major unit).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct EntryForm {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    date: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    memo: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    counterparty: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    category: Option<String>,
    #[serde(default)]
    postings: Value,
    /// Present when the "add a row" button was pressed.
    #[serde(default, deserialize_with = "lenient::string_opt")]
    add_row: Option<String>,
}

/// One posting row as typed, with the message beside it.
#[derive(Debug, Default, Clone, Serialize)]
struct Row {
    account: String,
    amount: String,
    error: Option<String>,
}

/// The rows of `postings[N][account]` / `postings[N][amount]`, in index order (a list or a map
/// of indexes, as the form parser gives them).
fn typed_rows(postings: &Value) -> Vec<Row> {
    let field = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let row = |v: &Value| Row {
        account: field(v, "account"),
        amount: field(v, "amount"),
        error: None,
    };
    match postings {
        Value::Array(list) => list.iter().map(row).collect(),
        Value::Object(map) => {
            let mut keyed: Vec<(usize, Row)> = map
                .iter()
                .filter_map(|(k, v)| k.parse::<usize>().ok().map(|i| (i, row(v))))
                .filter(|(i, _)| *i < ROWS_MAX)
                .collect();
            keyed.sort_by_key(|(i, _)| *i);
            keyed.into_iter().map(|(_, r)| r).collect()
        }
        _ => Vec::new(),
    }
}

fn blank(r: &Row) -> bool {
    r.account.trim().is_empty() && r.amount.trim().is_empty()
}

#[allow(clippy::too_many_arguments)] // the form page's parts, each needed to draw it again
fn entry_page(
    state: &AppState,
    session: &WebSession,
    me: &str,
    choices: &EntryChoices,
    form: &EntryForm,
    rows: &[Row],
    errors: &HashMap<&str, String>,
    status: StatusCode,
) -> Response {
    let mut ctx = page_context(state, session, Some(me));
    let amounts: Vec<&str> = rows.iter().map(|r| r.amount.as_str()).collect();
    let (sum, balanced) = typed_sum(&amounts, &choices.currency);
    ctx.insert("choices", choices);
    ctx.insert("form", form);
    ctx.insert("rows", rows);
    ctx.insert("sum", &sum);
    ctx.insert("balanced", &balanced);
    ctx.insert("errors", errors);
    render_status(state, status, "treasurer/transaction_new.html", &ctx)
}

/// `GET /ledger/transactions/new`: for treasurers (the 403 page for anyone else).
pub async fn new_transaction(State(state): State<AppState>, signed: SignedIn) -> Response {
    match treasurer_desk::entry_choices(&state, signed.account_id()).await {
        Ok(choices) => entry_page(
            &state,
            &signed.session,
            &signed.me.account.username,
            &choices,
            &EntryForm::default(),
            &vec![Row::default(); ROWS],
            &HashMap::new(),
            StatusCode::OK,
        ),
        Err(e) => signed.error(&state, e),
    }
}

/// The typed rows as postings, or the rows with their messages.
fn postings_of(
    rows: &mut [Row],
    currency: &str,
    locale: i18n::Locale,
) -> Option<Vec<herd_governance::ledger::Posting>> {
    let mut out = Vec::new();
    let mut ok = true;
    for r in rows.iter_mut().filter(|r| !blank(r)) {
        let account = r.account.trim();
        if account.is_empty() {
            r.error = Some(i18n::text(locale, "treasurer-row-account"));
            ok = false;
            continue;
        }
        match parse_signed_money(&r.amount, currency) {
            Some(amount) => out.push(herd_governance::ledger::Posting::new(
                account, amount, currency,
            )),
            None => {
                r.error = Some(i18n::text(locale, "treasurer-row-amount"));
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// `POST /ledger/transactions` (multipart, with `attachments` files): through the service
/// behind `POST /api/v1/coop/ledger/transactions`. "Add a row" draws the form again with one
/// more row; a refusal draws it with the message beside its field, and nothing is written.
pub async fn record(
    State(state): State<AppState>,
    signed: SignedIn,
    CsrfUpload { data: form, files }: CsrfUpload<EntryForm>,
) -> Response {
    let SignedIn { session, me } = &signed;
    let choices = match treasurer_desk::entry_choices(&state, me.account.id).await {
        Ok(c) => c,
        Err(e) => return signed.error(&state, e),
    };
    let mut rows = typed_rows(&form.postings);
    let page = |rows: &[Row], errors: &HashMap<&str, String>, status| {
        entry_page(
            &state,
            session,
            &me.account.username,
            &choices,
            &form,
            rows,
            errors,
            status,
        )
    };
    if form.add_row.is_some() {
        let n = (rows.len() + 1).clamp(ROWS, ROWS_MAX);
        rows.resize(n, Row::default());
        return page(&rows, &HashMap::new(), StatusCode::OK);
    }
    let mut errors: HashMap<&str, String> = HashMap::new();
    let date = match form
        .date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => None,
        Some(d) => match ledger::parse_date("date", d) {
            Ok(t) => Some(t),
            Err(e) => {
                errors.insert("date", error_text(&e));
                None
            }
        },
    };
    let postings = postings_of(&mut rows, &choices.currency, session.locale);
    let (Some(postings), true) = (postings, errors.is_empty()) else {
        rows.resize(rows.len().max(ROWS), Row::default());
        return page(&rows, &errors, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let t = ledger::NewTransaction {
        date,
        memo: form.memo.clone().unwrap_or_default(),
        counterparty: form.counterparty.clone().unwrap_or_default(),
        category: form.category.clone().unwrap_or_default(),
        postings,
        reverses: None,
    };
    match post_entry(&state, me.account.id, t, files).await {
        Ok(id) => Redirect::to(&format!("/ledger/transactions/{id}")).into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let field = error_field(
                &e,
                "postings",
                &["memo", "counterparty", "category", "date", "attachments"],
            );
            errors.insert(field, error_text(&e));
            rows.resize(rows.len().max(ROWS), Row::default());
            page(&rows, &errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => signed.error(&state, e),
    }
}

async fn post_entry(
    state: &AppState,
    actor: i64,
    t: ledger::NewTransaction,
    files: Vec<UploadedFile>,
) -> AppResult<String> {
    Ok(ledger::post_transaction(state, actor, t, files).await?.id)
}

/// The reversal form: its memo (blank: "Reversal of …") and date (blank: today).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ReverseForm {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub memo: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub date: Option<String>,
}

/// `POST /ledger/transactions/ID/reverse`: through the service behind the API's
/// `{reverses: id}`; the reversal's page links to what it reverses.
pub async fn reverse(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReverseForm>,
) -> Response {
    let Ok(original) = id.parse::<i64>() else {
        return signed.error(&state, AppError::not_found());
    };
    let date = match form
        .date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => Ok(None),
        Some(d) => ledger::parse_date("date", d).map(Some),
    };
    let done = match date {
        Ok(date) => {
            let t = ledger::NewTransaction {
                date,
                memo: form.memo.clone().unwrap_or_default(),
                counterparty: String::new(),
                category: String::new(),
                postings: Vec::new(),
                reverses: Some(original),
            };
            post_entry(&state, signed.account_id(), t, Vec::new()).await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(id) => Redirect::to(&format!("/ledger/transactions/{id}")).into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let mut errors = HashMap::new();
            errors.insert(
                error_field(&e, "reverse", &["memo", "date"]),
                error_text(&e),
            );
            super::ledger_pages::transaction_page(
                &state,
                &signed.session,
                original,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => signed.error(&state, e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    period: Option<String>,
}

/// This month, `YYYY-MM`.
fn this_month(state: &AppState) -> String {
    let now = crate::time::iso(state.clock.now_micros());
    now.get(..7).unwrap_or("1970-01").to_string()
}

/// `GET /ledger/budgets?period=YYYY-MM|YYYY`: the period's budget per income and expense
/// account, for treasurers.
pub async fn budgets(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let period = q
        .period
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| this_month(&state));
    let form = match treasurer_desk::budget_form(&state, signed.account_id(), &period).await {
        Ok(f) => f,
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            // A period that does not parse: this month's form, the message beside the field.
            let mut errors = HashMap::new();
            errors.insert("period".to_string(), error_text(&e));
            let month = this_month(&state);
            return match treasurer_desk::budget_form(&state, signed.account_id(), &month).await {
                Ok(f) => budget_page(
                    &state,
                    &signed,
                    &f,
                    &[],
                    &errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                Err(e) => signed.error(&state, e),
            };
        }
        Err(e) => return signed.error(&state, e),
    };
    budget_page(&state, &signed, &form, &[], &HashMap::new(), StatusCode::OK)
}

fn budget_page(
    state: &AppState,
    signed: &SignedIn,
    form: &treasurer_desk::BudgetForm,
    typed: &[String],
    errors: &HashMap<String, String>,
    status: StatusCode,
) -> Response {
    let mut ctx = page_context(state, &signed.session, Some(&signed.me.account.username));
    ctx.insert("b", form);
    // What was typed, when drawn again after a refusal.
    ctx.insert("typed", typed);
    ctx.insert("errors", errors);
    render_status(state, status, "treasurer/budgets.html", &ctx)
}

/// `POST /ledger/budgets`: `period` and `budgets[N][account]`, `budgets[N][amount]` (the
/// major unit; blank removes the treasurers' budget), through the service behind
/// `PUT /api/v1/coop/ledger/budgets`; then `/ledger`'s report of the period, where the
/// budgets show against actuals.
#[derive(Debug, Default, Deserialize)]
pub struct BudgetsForm {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    period: Option<String>,
    #[serde(default)]
    budgets: Value,
}

pub async fn set_budgets(
    State(state): State<AppState>,
    signed: SignedIn,
    CsrfForm(form): CsrfForm<BudgetsForm>,
) -> Response {
    let period = form.period.clone().unwrap_or_default();
    let lines: Vec<treasurer_desk::TypedBudget> = typed_rows(&form.budgets)
        .into_iter()
        .map(|r| treasurer_desk::TypedBudget {
            account: r.account,
            amount: r.amount,
        })
        .collect();
    let typed: Vec<String> = lines.iter().map(|l| l.amount.clone()).collect();
    match treasurer_desk::set_typed_budgets(&state, signed.account_id(), &period, lines).await {
        Ok((from, to)) => {
            let q = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("from", &from)
                .append_pair("to", &to)
                .finish();
            Redirect::to(&format!("/ledger?{q}#report")).into_response()
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            // A line's error (`budgets[2].amount`) shows beside that line, others beside
            // the period or above the lines.
            let line = e
                .details
                .as_ref()
                .and_then(|d| d.as_object())
                .and_then(|d| d.keys().find_map(|k| line_of(k)));
            let key = match line {
                Some(i) => format!("line-{i}"),
                None => error_field(&e, "budgets", &["period"]).to_string(),
            };
            let mut errors = HashMap::new();
            errors.insert(key, error_text(&e));
            let shown = match ledger::parse_period("period", &period) {
                Ok(_) => period.clone(),
                Err(_) => this_month(&state),
            };
            match treasurer_desk::budget_form(&state, signed.account_id(), &shown).await {
                Ok(f) => budget_page(
                    &state,
                    &signed,
                    &f,
                    &typed,
                    &errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                Err(e) => signed.error(&state, e),
            }
        }
        Err(e) => signed.error(&state, e),
    }
}

/// The line index in an error field such as `budgets[2].amount`.
fn line_of(field: &str) -> Option<usize> {
    field
        .strip_prefix("budgets[")?
        .split(']')
        .next()?
        .parse()
        .ok()
}
