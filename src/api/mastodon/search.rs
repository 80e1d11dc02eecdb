//! `GET /api/v2/search`.

use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

use crate::entities::SearchResults;
use crate::error::AppResult;
use crate::http::auth::MaybeAuth;
use crate::http::lenient;
use crate::services::search;
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default, rename = "type", deserialize_with = "lenient::string_opt")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    limit: Option<u64>,
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    offset: Option<u64>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    following: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    account_id: Option<String>,
    /// Look `user@host` and URLs up remotely (signed-in callers only).
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    resolve: Option<bool>,
}

pub async fn v2(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Query(p): Query<SearchParams>,
) -> AppResult<Json<SearchResults>> {
    let viewer = match &auth {
        Some(a) => Some(a.user(&state, "read:search").await?.account.id),
        None => None,
    };
    let q = search::Query {
        q: p.q,
        kind: p.kind,
        limit: p.limit,
        offset: p.offset,
        following: p.following.unwrap_or(false),
        account_id: p.account_id,
        resolve: p.resolve.unwrap_or(false),
    };
    Ok(Json(search::search(&state, viewer, q).await?))
}
