//! `/api/v1/polls/:id` and its votes.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;

use crate::entities::media::Poll;
use crate::error::AppResult;
use crate::http::auth::{Auth, MaybeAuth};
use crate::http::body::Payload;
use crate::http::lenient;
use crate::services::polls;
use crate::state::AppState;

pub async fn get(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(id): Path<String>,
) -> AppResult<Json<Poll>> {
    let viewer = match &auth {
        Some(a) => {
            a.require("read:statuses")?;
            a.account_id
        }
        None => None,
    };
    Ok(Json(polls::get(&state, viewer, &id).await?))
}

#[derive(Debug, Deserialize)]
pub struct VoteParams {
    #[serde(default, deserialize_with = "lenient::strings")]
    choices: Vec<String>,
}

pub async fn vote(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<VoteParams>,
) -> AppResult<Json<Poll>> {
    let me = auth.user(&state, "write:statuses").await?;
    Ok(Json(
        polls::vote(&state, &me, &id, &body.data.choices).await?,
    ))
}
