//! `/settings/migration`: the account's aliases (`alsoKnownAs`, so another account may move its
//! followers here) and moving this account elsewhere, through the functions behind
//! `/api/v1/herd/aliases` and `/api/v1/herd/migration` in `services::federation`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::{localized_errors, saved, settings_context, SavedQuery};
use crate::error::{AppError, AppResult};
use crate::services::federation as fed;
use crate::state::AppState;
use crate::web::form::{CsrfForm, SignedIn};
use crate::web::templates::render_status;

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct AliasForm {
    #[serde(default)]
    acct: String,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct MoveForm {
    #[serde(default)]
    target_acct: String,
    /// Never shown again: a refused move empties it.
    #[serde(default, skip_serializing)]
    current_password: String,
}

async fn draw(
    state: &AppState,
    me: &SignedIn,
    alias: &AliasForm,
    moving: &MoveForm,
    errors: &HashMap<String, String>,
    saved: bool,
    status: StatusCode,
) -> AppResult<Response> {
    let aliases = fed::aliases(state, &me.me).await?;
    let account = fed::account_entity(state, me.account_id()).await?;
    let mut ctx = settings_context(state, me, "migration");
    ctx.insert("aliases", &aliases);
    ctx.insert("moved", &account.moved);
    ctx.insert("alias", alias);
    ctx.insert("moving", moving);
    ctx.insert("errors", errors);
    ctx.insert("saved", &saved);
    Ok(render_status(
        state,
        status,
        "settings/migration.html",
        &ctx,
    ))
}

/// `GET /settings/migration`.
pub async fn show(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<SavedQuery>,
) -> Response {
    draw(
        &state,
        &me,
        &AliasForm::default(),
        &MoveForm::default(),
        &HashMap::new(),
        q.is_saved(),
        StatusCode::OK,
    )
    .await
    .unwrap_or_else(|e| me.error(&state, e))
}

/// A refused change: the page again with the message beside `field` (422); others as errors.
async fn refused(
    state: &AppState,
    me: &SignedIn,
    alias: &AliasForm,
    moving: &MoveForm,
    e: AppError,
    field: &str,
) -> Response {
    if e.status != StatusCode::UNPROCESSABLE_ENTITY && e.status != StatusCode::NOT_FOUND {
        return me.error(state, e);
    }
    let errors = if e.status == StatusCode::NOT_FOUND {
        HashMap::from([(
            field.to_string(),
            crate::i18n::text(me.session.locale, "settings-migration-not-found"),
        )])
    } else {
        let mut errors = localized_errors(me.session.locale, &e, field);
        // The password is the only field the service names; anything else is about the account.
        if let Some(m) = errors.remove("form") {
            errors.insert(field.to_string(), m);
        }
        errors
    };
    draw(
        state,
        me,
        alias,
        moving,
        &errors,
        false,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
    .unwrap_or_else(|e| me.error(state, e))
}

/// `POST /settings/migration/aliases`: adds an alias, as `POST /api/v1/herd/aliases`.
pub async fn add_alias(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(f): CsrfForm<AliasForm>,
) -> Response {
    match fed::set_alias(&state, &me.me, &f.acct, true).await {
        Ok(_) => saved("/settings/migration"),
        Err(e) => refused(&state, &me, &f, &MoveForm::default(), e, "acct").await,
    }
}

/// `POST /settings/migration/aliases/delete`: removes one, as `DELETE /api/v1/herd/aliases`.
pub async fn remove_alias(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(f): CsrfForm<AliasForm>,
) -> Response {
    match fed::set_alias(&state, &me.me, &f.acct, false).await {
        Ok(_) => saved("/settings/migration"),
        Err(e) => me.error(&state, e),
    }
}

/// `POST /settings/migration/move`: moves the account, as `POST /api/v1/herd/migration`.
pub async fn move_account(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(f): CsrfForm<MoveForm>,
) -> Response {
    match fed::move_account(&state, &me.me, &f.target_acct, &f.current_password).await {
        Ok(_) => saved("/settings/migration"),
        Err(e) => refused(&state, &me, &AliasForm::default(), &f, e, "target_acct").await,
    }
}
