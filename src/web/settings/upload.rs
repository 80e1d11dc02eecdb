//! `CsrfMultipart`: [`super::super::form::CsrfForm`]'s sibling for forms that carry files
//! (`enctype="multipart/form-data"`, the profile's avatar and header). The body is read by the
//! API's own parser (`http::body::Payload`, as `update_credentials` reads it), then the
//! `csrf_token` field is checked before anything else looks at the data.

use axum::extract::{FromRequest, Request};
use axum::response::Response;
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::http::body::{Payload, UploadedFile};
use crate::http::session::csrf_in;
use crate::i18n::{self, Locale};
use crate::secrets;
use crate::state::AppState;
use crate::web::templates::error_page_in;

pub struct CsrfMultipart<T> {
    pub data: T,
    pub files: Vec<UploadedFile>,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfMultipart<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let locale = Locale::from_headers(&parts.headers);
        let expected = csrf_in(&parts);
        let fail = |e: AppError| error_page_in(state, locale, &expected, e);
        let payload =
            Payload::<serde_json::Value>::from_request(Request::from_parts(parts, body), state)
                .await
                .map_err(&fail)?;
        let mut value = payload.data;
        let submitted = value
            .as_object_mut()
            .and_then(|m| m.remove("csrf_token"))
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        if expected.is_empty() || !secrets::secure_eq(&expected, &submitted) {
            return Err(fail(AppError::forbidden(i18n::text(locale, "error-csrf"))));
        }
        let data = serde_json::from_value(value)
            .map_err(|e| fail(AppError::bad_request(format!("Invalid form: {e}"))))?;
        Ok(CsrfMultipart {
            data,
            files: payload.files,
        })
    }
}
