//! `/api/v1/tags/:name` (with follow / unfollow), `/api/v1/followed_tags`, and featured tags.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{AppError, AppResult};
use crate::http::auth::{Auth, MaybeAuth};
use crate::http::body::Payload;
use crate::http::lenient;
use crate::http::pagination::{link_for, PageParams, Paged};
use crate::services::tags;
use crate::state::AppState;

pub async fn show(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(name): Path<String>,
) -> AppResult<Json<Value>> {
    let viewer = match &auth {
        Some(a) => a.account_id,
        None => None,
    };
    Ok(Json(tags::show(&state, viewer, &name).await?))
}

pub async fn follow(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:follows").await?;
    Ok(Json(tags::follow(&state, me.account.id, &name).await?))
}

pub async fn unfollow(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:follows").await?;
    Ok(Json(tags::unfollow(&state, me.account.id, &name).await?))
}

pub async fn followed(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Value>> {
    let me = auth.user(&state, "read:follows").await?;
    let page = p.page(100, 200);
    let (items, cursors) = tags::followed(&state, me.account.id, &page).await?;
    Ok(Paged(
        items,
        link_for(&state.base_url(), &uri, &page, &cursors),
    ))
}

pub async fn featured(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<Value>>> {
    let me = auth.user(&state, "read:accounts").await?;
    Ok(Json(tags::featured(&state, me.account.id).await?))
}

/// `GET /api/v1/accounts/:id/featured_tags` (public).
pub async fn of_account(
    State(state): State<AppState>,
    MaybeAuth(_): MaybeAuth,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Value>>> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    Ok(Json(tags::featured(&state, id).await?))
}

#[derive(Debug, Deserialize, Default)]
pub struct FeatureParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    name: Option<String>,
}

pub async fn feature(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<FeatureParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:accounts").await?;
    let name = body.data.name.unwrap_or_default();
    Ok(Json(tags::feature(&state, me.account.id, &name).await?))
}

pub async fn unfeature(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:accounts").await?;
    tags::unfeature(&state, me.account.id, &id).await?;
    Ok(Json(json!({})))
}

pub async fn suggestions(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<Value>>> {
    let me = auth.user(&state, "read:accounts").await?;
    Ok(Json(tags::suggestions(&state, me.account.id).await?))
}

pub async fn feature_tag(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:accounts").await?;
    Ok(Json(
        tags::feature_by_name(&state, me.account.id, &name).await?,
    ))
}

pub async fn unfeature_tag(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:accounts").await?;
    Ok(Json(
        tags::unfeature_by_name(&state, me.account.id, &name).await?,
    ))
}
