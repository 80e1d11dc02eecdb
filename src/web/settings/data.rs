//! `/settings/export` (the CSV files and the archive, as `GET /api/v1/herd/exports/…`) and
//! `/settings/import` (a CSV file of follows, blocks, mutes, domain blocks, lists or bookmarks,
//! as `POST /api/v1/herd/imports`), through `services::exports`.
//!
//! An import runs while the request waits (the service applies row by row and reports each
//! refused row), so its answer is the report itself rather than a redirect: there is nothing
//! stored to come back to.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::{field_errors, settings_context};
use crate::error::AppError;
use crate::services::exports::{self, ImportReport, KINDS};
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

fn import_page(
    state: &AppState,
    me: &SignedIn,
    form: &ImportForm,
    errors: &HashMap<String, String>,
    report: Option<&ImportReport>,
    status: StatusCode,
) -> Response {
    let mut ctx = settings_context(state, me, "import");
    ctx.insert("kinds", KINDS);
    ctx.insert("form", form);
    ctx.insert("chosen_kind", &form.kind);
    ctx.insert("errors", errors);
    ctx.insert("report", &report);
    render_status(state, status, "settings/import.html", &ctx)
}

/// `GET /settings/import`.
pub async fn import_form(State(state): State<AppState>, me: SignedIn) -> Response {
    let form = ImportForm {
        kind: "follows".into(),
        mode: "merge".into(),
    };
    import_page(&state, &me, &form, &HashMap::new(), None, StatusCode::OK)
}

/// `POST /settings/import` (multipart: `type`, `mode`, the file in `data`).
pub async fn import(
    State(state): State<AppState>,
    me: SignedIn,
    form: CsrfUpload<ImportForm>,
) -> Response {
    let data = form
        .files
        .iter()
        .find(|f| f.field == "data" && !f.bytes.is_empty())
        .map(|f| f.bytes.to_vec());
    let f = form.data;
    let Some(data) = data else {
        let mut errors = HashMap::new();
        errors.insert(
            "data".to_string(),
            crate::i18n::text(me.session.locale, "settings-import-no-file"),
        );
        return import_page(
            &state,
            &me,
            &f,
            &errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    match exports::import(&state, &me.me, &f.kind, &f.mode, &data).await {
        Ok(report) => import_page(
            &state,
            &me,
            &f,
            &HashMap::new(),
            Some(&report),
            StatusCode::OK,
        ),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let mut errors = field_errors(&e, "data");
            // The service names the field in its message, not in details.
            if e.message.contains("type ") {
                errors = HashMap::from([(
                    "type".to_string(),
                    errors.remove("data").unwrap_or_default(),
                )]);
            } else if e.message.contains("mode ") {
                errors = HashMap::from([(
                    "mode".to_string(),
                    errors.remove("data").unwrap_or_default(),
                )]);
            }
            import_page(
                &state,
                &me,
                &f,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => me.error(&state, e),
    }
}
