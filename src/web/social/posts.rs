//! A post's author tools: edit (a form holding the post's source, through the service behind
//! `PUT /api/v1/statuses/:id`), its edit history at `/@NAME/ID/history` (the service behind
//! `GET /api/v1/statuses/:id/history`), and pin/unpin (behind `POST …/pin` and `…/unpin`).

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::super::form::{CsrfForm, SignedIn};
use super::super::templates::{error_page, page_context, render, render_status};
use super::{back, errors_of, BackForm};
use crate::error::{AppError, AppResult};
use crate::http::session::WebSession;
use crate::services::statuses::{self, Edit, Interaction};
use crate::state::AppState;

/// The edit form: the API's field names.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct EditForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    spoiler_text: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    sensitive: Option<String>,
}

const FIELDS: &[&str] = &["status", "spoiler_text", "language", "text"];

fn edit_form_page(
    state: &AppState,
    signed: &SignedIn,
    id: &str,
    form: &EditForm,
    errors: &HashMap<&str, String>,
    status: StatusCode,
) -> Response {
    let mut ctx = page_context(state, &signed.session, Some(&signed.me.account.username));
    ctx.insert("id", id);
    ctx.insert("form", form);
    ctx.insert("errors", errors);
    ctx.insert("max_characters", &state.config.limits.max_characters);
    render_status(state, status, "social/edit.html", &ctx)
}

/// `GET /web/statuses/{id}/edit`: the author's source text in the form (404 for anyone else,
/// as `GET /api/v1/statuses/:id/source` answers).
pub async fn edit_page(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let row = match statuses::visible(&state, &id, Some(signed.account_id())).await {
        Ok(row) if row.account_id == signed.account_id() && row.reblog_of_id.is_none() => row,
        Ok(_) => return signed.error(&state, AppError::not_found()),
        Err(e) => return signed.error(&state, e),
    };
    let form = EditForm {
        status: row.text,
        spoiler_text: row.spoiler_text,
        language: row.language.unwrap_or_default(),
        sensitive: (row.sensitive != 0).then(|| "true".to_string()),
    };
    edit_form_page(&state, &signed, &id, &form, &HashMap::new(), StatusCode::OK)
}

/// `POST /web/statuses/{id}/edit`.
pub async fn edit(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<EditForm>,
) -> Response {
    let change = Edit {
        text: Some(form.status.clone()),
        spoiler_text: Some(form.spoiler_text.clone()),
        sensitive: Some(form.sensitive.as_deref().is_some_and(|v| !v.is_empty())),
        language: Some(form.language.clone()).filter(|l| !l.is_empty()),
        media_ids: None,
        poll: None,
        media_attributes: Vec::new(),
    };
    match statuses::edit(&state, &signed.me, &id, change).await {
        Ok(row) => {
            Redirect::to(&format!("/@{}/{}", signed.me.account.username, row.id)).into_response()
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let mut errors = errors_of(signed.session.locale, &e, FIELDS, "status");
            if let Some(m) = errors.remove("text") {
                errors.insert("status", m);
            }
            edit_form_page(
                &state,
                &signed,
                &id,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => signed.error(&state, e),
    }
}

/// Whether `name` from a URL names the account `acct` (`alice`, `@alice@this.domain`).
fn names(state: &AppState, name: &str, acct: &str) -> bool {
    let name = name.trim_start_matches('@');
    let local = format!("@{}", state.config.domain);
    name.strip_suffix(local.as_str())
        .unwrap_or(name)
        .eq_ignore_ascii_case(acct)
}

async fn history_page(
    state: &AppState,
    session: &WebSession,
    name: &str,
    id: &str,
) -> AppResult<Response> {
    let mut versions = statuses::history(state, session.account_id, id).await?;
    let acct = versions
        .first()
        .map(|v| v.account.acct.clone())
        .ok_or_else(AppError::not_found)?;
    if !names(state, name, &acct) {
        return Err(AppError::not_found());
    }
    // Newest first, as Mastodon's history lists them.
    versions.reverse();
    let me = super::super::auth::username_of(state, session).await?;
    let mut ctx = page_context(state, session, me.as_deref());
    ctx.insert("versions", &versions);
    ctx.insert("acct", &acct);
    ctx.insert("id", id);
    Ok(render(state, "social/history.html", &ctx)?.into_response())
}

/// `GET /@NAME/ID/history`: every version of a post the reader may see.
pub async fn history(
    State(state): State<AppState>,
    session: WebSession,
    Path((name, id)): Path<(String, String)>,
) -> Response {
    history_page(&state, &session, &name, &id)
        .await
        .unwrap_or_else(|e| error_page(&state, &session, e))
}

/// `POST /web/statuses/{id}/pin` and `/unpin` (the last segment decides).
pub async fn pin(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    uri: Uri,
    CsrfForm(form): CsrfForm<BackForm>,
) -> Response {
    let on = !uri.path().ends_with("/unpin");
    match statuses::interact(&state, &signed.me, &id, Interaction::Pin, on).await {
        Ok(_) => back(
            &state,
            &form.return_to,
            &format!("/@{}", signed.me.account.username),
        ),
        Err(e) => signed.error(&state, e),
    }
}
