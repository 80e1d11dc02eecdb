//! `/admin`'s instance settings form (issue 15): the title, descriptions, contact, who may read
//! the feeds and link previews, which an admin changes at run time over the config's defaults
//! (services/instance_settings.rs says which and why). The form is CSRF-checked and calls the
//! one service function; a refusal shows `/admin` again with each message beside its field
//! (422) and nothing written, and a viewer who is not an admin gets the 403 page.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::Value;

use super::form::{CsrfForm, SignedIn};
use super::govadmin::AdminDraft;
use crate::services::instance_settings::{self as settings, Changes, FEEDS};
use crate::state::AppState;

pub const TEMPLATES: &[(&str, &str)] = &[(
    "admin15/settings.html",
    include_str!("../../templates/admin15/settings.html"),
)];

/// The routes of this form, merged into `web::routes` with one line.
pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/settings", post(save))
}

/// The fields the form carries (anything else posted is ignored).
const TEXT_FIELDS: [&str; 6] = [
    "title",
    "description",
    "extended_description",
    "contact_email",
    "contact_account",
    "link_previews",
];

fn text_of(v: Value) -> String {
    match v {
        Value::String(s) => s,
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// `POST /admin/settings`.
async fn save(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm<BTreeMap<String, Value>>,
) -> Response {
    let changes = Changes(
        form.into_iter()
            .filter(|(k, _)| TEXT_FIELDS.contains(&k.as_str()) || FEEDS.contains(&k.as_str()))
            .map(|(k, v)| (k, text_of(v)))
            .collect(),
    );
    match settings::update(&state, s.account_id(), &changes).await {
        Ok(_) => (
            StatusCode::SEE_OTHER,
            [("location", "/admin#instance-h".to_string())],
        )
            .into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let mut draft = AdminDraft {
                form: "settings".into(),
                ..AdminDraft::default()
            };
            // Beside each field, in the reader's language (web::admin_messages).
            draft.errors = super::admin_messages::field_errors(s.session.locale, &e);
            // The form comes back with what was typed, over the values in force.
            let mut shown = settings::current(&state).as_fields();
            shown.extend(changes.0);
            draft.settings = Some(shown);
            super::moderation::admin_with(&state, &s, &draft, StatusCode::UNPROCESSABLE_ENTITY)
                .await
                .unwrap_or_else(|e| s.error(&state, e))
        }
        Err(e) => s.error(&state, e),
    }
}
