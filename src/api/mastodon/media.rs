//! `/api/v2/media`, `/api/v1/media` (upload, show, describe) and the files at `/system/media`.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
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

/// `POST /api/v2/media`: an image is processed at once (200 with its URL); a video, audio
/// file or animated GIF answers 202 with `url: null` until its job has processed it.
pub async fn upload_v2(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<MediaParams>,
) -> AppResult<(StatusCode, Json<MediaAttachment>)> {
    upload(state, auth, body, false).await
}

/// `POST /api/v1/media` (deprecated): processed before it answers, always 200.
pub async fn upload_v1(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<MediaParams>,
) -> AppResult<(StatusCode, Json<MediaAttachment>)> {
    upload(state, auth, body, true).await
}

async fn upload(
    state: AppState,
    auth: Auth,
    body: Payload<MediaParams>,
    synchronous: bool,
) -> AppResult<(StatusCode, Json<MediaAttachment>)> {
    let me = auth.user(&state, "write:media").await?;
    let file = body.files.iter().find(|f| f.field == "file");
    let row = media::upload(
        &state,
        &me,
        file,
        body.data.description.as_deref(),
        body.data.focus.as_deref(),
        synchronous,
    )
    .await?;
    let entity = media::entity(&state, &row);
    Ok((status_of(&entity), Json(entity)))
}

/// 202 (upload) or 206 (show) while processing (an upload has no URL until then), as
/// Mastodon; else 200.
fn status_of(entity: &MediaAttachment) -> StatusCode {
    if entity.url.is_none() {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    }
}

/// `GET /api/v1/media/:id`: 206 with `url: null` while processing, then 200.
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<(StatusCode, Json<MediaAttachment>)> {
    let me = auth.user(&state, "write:media").await?;
    let row = media::get(&state, &me, &id).await?;
    let entity = media::entity(&state, &row);
    let status = match status_of(&entity) {
        StatusCode::ACCEPTED => StatusCode::PARTIAL_CONTENT,
        s => s,
    };
    Ok((status, Json(entity)))
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

/// `GET /system/media/{dir}/{file}` (with `Range` and `If-Range`).
pub async fn file(
    State(state): State<AppState>,
    Path((dir, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    media::serve(
        &state,
        &dir,
        &file,
        text(header::RANGE),
        text(header::IF_RANGE),
    )
    .await
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
