//! The signed-in `/settings/…` pages (issue 14): profile, preferences, filters, authorised
//! apps and web sessions. Each is a plain form that works without scripts: it posts the API's
//! field names, is checked for CSRF, calls the service the Mastodon API calls for the same
//! change, and answers 303 back to the page (post/redirect/get); a refused value shows the form
//! again with the message beside its field (422) and what was typed kept.

mod access;
mod data;
mod filters;
mod messages;
mod migration;
mod preferences;
mod profile;

use std::collections::HashMap;

use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use tera::Context;

use super::templates::page_context;
use crate::error::AppError;
use crate::state::AppState;

use super::form::SignedIn;

/// The settings templates, added to every locale's Tera after the site's own.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "settings/nav.html",
        include_str!("../../../templates/settings/nav.html"),
    ),
    (
        "settings/profile.html",
        include_str!("../../../templates/settings/profile.html"),
    ),
    (
        "settings/preferences.html",
        include_str!("../../../templates/settings/preferences.html"),
    ),
    (
        "settings/filters.html",
        include_str!("../../../templates/settings/filters.html"),
    ),
    (
        "settings/filter_edit.html",
        include_str!("../../../templates/settings/filter_edit.html"),
    ),
    (
        "settings/applications.html",
        include_str!("../../../templates/settings/applications.html"),
    ),
    (
        "settings/sessions.html",
        include_str!("../../../templates/settings/sessions.html"),
    ),
    (
        "settings/migration.html",
        include_str!("../../../templates/settings/migration.html"),
    ),
    (
        "settings/export.html",
        include_str!("../../../templates/settings/export.html"),
    ),
    (
        "settings/import.html",
        include_str!("../../../templates/settings/import.html"),
    ),
    (
        "settings/import_list.html",
        include_str!("../../../templates/settings/import_list.html"),
    ),
];

/// The settings pages' routes (merged under the page middleware in `web/routes.rs`).
pub fn routes(state: &AppState) -> Router<AppState> {
    // Avatar and header arrive in one body, as with update_credentials.
    let upload_limit = crate::services::media::body_limit(state).saturating_mul(2);
    // A file a little over the import limit still reaches the service, which refuses it
    // beside the field.
    let import_limit = crate::services::imports::MAX_FILE_BYTES + 512 * 1024;
    Router::new()
        .route(
            "/settings",
            get(|| async { Redirect::to("/settings/profile") }),
        )
        .route(
            "/settings/profile",
            get(profile::show)
                .post(profile::save)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/settings/profile/{image}/delete",
            post(profile::remove_image),
        )
        .route(
            "/settings/preferences",
            get(preferences::show).post(preferences::save),
        )
        .route(
            "/settings/filters",
            get(filters::index).post(filters::create),
        )
        .route("/settings/filters/new", get(filters::new))
        .route(
            "/settings/filters/{id}",
            get(filters::edit).post(filters::update),
        )
        .route("/settings/filters/{id}/delete", post(filters::delete))
        .route("/settings/applications", get(access::applications))
        .route(
            "/settings/applications/{id}/revoke",
            post(access::revoke_application),
        )
        .route("/settings/sessions", get(access::sessions))
        .route(
            "/settings/sessions/others/revoke",
            post(access::revoke_others),
        )
        .route("/settings/migration", get(migration::show))
        .route("/settings/migration/aliases", post(migration::add_alias))
        .route(
            "/settings/migration/aliases/delete",
            post(migration::remove_alias),
        )
        .route("/settings/migration/move", post(migration::move_account))
        .route("/settings/export", get(data::export_page))
        .route("/settings/export/{file}", get(data::download))
        .route(
            "/settings/import",
            get(data::import_form)
                .post(data::import)
                .layer(DefaultBodyLimit::max(import_limit)),
        )
        .route("/settings/import/progress", get(data::import_progress))
        .route(
            "/settings/sessions/{id}/revoke",
            post(access::revoke_session),
        )
}

/// The context of a settings page: the site's, plus which section is open.
pub(crate) fn settings_context(state: &AppState, me: &SignedIn, section: &str) -> Context {
    let mut ctx = page_context(state, &me.session, Some(&me.me.account.username));
    ctx.insert("section", section);
    ctx.insert("here", &format!("/settings/{section}"));
    ctx
}

/// 303 back to a settings page, saying it was saved.
fn saved(path: &str) -> Response {
    Redirect::to(&format!("{path}?saved=1")).into_response()
}

/// The messages of a refused change by form field: the service's validation details name the
/// API's parameter (`source.privacy`), the form uses its last part (`privacy`); a refusal that
/// names no field goes beside `fallback`.
pub(crate) fn field_errors(err: &AppError, fallback: &str) -> HashMap<String, String> {
    let text = err
        .message
        .trim_start_matches("Validation failed: ")
        .to_string();
    let mut out = HashMap::new();
    let fields: Vec<String> = err
        .details
        .as_ref()
        .and_then(|d| d.as_object())
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    if fields.is_empty() {
        out.insert(fallback.to_string(), text);
    } else {
        for f in fields {
            let short = f.rsplit('.').next().unwrap_or(&f).to_string();
            out.insert(short, text.clone());
        }
    }
    out
}

/// `field_errors` with each message in the reader's language (`messages`).
pub(crate) fn localized_errors(
    locale: crate::i18n::Locale,
    err: &AppError,
    fallback: &str,
) -> HashMap<String, String> {
    field_errors(err, fallback)
        .into_iter()
        .map(|(k, v)| (k, messages::localized(locale, &v)))
        .collect()
}

/// Whether a checkbox was ticked (a plain form sends it only then).
pub(crate) fn ticked(v: &Option<serde_json::Value>) -> bool {
    match v {
        None | Some(serde_json::Value::Null) => false,
        Some(serde_json::Value::String(s)) => !matches!(s.as_str(), "" | "0" | "false"),
        Some(serde_json::Value::Bool(b)) => *b,
        Some(_) => true,
    }
}

/// `?saved=1` after a post/redirect/get.
#[derive(Debug, Default, serde::Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

impl SavedQuery {
    pub(crate) fn is_saved(&self) -> bool {
        self.saved.is_some()
    }
}
