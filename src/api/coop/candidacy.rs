//! `POST /api/v1/coop/proposals/:id/candidates` (stand for election) and `DELETE` (withdraw):
//! the member is the token's owner; the answer is the proposal, its `options` and
//! `payload.candidates` now with (or without) them. A refusal is 422 (`{"error"}`), or 403 for
//! someone who is not an active member.

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};

use super::parse_id;
use crate::entities::coop::Proposal;
use crate::error::AppResult;
use crate::http::auth::Auth;
use crate::services::candidacy;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/coop/proposals/{id}/candidates",
        post(stand).delete(withdraw),
    )
}

async fn stand(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Proposal>> {
    let me = auth.user(&state, "write").await?;
    Ok(Json(
        candidacy::stand(&state, me.account.id, parse_id(&id)?).await?,
    ))
}

async fn withdraw(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Proposal>> {
    let me = auth.user(&state, "write").await?;
    Ok(Json(
        candidacy::withdraw(&state, me.account.id, parse_id(&id)?).await?,
    ))
}
