//! `/api/v1/notifications`.

use axum::extract::{OriginalUri, Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::entities::Notification;
use crate::error::{AppError, AppResult};
use crate::http::auth::Auth;
use crate::http::body::parse_form;
use crate::http::lenient;
use crate::http::pagination::{link_for, PageParams, Paged};
use crate::services::notifications::{self as service, Choice};
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct ListParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::strings")]
    types: Vec<String>,
    #[serde(default, deserialize_with = "lenient::strings")]
    exclude_types: Vec<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    include_filtered: Option<bool>,
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
) -> AppResult<Paged<Notification>> {
    let me = auth.user(&state, "read:notifications").await?;
    // types[] and exclude_types[] use brackets: parse the query with the bracket-aware parser.
    let p: ListParams = serde_json::from_value(parse_form(uri.query().unwrap_or("").as_bytes())?)
        .map_err(|e| AppError::bad_request(format!("Invalid query: {e}")))?;
    let page = p.page.page(40, 80);
    let from = match p.account_id.as_deref() {
        Some(id) => Some(id.parse::<i64>().map_err(|_| AppError::not_found())?),
        None => None,
    };
    let choice = Choice {
        types: &p.types,
        exclude: &p.exclude_types,
        from_account: from,
        include_filtered: p.include_filtered.unwrap_or(false),
    };
    let (items, cursors) = service::list(&state, me.account.id, choice, &page).await?;
    Ok(Paged(
        items,
        link_for(&state.base_url(), &uri, &page, &cursors),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Notification>> {
    let me = auth.user(&state, "read:notifications").await?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    service::one(&state, me.account.id, id)
        .await?
        .map(Json)
        .ok_or_else(AppError::not_found)
}

pub async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:notifications").await?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    if !service::dismiss(&state, me.account.id, id).await? {
        return Err(AppError::not_found());
    }
    Ok(Json(json!({})))
}

pub async fn clear(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:notifications").await?;
    service::clear(&state, me.account.id).await?;
    Ok(Json(json!({})))
}

/// `GET /api/v1/notifications/unread_count` (4.3): notifications newer than the notifications
/// marker that the list would show (same `types[]`, `exclude_types[]`, `account_id`; none from
/// suspended accounts, nor from silenced ones the viewer does not follow), up to `limit`
/// (default 100, at most 1000).
pub async fn unread_count(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "read:notifications").await?;
    let p: ListParams = serde_json::from_value(parse_form(uri.query().unwrap_or("").as_bytes())?)
        .map_err(|e| AppError::bad_request(format!("Invalid query: {e}")))?;
    let from = match p.account_id.as_deref() {
        Some(id) => Some(id.parse::<i64>().map_err(|_| AppError::not_found())?),
        None => None,
    };
    let cap = p.page.limit.unwrap_or(100).clamp(1, 1000) as i64;
    let choice = Choice {
        types: &p.types,
        exclude: &p.exclude_types,
        from_account: from,
        include_filtered: false,
    };
    let count = service::unread_count(&state, me.account.id, choice, cap).await?;
    Ok(Json(json!({ "count": count })))
}
