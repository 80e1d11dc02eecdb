//! Reporting a post or an account: `GET /web/reports/new?account_id=&status_ids[]=` shows the
//! form (category, comment, the rules of the code of conduct in force as checkboxes to cite,
//! forwarding to the account's server when it is remote); `POST /web/reports` files it through
//! the service behind `POST /api/v1/reports`, which checks the rule ids against the code of
//! conduct in force and the posts against what the reporter may see.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::super::form::{CsrfForm, SignedIn};
use super::super::templates::{page_context, render_status};
use super::{errors_of, query_of};
use crate::entities::{Account, Status};
use crate::error::AppResult;
use crate::http::lenient;
use crate::services::instance::rules_in_force;
use crate::services::moderation::{NewReport, CATEGORIES};
use crate::services::render::{self, Viewer};
use crate::services::{admin, social, statuses};
use crate::state::AppState;

/// The report form: the API's field names.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ReportForm {
    #[serde(default)]
    account_id: String,
    #[serde(default, deserialize_with = "lenient::strings")]
    status_ids: Vec<String>,
    #[serde(default)]
    category: String,
    #[serde(default)]
    comment: String,
    #[serde(default, deserialize_with = "lenient::strings")]
    rule_ids: Vec<String>,
    #[serde(default)]
    forward: Option<String>,
}

const FIELDS: &[&str] = &["status_ids", "category", "comment", "rule_ids"];

async fn form_page(
    state: &AppState,
    signed: &SignedIn,
    form: &ReportForm,
    errors: &HashMap<&str, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let me = signed.account_id();
    let target = social::target(state, &form.account_id).await?;
    let account = Account::from_row(state, &target, &[]);
    // The posts named, as far as the reporter may see them and they are the account's.
    let mut posts: Vec<Status> = Vec::new();
    for id in form.status_ids.iter().take(20) {
        if let Ok(row) = statuses::visible(state, id, Some(me)).await {
            if row.account_id == target.id {
                posts.push(render::status(state, Viewer(Some(me)), &row).await?);
            }
        }
    }
    let mut ctx = page_context(state, &signed.session, Some(&signed.me.account.username));
    ctx.insert("account", &account);
    ctx.insert("remote", &account.acct.contains('@'));
    ctx.insert("posts", &posts);
    ctx.insert("rules", &rules_in_force(state).await?);
    ctx.insert("categories", CATEGORIES);
    ctx.insert("form", form);
    ctx.insert("errors", errors);
    Ok(render_status(state, status, "social/report.html", &ctx))
}

/// `GET /web/reports/new?account_id=ID&status_ids[]=ID…`
pub async fn new_page(State(state): State<AppState>, signed: SignedIn, uri: Uri) -> Response {
    let mut form: ReportForm = query_of(&uri);
    if form.category.is_empty() {
        form.category = "other".into();
    }
    form_page(&state, &signed, &form, &HashMap::new(), StatusCode::OK)
        .await
        .unwrap_or_else(|e| signed.error(&state, e))
}

/// `POST /web/reports`
pub async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    CsrfForm(form): CsrfForm<ReportForm>,
) -> Response {
    let report = NewReport {
        account_id: form.account_id.clone(),
        status_ids: form.status_ids.clone(),
        comment: form.comment.clone(),
        forward: form.forward.as_deref().is_some_and(|v| !v.is_empty()),
        category: Some(form.category.clone()).filter(|c| !c.is_empty()),
        rule_ids: form.rule_ids.clone(),
    };
    match admin::file_report(&state, signed.account_id(), report).await {
        Ok(_) => Redirect::to(&format!("/web/reports/sent?account_id={}", form.account_id))
            .into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = errors_of(signed.session.locale, &e, FIELDS, "form");
            form_page(
                &state,
                &signed,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
            .unwrap_or_else(|e| signed.error(&state, e))
        }
        Err(e) => signed.error(&state, e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SentQuery {
    #[serde(default)]
    account_id: String,
}

/// `GET /web/reports/sent`: the thanks, and the way back to the account.
pub async fn sent(State(state): State<AppState>, signed: SignedIn, uri: Uri) -> Response {
    let q: SentQuery = query_of(&uri);
    let account = match social::target(&state, &q.account_id).await {
        Ok(a) => Some(Account::from_row(&state, &a, &[])),
        Err(_) => None,
    };
    let mut ctx = page_context(&state, &signed.session, Some(&signed.me.account.username));
    ctx.insert("account", &account);
    render_status(&state, StatusCode::OK, "social/report_sent.html", &ctx)
}
