//! `/settings/export` (the CSV files and the archive, as `GET /api/v1/herd/exports/…`) and
//! `/settings/import` (a CSV file of follows, blocks, mutes, domain blocks, lists or bookmarks,
//! as `POST /api/v1/herd/imports`), through `services::exports` and `services::imports`.
//!
//! An import is queued work: the upload is checked at once (refused beside its field), then
//! the page lists the member's imports with their progress, which `/settings/import/progress`
//! serves alone for the script that refreshes it while one runs.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::{localized_errors, settings_context};
use crate::error::AppError;
use crate::services::exports::{self, KINDS};
use crate::services::imports::{self, Upload};
use crate::state::AppState;
use crate::web::form::CsrfUpload;
use crate::web::form::SignedIn;
use crate::web::templates::render_status;

/// `GET /settings/export`.
pub async fn export_page(State(state): State<AppState>, me: SignedIn) -> Response {
    let mut ctx = settings_context(&state, &me, "export");
    ctx.insert("kinds", KINDS);
    render_status(&state, StatusCode::OK, "settings/export.html", &ctx)
}

/// `GET /settings/export/{kind}.csv` and `/settings/export/archive.zip`: the member's own
/// data, as the API's export gives it.
pub async fn download(
    State(state): State<AppState>,
    me: SignedIn,
    Path(file): Path<String>,
) -> Response {
    let result = async {
        if file == "archive.zip" {
            let bytes = exports::archive(&state, &me.me).await?;
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
            .filter(|k| KINDS.contains(k))
            .ok_or_else(AppError::not_found)?;
        let body = exports::export(&state, &me.me, kind).await?;
        let mut res = body.into_response();
        res.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{kind}.csv\"")) {
            res.headers_mut().insert(CONTENT_DISPOSITION, v);
        }
        Ok::<_, AppError>(res)
    }
    .await;
    result.unwrap_or_else(|e| me.error(&state, e))
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ImportForm {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    mode: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ImportQuery {
    #[serde(default)]
    queued: Option<String>,
}

/// The context of the list of imports (the page's section and the polled fragment).
async fn imports_context(
    state: &AppState,
    me: &SignedIn,
    ctx: &mut tera::Context,
) -> Result<(), AppError> {
    let imports = imports::list(state, &me.me).await?;
    let running = imports.iter().any(|i| i.state != "finished");
    ctx.insert("imports", &imports);
    ctx.insert("imports_running", &running);
    Ok(())
}

async fn import_page(
    state: &AppState,
    me: &SignedIn,
    form: &ImportForm,
    errors: &HashMap<String, String>,
    queued: bool,
    status: StatusCode,
) -> Response {
    let mut ctx = settings_context(state, me, "import");
    ctx.insert("kinds", KINDS);
    ctx.insert("form", form);
    ctx.insert("chosen_kind", &form.kind);
    ctx.insert("errors", errors);
    ctx.insert("queued", &queued);
    ctx.insert("max_mb", &(imports::MAX_FILE_BYTES / (1024 * 1024)));
    if let Err(e) = imports_context(state, me, &mut ctx).await {
        return me.error(state, e);
    }
    render_status(state, status, "settings/import.html", &ctx)
}

/// `GET /settings/import`: the form and the member's imports with their progress.
pub async fn import_form(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<ImportQuery>,
) -> Response {
    let form = ImportForm {
        kind: "follows".into(),
        mode: "merge".into(),
    };
    let queued = q.queued.is_some();
    import_page(&state, &me, &form, &HashMap::new(), queued, StatusCode::OK).await
}

/// `GET /settings/import/progress`: the list of imports alone, for the script that refreshes
/// it while one runs.
pub async fn import_progress(State(state): State<AppState>, me: SignedIn) -> Response {
    let mut ctx = settings_context(&state, &me, "import");
    if let Err(e) = imports_context(&state, &me, &mut ctx).await {
        return me.error(&state, e);
    }
    render_status(&state, StatusCode::OK, "settings/import_list.html", &ctx)
}

/// `POST /settings/import` (multipart: `type`, `mode`, the file in `data`): checked at once,
/// then queued; 303 back to the page, where its progress shows.
pub async fn import(
    State(state): State<AppState>,
    me: SignedIn,
    form: CsrfUpload<ImportForm>,
) -> Response {
    let upload = form
        .files
        .iter()
        .find(|f| f.field == "data")
        .map(|f| Upload {
            bytes: &f.bytes,
            content_type: f.content_type.as_deref(),
        });
    let f = &form.data;
    match imports::create(&state, &me.me, &f.kind, &f.mode, upload).await {
        Ok(_) => Redirect::to("/settings/import?queued=1").into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = localized_errors(me.session.locale, &e, "data");
            import_page(
                &state,
                &me,
                f,
                &errors,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => me.error(&state, e),
    }
}
