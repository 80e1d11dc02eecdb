//! `/api/v1/scheduled_statuses`: list, show, move, cancel.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::entities::media::ScheduledStatus;
use crate::error::AppResult;
use crate::http::auth::Auth;
use crate::http::body::Payload;
use crate::http::lenient;
use crate::http::pagination::{link_for, PageParams, Paged};
use crate::services::scheduled;
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<ScheduledStatus>> {
    let me = auth.user(&state, "read:statuses").await?;
    let page = p.page(20, 40);
    let rows = scheduled::list(&state, &me, &page).await?;
    let cursors: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let items = scheduled::entities(&state, &rows).await?;
    Ok(Paged(
        items,
        link_for(&state.base_url(), &uri, &page, &cursors),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<ScheduledStatus>> {
    let me = auth.user(&state, "read:statuses").await?;
    let row = scheduled::get(&state, &me, &id).await?;
    Ok(Json(scheduled::entity(&state, row).await?))
}

#[derive(Debug, Deserialize)]
pub struct Reschedule {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    scheduled_at: Option<String>,
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<Reschedule>,
) -> AppResult<Json<ScheduledStatus>> {
    let me = auth.user(&state, "write:statuses").await?;
    let row = scheduled::reschedule(&state, &me, &id, body.data.scheduled_at.as_deref()).await?;
    Ok(Json(scheduled::entity(&state, row).await?))
}

pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:statuses").await?;
    scheduled::cancel(&state, &me, &id).await?;
    Ok(Json(json!({})))
}
