//! The preamble every signed-in page and form shares, as two extractors, so a page handler
//! is as thin as an API handler:
//! - [`SignedIn`]: the session and the signed-in member, else a redirect to the sign-in page
//!   that comes back here (a GET) or to the page the form was on (a POST);
//! - [`CsrfForm`]: a form body whose `csrf_token` matches the cookie, parsed by the API's own
//!   form parser (so `media_ids[]`, `poll[options][]` and `scores[OPTION]` read as they do for a
//!   Mastodon client) into the handler's type;
//! - [`CsrfUpload`]: the same for a form that carries files (`multipart/form-data`: the
//!   compose form's image, avatars and headers, an expense's receipts), read by the API's
//!   body parser (`http::body::Payload`). The route sets the body limit.
//!
//! In a handler, `SignedIn` comes before `CsrfForm` (the form consumes the body).

use axum::body::to_bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header::REFERER, Method};
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::auth::safe_return_to;
use super::templates::{error_page, error_page_in};
use crate::error::AppError;
use crate::http::auth::CurrentUser;
use crate::http::body::{parse_form, Payload, UploadedFile, MAX_BODY_BYTES};
use crate::http::session::{csrf_in, csrf_matches, WebSession};
use crate::i18n::{self, Locale};
use crate::services::accounts;
use crate::state::AppState;

/// A signed-in member and their web session.
pub struct SignedIn {
    pub session: WebSession,
    pub me: CurrentUser,
}

impl SignedIn {
    pub fn account_id(&self) -> i64 {
        self.me.account.id
    }

    /// The error page for `err`, in this member's language.
    pub fn error(&self, state: &AppState, err: AppError) -> Response {
        error_page(state, &self.session, err)
    }
}

/// Where to come back to after signing in: this page for a GET, else the page the form was
/// on (a POST's own URL cannot be reopened with a GET).
fn return_target(state: &AppState, parts: &Parts) -> String {
    if parts.method == Method::GET || parts.method == Method::HEAD {
        return parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .unwrap_or_else(|| "/home".into());
    }
    parts
        .headers
        .get(REFERER)
        .and_then(|v| v.to_str().ok())
        .map(|r| safe_return_to(state, r))
        .unwrap_or_else(|| "/home".into())
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let session = WebSession::from_request_parts(parts, state)
            .await
            .map_err(|e| error_page_in(state, Locale::from_headers(&parts.headers), "", e))?;
        let Some(id) = session.account_id else {
            let target = format!(
                "/auth/sign_in?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("return_to", &return_target(state, parts))
                    .finish()
            );
            return Err(Redirect::to(&target).into_response());
        };
        let me = accounts::session_user(state, id)
            .await
            .map_err(|e| error_page(state, &session, e))?;
        Ok(SignedIn { session, me })
    }
}

/// Takes the form's `csrf_token` field out of `data` and checks it (masked or plain) against
/// `expected`, the cookie's value, then reads the rest as the handler's type.
fn checked<T: DeserializeOwned>(
    mut data: Value,
    expected: &str,
    locale: Locale,
) -> Result<T, AppError> {
    let submitted = data
        .as_object_mut()
        .and_then(|m| m.remove("csrf_token"))
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    if !csrf_matches(expected, &submitted) {
        return Err(AppError::forbidden(i18n::text(locale, "error-csrf")));
    }
    serde_json::from_value(data).map_err(|e| AppError::bad_request(format!("Invalid form: {e}")))
}

/// A form posted from one of our pages: CSRF-checked, then parsed as the API parses forms.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let locale = Locale::from_headers(&parts.headers);
        let expected = csrf_in(&parts);
        let fail = |e: AppError| error_page_in(state, locale, &expected, e);
        let bytes = to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| {
            fail(AppError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "The form is too large",
            ))
        })?;
        let data = parse_form(&bytes).map_err(fail)?;
        checked(data, &expected, locale).map(CsrfForm).map_err(fail)
    }
}

/// A CSRF-checked form with the files it carries.
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
        let Payload { data, files } =
            Payload::<Value>::from_request(Request::from_parts(parts, body), state)
                .await
                .map_err(fail)?;
        let data = checked(data, &expected, locale).map_err(fail)?;
        Ok(CsrfUpload { data, files })
    }
}
