//! `/api/v1/conversations`: direct-message threads.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::Json;
use serde_json::{json, Value};

use crate::entities::Conversation;
use crate::error::AppResult;
use crate::http::auth::Auth;
use crate::http::pagination::{link_for, PageParams, Paged};
use crate::services::conversations;
use crate::state::AppState;

pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Conversation>> {
    let me = auth.user(&state, "read:statuses").await?;
    let page = p.page(20, 40);
    let (items, cursors) = conversations::list(&state, &me, &page).await?;
    Ok(Paged(
        items,
        link_for(&state.base_url(), &uri, &page, &cursors),
    ))
}

pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:conversations").await?;
    conversations::remove(&state, &me, &id).await?;
    Ok(Json(json!({})))
}

pub async fn read(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Conversation>> {
    let me = auth.user(&state, "write:conversations").await?;
    Ok(Json(conversations::read(&state, &me, &id).await?))
}

/// `POST /api/v1/conversations/:id/unread` (4.5).
pub async fn unread(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Conversation>> {
    let me = auth.user(&state, "write:conversations").await?;
    Ok(Json(conversations::unread(&state, &me, &id).await?))
}
