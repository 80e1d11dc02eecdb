//! `GET /api/v1/statuses/:id/card` (deprecated since 3.0, still called by older apps): the
//! status's link preview card, or `{}` when it has none.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use crate::error::AppResult;
use crate::http::auth::MaybeAuth;
use crate::services::cards;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/statuses/{id}/card", get(card))
}

pub async fn card(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let viewer = match &auth {
        Some(a) => {
            a.require("read:statuses")?;
            a.account_id
        }
        None => None,
    };
    Ok(Json(cards::of_status(&state, viewer, &id).await?))
}
