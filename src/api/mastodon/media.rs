//! `/api/v2/media`, `/api/v1/media` (upload, show, describe) and the files at `/system/media`.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;

use crate::entities::media::MediaAttachment;
use crate::error::AppResult;
use crate::http::auth::Auth;
use crate::http::body::Payload;
use crate::http::lenient;
use crate::services::media;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct MediaParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    description: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    focus: Option<String>,
}

/// `POST /api/v2/media` and `/api/v1/media`: images are processed at once, so the answer is
/// 200 with the URL (never 202).
pub async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<MediaParams>,
) -> AppResult<Json<MediaAttachment>> {
    let me = auth.user(&state, "write:media").await?;
    let file = body.files.iter().find(|f| f.field == "file");
    let row = media::upload(
        &state,
        &me,
        file,
        body.data.description.as_deref(),
        body.data.focus.as_deref(),
    )
    .await?;
    Ok(Json(media::entity(&state, &row)))
}

pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<MediaAttachment>> {
    let me = auth.user(&state, "write:media").await?;
    let row = media::get(&state, &me, &id).await?;
    Ok(Json(media::entity(&state, &row)))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<MediaParams>,
) -> AppResult<Json<MediaAttachment>> {
    let me = auth.user(&state, "write:media").await?;
    let row = media::update(
        &state,
        &me,
        &id,
        body.data.description.as_deref(),
        body.data.focus.as_deref(),
    )
    .await?;
    Ok(Json(media::entity(&state, &row)))
}

/// `GET /system/media/{dir}/{file}`.
pub async fn file(
    State(state): State<AppState>,
    Path((dir, file)): Path<(String, String)>,
) -> Response {
    media::serve(&state, &dir, &file).await
}

/// `DELETE /api/v1/media/:id` (4.4): `{}` once the unattached upload is gone.
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    let me = auth.user(&state, "write:media").await?;
    media::delete(&state, &me, &id).await?;
    Ok(Json(serde_json::json!({})))
}
