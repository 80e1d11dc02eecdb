//! `GET /api/v1/coop/policies`, `/policies/:slug`, `/policies/:slug/versions[/:n]`,
//! `/policies/:slug/diff?from=&to=`: public.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use crate::entities::coop::Policy;
use crate::error::{AppError, AppResult};
use crate::http::lenient;
use crate::services::policies;
use crate::state::AppState;

pub async fn list(State(state): State<AppState>) -> AppResult<Json<Vec<Policy>>> {
    let views = policies::list_in_force(&state).await?;
    Ok(Json(views.iter().map(Policy::from_view).collect()))
}

pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Json<Policy>> {
    Ok(Json(Policy::from_view(
        &policies::version(&state, &slug, None).await?,
    )))
}

pub async fn versions(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Json<Vec<Policy>>> {
    let views = policies::versions(&state, &slug).await?;
    Ok(Json(views.iter().map(Policy::from_view).collect()))
}

pub async fn version(
    State(state): State<AppState>,
    Path((slug, n)): Path<(String, String)>,
) -> AppResult<Json<Policy>> {
    let n: i64 = n.parse().map_err(|_| AppError::not_found())?;
    Ok(Json(Policy::from_view(
        &policies::version(&state, &slug, Some(n)).await?,
    )))
}

#[derive(Debug, Deserialize)]
pub struct DiffQuery {
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    from: Option<u64>,
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    to: Option<u64>,
}

pub async fn diff(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<DiffQuery>,
) -> AppResult<Json<Value>> {
    let from = q.from.map(|n| n as i64);
    let to = q.to.map(|n| n as i64);
    Ok(Json(policies::diff(&state, &slug, from, to).await?))
}
