//! The co-op's own pages (issue 15): `/about` (what the co-op is, how to join, its rules,
//! policies, officers, size and, when public, finances), the policies with their clauses,
//! versions and diffs, the member directory and my membership. Each handler calls the service
//! the co-op API calls, so a page never shows what the API would not show this viewer.
//! The ledger and expenses are in `ledger_pages.rs`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use tera::Context;

use super::form::{CsrfForm, SignedIn};
use super::templates::{error_page, page_context, render, render_status};
use crate::entities::coop::{Member, Policy};
use crate::error::{AppError, AppResult};
use crate::http::lenient;
use crate::http::pagination::PageParams;
use crate::http::session::WebSession;
use crate::services::instance::rules_in_force;
use crate::services::{coop_site, dues, ledger, membership, policies};
use crate::state::AppState;

/// The co-op pages' templates, added to every locale's Tera beside the site's own.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "coop/about.html",
        include_str!("../../templates/coop/about.html"),
    ),
    (
        "coop/policies.html",
        include_str!("../../templates/coop/policies.html"),
    ),
    (
        "coop/policy.html",
        include_str!("../../templates/coop/policy.html"),
    ),
    (
        "coop/diff.html",
        include_str!("../../templates/coop/diff.html"),
    ),
    (
        "coop/members.html",
        include_str!("../../templates/coop/members.html"),
    ),
    (
        "coop/membership.html",
        include_str!("../../templates/coop/membership.html"),
    ),
    (
        "coop/ledger.html",
        include_str!("../../templates/coop/ledger.html"),
    ),
    (
        "coop/transaction.html",
        include_str!("../../templates/coop/transaction.html"),
    ),
    (
        "coop/expenses.html",
        include_str!("../../templates/coop/expenses.html"),
    ),
    (
        "coop/expense.html",
        include_str!("../../templates/coop/expense.html"),
    ),
    (
        "coop/expense_new.html",
        include_str!("../../templates/coop/expense_new.html"),
    ),
    (
        "coop/charts.html",
        include_str!("../../templates/coop/charts.html"),
    ),
];

/// The co-op pages' routes (merged in `web::routes` with one line).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/about", get(about))
        .route("/policies", get(policy_list))
        .route("/policies/{slug}", get(policy))
        .route("/policies/{slug}/versions/{n}", get(policy_version))
        .route("/policies/{slug}/diff", get(policy_diff))
        .route("/members", get(members))
        .route("/members/{id}/admit", post(admit))
        .route("/membership", get(my_membership))
        .route("/membership/apply", post(apply))
        .route("/membership/withdraw", post(withdraw))
        .route("/membership/dues", post(pay_dues))
        .merge(super::ledger_pages::routes())
}

/// A page's context with the signed-in member's name (if any), for pages anyone may open.
pub(super) async fn public_context(state: &AppState, session: &WebSession) -> AppResult<Context> {
    let name = super::auth::username_of(state, session).await?;
    Ok(page_context(state, session, name.as_deref()))
}

/// `GET /about`: the co-op's page for anyone.
pub async fn about(State(state): State<AppState>, session: WebSession) -> Response {
    let result = async {
        let mut ctx = public_context(&state, &session).await?;
        ctx.insert("rules", &rules_in_force(&state).await?);
        let policies: Vec<Policy> = policies::list_in_force(&state)
            .await?
            .iter()
            .map(Policy::from_view)
            .collect();
        ctx.insert("policies", &policies);
        ctx.insert("officers", &coop_site::officers(&state).await?);
        ctx.insert("member_count", &coop_site::member_count(&state).await?);
        ctx.insert("join", &coop_site::join_terms(&state).await?);
        ctx.insert("finances", &ledger::public_summary(&state).await?);
        // The extended description an admin wrote on /admin (Markdown, cleaned).
        ctx.insert(
            "instance_extended",
            &crate::services::instance_settings::extended_html(
                &crate::services::instance_settings::current(&state),
            ),
        );
        Ok::<_, AppError>(render(&state, "coop/about.html", &ctx)?.into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, &session, e))
}

/// `GET /policies`: every policy in force.
pub async fn policy_list(State(state): State<AppState>, session: WebSession) -> Response {
    let result = async {
        let mut ctx = public_context(&state, &session).await?;
        let list: Vec<Policy> = policies::list_in_force(&state)
            .await?
            .iter()
            .map(Policy::from_view)
            .collect();
        ctx.insert("policies", &list);
        Ok::<_, AppError>(render(&state, "coop/policies.html", &ctx)?.into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, &session, e))
}

/// The kind of proposal that amends a policy (the bylaws have their own).
fn amendment_kind(slug: &str) -> &'static str {
    if slug == herd_governance::bylaws::BYLAWS_SLUG {
        "bylaws_amendment"
    } else {
        "policy_amendment"
    }
}

async fn policy_page(
    state: &AppState,
    session: &WebSession,
    slug: &str,
    n: Option<i64>,
) -> Response {
    let result = async {
        let shown = Policy::from_view(&policies::version(state, slug, n).await?);
        let versions: Vec<Policy> = policies::versions(state, slug)
            .await?
            .iter()
            .map(Policy::from_view)
            .collect();
        let mut ctx = public_context(state, session).await?;
        ctx.insert("policy", &shown);
        ctx.insert("versions", &versions);
        ctx.insert("amend_kind", amendment_kind(slug));
        Ok::<_, AppError>(render(state, "coop/policy.html", &ctx)?.into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(state, session, e))
}

/// `GET /policies/SLUG`: the version in force, clause by clause.
pub async fn policy(
    State(state): State<AppState>,
    session: WebSession,
    Path(slug): Path<String>,
) -> Response {
    policy_page(&state, &session, &slug, None).await
}

/// `GET /policies/SLUG/versions/N`.
pub async fn policy_version(
    State(state): State<AppState>,
    session: WebSession,
    Path((slug, n)): Path<(String, String)>,
) -> Response {
    match n.parse::<i64>() {
        Ok(n) => policy_page(&state, &session, &slug, Some(n)).await,
        Err(_) => error_page(&state, &session, AppError::not_found()),
    }
}

#[derive(Debug, Deserialize)]
pub struct DiffQuery {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    from: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    to: Option<String>,
}

/// A version number from the query: absent or empty is "the default", anything else a 422.
fn version_param(field: &str, v: Option<&str>) -> AppResult<Option<i64>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .map(Some)
            .ok_or_else(|| AppError::validation(field, "ERR_INVALID", "must be a version number")),
    }
}

/// `GET /policies/SLUG/diff?from=&to=`: what changed, clause by clause and line by line.
pub async fn policy_diff(
    State(state): State<AppState>,
    session: WebSession,
    Path(slug): Path<String>,
    Query(q): Query<DiffQuery>,
) -> Response {
    let result = async {
        let from = version_param("from", q.from.as_deref())?;
        let to = version_param("to", q.to.as_deref())?;
        let diff = policies::diff(&state, &slug, from, to).await?;
        let current = Policy::from_view(&policies::version(&state, &slug, None).await?);
        let mut ctx = public_context(&state, &session).await?;
        ctx.insert("policy", &current);
        ctx.insert("diff", &diff);
        Ok::<_, AppError>(render(&state, "coop/diff.html", &ctx)?.into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, &session, e))
}

#[derive(Debug, Default, Deserialize)]
pub struct RosterQuery {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    state: Option<String>,
}

/// `GET /members`: the roster, for members (the API's `GET members` rule).
pub async fn members(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
    Query(q): Query<RosterQuery>,
) -> Response {
    let result = async {
        let page = q.page.page(40, 80);
        let filter = q.state.as_deref().filter(|s| !s.is_empty());
        let (list, cursors) = membership::roster(&state, me.account.id, filter, &page).await?;
        let mut ctx = page_context(&state, &session, Some(&me.account.username));
        super::public::pager(&mut ctx, "/members", &page, &cursors);
        // Admins admit applicants here when the bylaws leave admission to them; the service
        // checks both again.
        let admits = ledger::has_role(&state, me.account.id, "admin").await?
            && coop_site::join_terms(&state)
                .await?
                .is_some_and(|j| j.admission == "admin");
        ctx.insert("admits", &admits);
        ctx.insert("members", &list);
        ctx.insert("filter", &filter.unwrap_or(""));
        ctx.insert("states", membership::MEMBERSHIP_STATES);
        Ok::<_, AppError>(render(&state, "coop/members.html", &ctx)?.into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, &session, e))
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ApplyForm {
    #[serde(default)]
    note: String,
}

/// The dues form: Stripe Checkout's `mode`, the amount per period typed in the currency's
/// units (empty: the bylaws' suggestion) and how many periods.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct DuesForm {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    periods: String,
}

async fn membership_page(
    state: &AppState,
    session: &WebSession,
    me: &crate::http::auth::CurrentUser,
    form: &ApplyForm,
    errors: &HashMap<&str, String>,
    status: StatusCode,
) -> AppResult<Response> {
    membership_page_with(
        state,
        session,
        me,
        form,
        &DuesForm::default(),
        errors,
        status,
    )
    .await
}

async fn membership_page_with(
    state: &AppState,
    session: &WebSession,
    me: &crate::http::auth::CurrentUser,
    form: &ApplyForm,
    dues_form: &DuesForm,
    errors: &HashMap<&str, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let mine = match membership::get(state, me.account.id).await {
        Ok(m) => Some(Member::from_data(state, &m)),
        Err(e) if e.status == StatusCode::NOT_FOUND => None,
        Err(e) => return Err(e),
    };
    let history = match &mine {
        Some(_) => Some(
            dues::history(state, me.account.id, &PageParams::default().page(40, 80))
                .await?
                .0,
        ),
        None => None,
    };
    let mut ctx = page_context(state, session, Some(&me.account.username));
    ctx.insert("member", &mine);
    ctx.insert("history", &history);
    ctx.insert("join", &coop_site::join_terms(state).await?);
    ctx.insert("stripe", &!state.config.stripe.secret_key.is_empty());
    ctx.insert("form", form);
    ctx.insert("dues_form", dues_form);
    ctx.insert("errors", errors);
    Ok(render_status(state, status, "coop/membership.html", &ctx))
}

/// `GET /membership`: my membership, dues paid and owed, and the application or withdrawal.
pub async fn my_membership(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
) -> Response {
    membership_page(
        &state,
        &session,
        &me,
        &ApplyForm::default(),
        &HashMap::new(),
        StatusCode::OK,
    )
    .await
    .unwrap_or_else(|e| error_page(&state, &session, e))
}

/// The field a service's 422 names (its `details`), else `fallback`.
pub(super) fn error_field(
    err: &AppError,
    fallback: &'static str,
    known: &[&'static str],
) -> &'static str {
    err.details
        .as_ref()
        .and_then(|d| d.as_object())
        .and_then(|d| known.iter().find(|k| d.contains_key(**k)).copied())
        .unwrap_or(fallback)
}

/// A service's 422 as the text shown beside the field.
pub(super) fn error_text(err: &AppError) -> String {
    err.details
        .as_ref()
        .and_then(|d| d.as_object())
        .and_then(|d| d.values().next())
        .and_then(|v| v.get(0))
        .and_then(|v| v.get("description"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| {
            err.message
                .trim_start_matches("Validation failed: ")
                .to_string()
        })
}

/// `POST /membership/apply`: the application (`note`), through the service behind
/// `POST /api/v1/coop/membership`.
pub async fn apply(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
    CsrfForm(form): CsrfForm<ApplyForm>,
) -> Response {
    match membership::apply(&state, me.account.id, &form.note).await {
        Ok(_) => Redirect::to("/membership").into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let mut errors = HashMap::new();
            errors.insert("note", error_text(&e));
            membership_page(
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
        Err(e) => error_page(&state, &session, e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /membership/withdraw` (with the confirmation box ticked): through the service behind
/// `DELETE /api/v1/coop/membership`.
pub async fn withdraw(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
    CsrfForm(form): CsrfForm<WithdrawForm>,
) -> Response {
    if form.confirm.as_deref().unwrap_or("").is_empty() {
        let mut errors = HashMap::new();
        errors.insert(
            "confirm",
            crate::i18n::text(session.locale, "coop-withdraw-confirm-needed"),
        );
        return membership_page(
            &state,
            &session,
            &me,
            &ApplyForm::default(),
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
        .unwrap_or_else(|e| error_page(&state, &session, e));
    }
    match membership::withdraw(&state, me.account.id).await {
        Ok(_) => Redirect::to("/membership").into_response(),
        Err(e) => error_page(&state, &session, e),
    }
}

/// `POST /membership/dues`: a Stripe Checkout Session for my dues, through the service behind
/// `POST /api/v1/coop/dues/checkout`; the browser goes on to Stripe's page. Without Stripe
/// configured the service answers 503 and the page says so (the form is not offered then).
pub async fn pay_dues(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
    CsrfForm(form): CsrfForm<DuesForm>,
) -> Response {
    let result = async {
        let currency = coop_site::join_terms(&state)
            .await?
            .map(|j| j.currency)
            .unwrap_or_default();
        let invalid = |field: &'static str, key: &str| {
            let mut errors = HashMap::new();
            errors.insert(field, crate::i18n::text(session.locale, key));
            errors
        };
        let amount = match form.amount.trim() {
            "" => Ok(None),
            a => coop_site::parse_money(a, &currency)
                .map(Some)
                .ok_or_else(|| invalid("amount", "coop-expense-amount-invalid")),
        };
        let periods = match form.periods.trim() {
            "" => Ok(1),
            p => p
                .parse::<u32>()
                .map_err(|_| invalid("periods", "coop-periods-invalid")),
        };
        let errors = match (amount, periods) {
            (Ok(amount), Ok(periods)) => {
                let request = dues::CheckoutRequest {
                    mode: Some(form.mode.trim())
                        .filter(|m| !m.is_empty())
                        .unwrap_or("payment")
                        .to_string(),
                    amount,
                    periods,
                };
                match dues::checkout(&state, me.account.id, request).await {
                    Ok(s) => return Ok(Redirect::to(&s.url).into_response()),
                    Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
                        let mut errors = HashMap::new();
                        errors.insert(
                            error_field(&e, "amount", &["mode", "amount", "periods"]),
                            error_text(&e),
                        );
                        errors
                    }
                    Err(e) => return Err(e),
                }
            }
            (Err(errors), _) | (_, Err(errors)) => errors,
        };
        membership_page_with(
            &state,
            &session,
            &me,
            &ApplyForm::default(),
            &form,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, &session, e))
}

#[derive(Debug, Default, Deserialize)]
pub struct AdmitForm {}

/// `POST /members/ID/admit`: an admin admits an applicant, through the service behind
/// `POST /api/v1/coop/members/ID/admit`.
pub async fn admit(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<AdmitForm>,
) -> Response {
    let result = async {
        let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
        membership::admit_by_admin(&state, me.account.id, id).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/members?state=active").into_response(),
        Err(e) => error_page(&state, &session, e),
    }
}
