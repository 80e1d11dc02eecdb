//! API errors in the reader's language: the layer that rewrites an error's `{"error": …}`
//! (and `error_description`, and each field's `details[…].description`) into the locale the
//! request's `Accept-Language` asks for, through the one table of `crate::error_messages`.
//!
//! It is a layer rather than part of `AppError`'s rendering because an error does not know
//! the request it answers, and because this way every API answer is covered, whichever
//! handler, extractor or middleware (rate limits, the unknown-path fallback) refused.
//! English (no header, `en`, or a language we do not have) passes through untouched, so
//! clients and tests comparing messages see the same bytes as before. Only texts the table
//! knows are replaced: OAuth's error codes (`invalid_grant`), the `details` codes
//! (`ERR_BLANK`) and unknown messages stay as they are.

use axum::body::{to_bytes, Body, HttpBody};
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, VARY};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use crate::error_messages::translate;
use crate::i18n::Locale;

/// Error bodies are small; anything larger is passed through as it is.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Whether `path` is answered by the API (JSON errors) rather than a page.
fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/oauth/")
}

/// The layer (router.rs puts it around every route; it acts on API paths only).
pub async fn localize_errors(req: Request, next: Next) -> Response {
    let api = is_api(req.uri().path());
    let locale = Locale::from_headers(req.headers());
    let mut response = next.run(req).await;
    let status = response.status();
    if !api || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    // The message depends on the header: a cache must not serve one reader's to another.
    response
        .headers_mut()
        .append(VARY, HeaderValue::from_static("Accept-Language"));
    let json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    // A body of known, small size (an `AppError` is one buffer); a stream is left alone.
    let small = response
        .body()
        .size_hint()
        .exact()
        .is_some_and(|n| n <= MAX_ERROR_BODY as u64);
    if locale == Locale::En || !json || !small {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // The length was checked above, so this reads the whole body.
    let bytes = match to_bytes(body, MAX_ERROR_BODY).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "error body could not be read for translation");
            return Response::from_parts(parts, Body::empty());
        }
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if !localize_body(locale, &mut value) {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let out = serde_json::to_vec(&value).unwrap_or_else(|_| bytes.to_vec());
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(out))
}

/// Translates the texts of an error body in place; whether anything changed.
pub fn localize_body(locale: Locale, body: &mut Value) -> bool {
    let mut changed = false;
    let mut swap = |v: &mut Value| {
        if let Some(t) = v.as_str().and_then(|s| translate(locale, s)) {
            *v = Value::String(t);
            changed = true;
        }
    };
    let Some(obj) = body.as_object_mut() else {
        return false;
    };
    if let Some(v) = obj.get_mut("error") {
        swap(v);
    }
    if let Some(v) = obj.get_mut("error_description") {
        swap(v);
    }
    if let Some(details) = obj.get_mut("details").and_then(|d| d.as_object_mut()) {
        for list in details.values_mut() {
            for item in list.as_array_mut().into_iter().flatten() {
                if let Some(v) = item.get_mut("description") {
                    swap(v);
                }
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn codes_stay_and_known_texts_change() {
        let mut body = json!({
            "error": "Validation failed: Max uses must be 1 to 1000, or empty for no limit",
            "details": { "max_uses": [{ "error": "ERR_INVALID",
                "description": "must be 1 to 1000, or empty for no limit" }] }
        });
        assert!(localize_body(Locale::Ja, &mut body));
        assert_eq!(body["details"]["max_uses"][0]["error"], "ERR_INVALID");
        assert!(body["error"]
            .as_str()
            .is_some_and(|t| t.contains("1000") && !t.contains("no limit")));
        let mut oauth = json!({ "error": "invalid_grant", "error_description": "unknown" });
        assert!(!localize_body(Locale::Ja, &mut oauth));
        assert!(is_api("/api/v1/statuses") && !is_api("/admin"));
    }
}
