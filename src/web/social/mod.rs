//! The members' social pages beyond home and the public pages (issue 14): search, a post's
//! edit and history, pins, reports, the profile's mute/block/notify/list actions, lists,
//! direct conversations and follow requests. Each form posts the API's field names, is
//! checked for CSRF (`CsrfForm`), calls the service the Mastodon API calls for the same thing,
//! and answers 303 back; a validation error shows the form again (422) with the message beside
//! its field and what was typed kept.

pub mod conversations;
pub mod lists;
pub mod posts;
pub mod relations;
pub mod reports;
pub mod search;

use std::collections::HashMap;

use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::auth::safe_return_to;
use crate::error::AppError;
use crate::http::session;
use crate::state::AppState;

/// The routes of these pages, merged into `web::routes` with one line.
pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/search", get(search::page))
        .route("/@{name}/{id}/history", get(posts::history))
        .route(
            "/web/statuses/{id}/edit",
            get(posts::edit_page).post(posts::edit),
        )
        .route("/web/statuses/{id}/pin", post(posts::pin))
        .route("/web/statuses/{id}/unpin", post(posts::pin))
        .route("/web/reports/new", get(reports::new_page))
        .route("/web/reports", post(reports::create))
        .route("/web/reports/sent", get(reports::sent))
        .route(
            "/web/accounts/{id}/mute",
            get(relations::mute_page).post(relations::mute),
        )
        .route("/web/accounts/{id}/unmute", post(relations::act))
        .route("/web/accounts/{id}/block", post(relations::act))
        .route("/web/accounts/{id}/unblock", post(relations::act))
        .route("/web/accounts/{id}/notify", post(relations::act))
        .route("/web/accounts/{id}/unnotify", post(relations::act))
        .route("/web/accounts/{id}/lists", get(relations::lists_page))
        .route("/follow_requests", get(relations::follow_requests))
        .route(
            "/web/follow_requests/{id}/{answer}",
            post(relations::answer_request),
        )
        .route("/lists", get(lists::index))
        .route("/web/lists", post(lists::create))
        .route("/lists/{id}", get(lists::show))
        .route("/web/lists/{id}", post(lists::update))
        .route("/web/lists/{id}/delete", post(lists::delete))
        .route("/web/lists/{id}/add", post(lists::members))
        .route("/web/lists/{id}/remove", post(lists::members))
        .route("/conversations", get(conversations::index))
        .route("/web/conversations/{id}/{action}", post(conversations::act))
        .layer(middleware::from_fn_with_state(state, session::ensure_csrf))
}

/// The form field a service's validation error is about: the field Mastodon's `details`
/// names, else the message's first word matched against `fields`, else `fallback`.
pub(super) fn field_of(
    err: &AppError,
    fields: &[&'static str],
    fallback: &'static str,
) -> &'static str {
    if let Some(d) = err.details.as_ref().and_then(|d| d.as_object()) {
        for f in fields {
            if d.contains_key(*f) {
                return f;
            }
        }
    }
    let text = err
        .message
        .trim_start_matches("Validation failed: ")
        .to_lowercase();
    fields
        .iter()
        .find(|f| text.starts_with(&f.replace('_', " ")))
        .copied()
        .unwrap_or(fallback)
}

/// The errors of a failed form: one message, beside its field, in the reader's language
/// (`member_tools::messages`).
pub(super) fn errors_of(
    locale: crate::i18n::Locale,
    err: &AppError,
    fields: &[&'static str],
    fallback: &'static str,
) -> HashMap<&'static str, String> {
    let mut errors = HashMap::new();
    errors.insert(
        field_of(err, fields, fallback),
        super::member_tools::messages::localized(locale, err),
    );
    errors
}

/// A POST's way back: its `return_to` on this site, else `fallback`.
pub(super) fn back(state: &AppState, return_to: &str, fallback: &str) -> Response {
    let to = if return_to.is_empty() {
        fallback.to_string()
    } else {
        safe_return_to(state, return_to)
    };
    Redirect::to(&to).into_response()
}

/// The query string parsed as the API parses one (`status_ids[]=1&status_ids[]=2`).
pub(super) fn query_of<T: DeserializeOwned + Default>(uri: &axum::http::Uri) -> T {
    crate::http::body::parse_form(uri.query().unwrap_or("").as_bytes())
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// A form with nothing but the page to go back to.
#[derive(Debug, Default, Deserialize)]
pub struct BackForm {
    #[serde(default)]
    pub return_to: String,
}
