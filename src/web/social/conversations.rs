//! `/conversations`: the member's direct-message threads (newest first, unread marked), each
//! with "mark read" and "remove", through the services behind `/api/v1/conversations`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::super::form::{CsrfForm, SignedIn};
use super::super::templates::{page_context, render_status};
use super::{back, BackForm};
use crate::error::{AppError, AppResult};
use crate::http::pagination::PageParams;
use crate::services::conversations;
use crate::state::AppState;

/// `GET /conversations`
pub async fn index(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(p): Query<PageParams>,
) -> Response {
    let result = async {
        let page = p.page(20, 40);
        let (items, cursors) = conversations::list(&state, &signed.me, &page).await?;
        let mut ctx = page_context(&state, &signed.session, Some(&signed.me.account.username));
        super::super::public::pager(&mut ctx, "/conversations", &page, &cursors);
        ctx.insert("conversations", &items);
        ctx.insert("here", "/conversations");
        Ok::<_, AppError>(render_status(
            &state,
            StatusCode::OK,
            "social/conversations.html",
            &ctx,
        ))
    }
    .await;
    result.unwrap_or_else(|e| signed.error(&state, e))
}

/// `POST /web/conversations/{id}/{read,remove}`
pub async fn act(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<BackForm>,
) -> Response {
    let done: AppResult<()> = match action.as_str() {
        "read" => conversations::read(&state, &signed.me, &id).await.map(drop),
        "remove" => conversations::remove(&state, &signed.me, &id).await,
        _ => Err(AppError::not_found()),
    };
    match done {
        Ok(()) => back(&state, &form.return_to, "/conversations"),
        Err(e) => signed.error(&state, e),
    }
}
