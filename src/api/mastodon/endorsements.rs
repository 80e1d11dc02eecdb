//! Endorsements (`/api/v1/accounts/:id/pin|unpin`, 4.4's `endorse|unendorse`,
//! `/api/v1/endorsements`, `/api/v1/accounts/:id/endorsements`) and private notes
//! (`/api/v1/accounts/:id/note`).

use axum::extract::{OriginalUri, Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::entities::{Account, Relationship};
use crate::error::AppResult;
use crate::http::auth::{Auth, MaybeAuth};
use crate::http::body::Payload;
use crate::http::lenient;
use crate::http::pagination::{link_for, PageParams, Paged};
use crate::services::{endorsements, social};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/accounts/{id}/pin", post(endorse))
        .route("/api/v1/accounts/{id}/endorse", post(endorse))
        .route("/api/v1/accounts/{id}/unpin", post(unendorse))
        .route("/api/v1/accounts/{id}/unendorse", post(unendorse))
        .route("/api/v1/accounts/{id}/note", post(note))
        .route("/api/v1/accounts/{id}/endorsements", get(of_account))
        .route("/api/v1/endorsements", get(mine))
}

async fn endorse(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Relationship>> {
    let me = auth.user(&state, "write:accounts").await?;
    let target = social::target(&state, &id).await?;
    Ok(Json(
        endorsements::endorse(&state, me.account.id, &target).await?,
    ))
}

async fn unendorse(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Relationship>> {
    let me = auth.user(&state, "write:accounts").await?;
    let target = social::target(&state, &id).await?;
    Ok(Json(
        endorsements::unendorse(&state, me.account.id, &target).await?,
    ))
}

#[derive(Debug, Deserialize, Default)]
struct NoteParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    comment: Option<String>,
}

async fn note(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<NoteParams>,
) -> AppResult<Json<Relationship>> {
    let me = auth.user(&state, "write:accounts").await?;
    let target = social::target(&state, &id).await?;
    let comment = body.data.comment.unwrap_or_default();
    Ok(Json(
        endorsements::set_note(&state, me.account.id, &target, &comment).await?,
    ))
}

/// `GET /api/v1/endorsements`: the accounts the viewer features.
async fn mine(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Account>> {
    let me = auth.user(&state, "read:accounts").await?;
    let page = p.page(40, 80);
    let (items, cursors) = endorsements::endorsed(&state, me.account.id, &page).await?;
    Ok(Paged(
        items,
        link_for(&state.base_url(), &uri, &page, &cursors),
    ))
}

/// `GET /api/v1/accounts/:id/endorsements` (4.4): the accounts an account features, public
/// as its profile is.
async fn of_account(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Account>> {
    if let Some(a) = &auth {
        a.require("read:accounts")?;
    }
    let target = social::target(&state, &id).await?;
    let page = p.page(40, 80);
    let (items, cursors) = endorsements::endorsed(&state, target.id, &page).await?;
    Ok(Paged(
        items,
        link_for(&state.base_url(), &uri, &page, &cursors),
    ))
}
