//! [`UploadForm`]: the multipart sibling of [`super::form::CsrfForm`], for page forms that carry
//! files (an expense's receipts). The body is read by the API's own parser (`http::body`), so
//! the fields and files arrive as they do for a client of `POST /api/v1/coop/expenses`; the
//! `csrf_token` field must match the cookie before the handler sees anything.

use axum::extract::{FromRequest, Request};
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::templates::error_page_in;
use crate::error::AppError;
use crate::http::body::{Payload, UploadedFile};
use crate::http::session::{csrf_in, verify_csrf_in};
use crate::i18n::Locale;
use crate::state::AppState;

/// A CSRF-checked form with its uploaded files.
pub struct UploadForm<T> {
    pub data: T,
    pub files: Vec<UploadedFile>,
}

impl<T: DeserializeOwned> FromRequest<AppState> for UploadForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        // The token check needs the request's parts after the body is read: keep a copy of
        // the headers and extensions (where the CSRF middleware put the expected token).
        let (parts, body) = req.into_parts();
        let mut check = Request::new(()).into_parts().0;
        check.headers = parts.headers.clone();
        check.extensions = parts.extensions.clone();
        let locale = Locale::from_headers(&parts.headers);
        let fail = |e: AppError| error_page_in(state, locale, &csrf_in(&check), e);
        let Payload { data, files } =
            Payload::<Value>::from_request(Request::from_parts(parts, body), state)
                .await
                .map_err(fail)?;
        let mut data = data;
        let submitted = data
            .as_object_mut()
            .and_then(|m| m.remove("csrf_token"))
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        verify_csrf_in(&check, &submitted).map_err(fail)?;
        let data = serde_json::from_value(data)
            .map_err(|e| fail(AppError::bad_request(format!("Invalid form: {e}"))))?;
        Ok(UploadForm { data, files })
    }
}
