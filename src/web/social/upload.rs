//! A form that may carry a file (`enctype="multipart/form-data"`): CSRF-checked like
//! `web::form::CsrfForm`, then parsed by the API's own body parser (`http::body::Payload`),
//! so the compose form's `file`, `media_ids[]` and `poll[options][]` read as they do for a
//! Mastodon client. The route sets the body limit (`services::media::body_limit`).

use axum::extract::{FromRequest, Request};
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::super::templates::error_page_in;
use crate::error::AppError;
use crate::http::body::{Payload, UploadedFile};
use crate::http::session::csrf_in;
use crate::i18n::Locale;
use crate::state::AppState;

pub struct CsrfUpload<T> {
    pub data: T,
    pub files: Vec<UploadedFile>,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfUpload<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let locale = Locale::from_headers(&parts.headers);
        let expected = csrf_in(&parts);
        let fail = |e: AppError| error_page_in(state, locale, &expected, e);
        let req = Request::from_parts(parts, body);
        let Payload { data, files } = Payload::<Value>::from_request(req, state)
            .await
            .map_err(fail)?;
        let mut data = data;
        let submitted = data
            .as_object_mut()
            .and_then(|m| m.remove("csrf_token"))
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        if expected.is_empty() || !crate::secrets::secure_eq(&expected, &submitted) {
            return Err(fail(AppError::forbidden(crate::i18n::text(
                locale,
                "error-csrf",
            ))));
        }
        let data = serde_json::from_value(data)
            .map_err(|e| fail(AppError::bad_request(format!("Invalid form: {e}"))))?;
        Ok(CsrfUpload { data, files })
    }
}
