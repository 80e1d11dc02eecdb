//! A member's private note on an account (`POST /api/v1/accounts/:id/note`) and featuring a
//! followed account on their own profile (`POST /api/v1/accounts/:id/{pin,unpin}`), both
//! through `services::endorsements`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::messages;
use crate::entities::Account;
use crate::error::{AppError, AppResult};
use crate::services::{endorsements, social};
use crate::state::AppState;
use crate::web::form::{CsrfForm, SignedIn};
use crate::web::social::{back, BackForm};
use crate::web::templates::{page_context, render_status};

/// The note form: the API's `comment`, and the page to go back to.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct NoteForm {
    #[serde(default)]
    comment: String,
    #[serde(default)]
    return_to: String,
}

/// An account's page on this site.
fn profile_path(username: &str, domain: &str) -> String {
    if domain.is_empty() {
        format!("/@{username}")
    } else {
        format!("/@{username}@{domain}")
    }
}

async fn note_form(
    state: &AppState,
    signed: &SignedIn,
    id: &str,
    form: &NoteForm,
    errors: &HashMap<&str, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let target = social::target(state, id).await?;
    let mut ctx = page_context(state, &signed.session, Some(&signed.me.account.username));
    ctx.insert("account", &Account::from_row(state, &target, &[]));
    ctx.insert("form", form);
    ctx.insert("errors", errors);
    ctx.insert("max_chars", &2000);
    Ok(render_status(state, status, "member_tools/note.html", &ctx))
}

/// `GET /web/accounts/{id}/note`: the member's private note on the account, to edit.
pub async fn note_page(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Query(back_to): Query<BackForm>,
) -> Response {
    let result = async {
        let target = social::target(&state, &id).await?;
        let rel = social::relationship(&state, signed.account_id(), target.id).await?;
        let form = NoteForm {
            comment: rel.note,
            return_to: back_to.return_to,
        };
        note_form(&state, &signed, &id, &form, &HashMap::new(), StatusCode::OK).await
    }
    .await;
    result.unwrap_or_else(|e| signed.error(&state, e))
}

/// `POST /web/accounts/{id}/note` (`comment`; empty removes the note).
pub async fn save_note(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> Response {
    let result = async {
        let target = social::target(&state, &id).await?;
        endorsements::set_note(&state, signed.account_id(), &target, &form.comment).await?;
        Ok::<_, AppError>(target)
    }
    .await;
    match result {
        Ok(target) => back(
            &state,
            &form.return_to,
            &profile_path(&target.username, &target.domain),
        ),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors =
                HashMap::from([("comment", messages::localized(signed.session.locale, &e))]);
            note_form(
                &state,
                &signed,
                &id,
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

/// `POST /web/accounts/{id}/pin` and `/unpin` (the path decides): feature the account on the
/// member's profile, or stop. Only a followed account can be featured (the service says so).
pub async fn feature(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    uri: Uri,
    CsrfForm(form): CsrfForm<BackForm>,
) -> Response {
    let pin = !uri.path().ends_with("/unpin");
    let result = async {
        let target = social::target(&state, &id).await?;
        if pin {
            endorsements::endorse(&state, signed.account_id(), &target).await?;
        } else {
            endorsements::unendorse(&state, signed.account_id(), &target).await?;
        }
        Ok::<_, AppError>(target)
    }
    .await;
    match result {
        Ok(target) => back(
            &state,
            &form.return_to,
            &profile_path(&target.username, &target.domain),
        ),
        Err(e) => signed.error(&state, e),
    }
}
