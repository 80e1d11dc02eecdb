//! `GET /api/v1/herd/exports/{follows,lists,blocks,mutes,domain_blocks,bookmarks}.csv` and
//! `POST /api/v1/herd/imports` (multipart: `type`, `mode`, `data`): the upload is checked and
//! queued (202 with the import); `GET /api/v1/herd/imports[/{id}]` shows its progress.

use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::http::auth::Auth;
use crate::http::body::Payload;
use crate::http::lenient;
use crate::services::exports;
use crate::services::imports::{self, ImportView, Upload};
use crate::state::AppState;

pub async fn export(
    State(state): State<AppState>,
    auth: Auth,
    Path(file): Path<String>,
) -> AppResult<Response> {
    if file == "archive.zip" {
        let me = auth.user(&state, "read").await?;
        let bytes = exports::archive(&state, &me).await?;
        let mut res = bytes.into_response();
        res.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/zip"));
        res.headers_mut().insert(
            CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"archive.zip\""),
        );
        return Ok(res);
    }
    let kind = file
        .strip_suffix(".csv")
        .filter(|k| exports::KINDS.contains(k))
        .ok_or_else(AppError::not_found)?;
    let me = auth.user(&state, "read").await?;
    let body = exports::export(&state, &me, kind).await?;
    let mut res = body.into_response();
    res.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{kind}.csv\"")) {
        res.headers_mut().insert(CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

#[derive(Debug, Deserialize, Default)]
pub struct ImportParams {
    #[serde(default, rename = "type", deserialize_with = "lenient::string_opt")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    mode: Option<String>,
    /// The file's text as a plain field (clients without multipart files).
    #[serde(default, deserialize_with = "lenient::string_opt")]
    data: Option<String>,
}

pub async fn import(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<ImportParams>,
) -> AppResult<(StatusCode, Json<ImportView>)> {
    let me = auth.user(&state, "write").await?;
    let kind = body.data.kind.clone().unwrap_or_default();
    let mode = body.data.mode.clone().unwrap_or_else(|| "merge".into());
    let upload = match body.files.iter().find(|f| f.field == "data") {
        Some(f) => Some(Upload {
            bytes: &f.bytes,
            content_type: f.content_type.as_deref(),
        }),
        None => body.data.data.as_deref().map(|d| Upload {
            bytes: d.as_bytes(),
            content_type: None,
        }),
    };
    let view = imports::create(&state, &me, &kind, &mode, upload).await?;
    Ok((StatusCode::ACCEPTED, Json(view)))
}

/// `GET /api/v1/herd/imports`: the caller's latest imports, newest first.
pub async fn list(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<ImportView>>> {
    let me = auth.user(&state, "read").await?;
    Ok(Json(imports::list(&state, &me).await?))
}

/// `GET /api/v1/herd/imports/{id}`.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<ImportView>> {
    let me = auth.user(&state, "read").await?;
    Ok(Json(imports::get(&state, &me, &id).await?))
}
