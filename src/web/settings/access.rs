//! `/settings/applications` (apps holding tokens for the member; revoke one) and
//! `/settings/sessions` (the member's signed-in browsers; end one, or all but this one),
//! through `services::web_settings`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{settings_context, SavedQuery};
use crate::error::AppError;
use crate::services::web_settings;
use crate::state::AppState;
use crate::web::form::{CsrfForm, SignedIn};
use crate::web::templates::render_status;

#[derive(Debug, Deserialize)]
pub struct Empty {}

/// `GET /settings/applications`.
pub async fn applications(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<SavedQuery>,
) -> Response {
    let result = async {
        let apps = web_settings::authorised_apps(&state, me.account_id()).await?;
        let mut ctx = settings_context(&state, &me, "applications");
        ctx.insert("apps", &apps);
        ctx.insert("saved", &q.is_saved());
        Ok::<_, AppError>(render_status(
            &state,
            StatusCode::OK,
            "settings/applications.html",
            &ctx,
        ))
    }
    .await;
    result.unwrap_or_else(|e| me.error(&state, e))
}

/// `POST /settings/applications/{id}/revoke`: every token of the app for this member.
pub async fn revoke_application(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    match web_settings::revoke_app(&state, me.account_id(), &id).await {
        Ok(()) => Redirect::to("/settings/applications?saved=1").into_response(),
        Err(e) => me.error(&state, e),
    }
}

/// `GET /settings/sessions`.
pub async fn sessions(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<SavedQuery>,
) -> Response {
    let result = async {
        let list =
            web_settings::sessions(&state, me.account_id(), me.session.session_hash.as_deref())
                .await?;
        let mut ctx = settings_context(&state, &me, "sessions");
        ctx.insert("others", &list.iter().any(|s| !s.current));
        ctx.insert("sessions", &list);
        ctx.insert("saved", &q.is_saved());
        Ok::<_, AppError>(render_status(
            &state,
            StatusCode::OK,
            "settings/sessions.html",
            &ctx,
        ))
    }
    .await;
    result.unwrap_or_else(|e| me.error(&state, e))
}

/// `POST /settings/sessions/{id}/revoke`: one of the member's sessions (another member's is
/// not found).
pub async fn revoke_session(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    match web_settings::end_session(&state, me.account_id(), &id).await {
        // Ending this browser's own session signs it out.
        Ok(()) if me.session.session_hash.as_deref() == Some(id.as_str()) => {
            Redirect::to("/auth/sign_in").into_response()
        }
        Ok(()) => Redirect::to("/settings/sessions?saved=1").into_response(),
        Err(e) => me.error(&state, e),
    }
}

/// `POST /settings/sessions/others/revoke`: signs out everywhere but here.
pub async fn revoke_others(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    let Some(keep) = me.session.session_hash.clone() else {
        return me.error(&state, AppError::not_found());
    };
    match web_settings::end_other_sessions(&state, me.account_id(), &keep).await {
        Ok(_) => Redirect::to("/settings/sessions?saved=1").into_response(),
        Err(e) => me.error(&state, e),
    }
}
