//! `/settings/preferences`: posting defaults (through `services::profile::update`, as the
//! API's `update_credentials` `source[…]`), the interface language, and how the site looks
//! and behaves (`services::web_settings`).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{localized_errors, saved, settings_context, ticked, SavedQuery};
use crate::error::AppResult;
use crate::i18n::Locale;
use crate::services::web_settings::{self, PreferencesChange, WebPreferences, THEMES};
use crate::state::AppState;
use crate::web::form::{CsrfForm, SignedIn};
use crate::web::templates::render_status;

/// Default visibilities a member can choose (a direct post by default is refused, as by the API).
const PRIVACIES: [&str; 3] = ["public", "unlisted", "private"];

#[derive(Debug, Default, Deserialize)]
pub struct PreferencesForm {
    #[serde(default)]
    privacy: String,
    #[serde(default)]
    sensitive: Option<Value>,
    #[serde(default)]
    language: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    reduce_motion: Option<Value>,
    #[serde(default)]
    shortcuts: Option<Value>,
}

#[derive(Debug, Serialize)]
struct PreferencesView {
    privacy: String,
    sensitive: bool,
    language: String,
    locale: String,
    theme: String,
    reduce_motion: bool,
    shortcuts: bool,
}

#[derive(Debug, Serialize)]
struct Choice {
    value: &'static str,
    label: String,
}

fn draw(
    state: &AppState,
    me: &SignedIn,
    view: &PreferencesView,
    errors: &HashMap<String, String>,
    saved: bool,
    status: StatusCode,
) -> Response {
    let mut ctx = settings_context(state, me, "preferences");
    ctx.insert("form", view);
    ctx.insert("errors", errors);
    ctx.insert("saved", &saved);
    ctx.insert("privacies", &PRIVACIES);
    ctx.insert("themes", &THEMES);
    // Each language named in itself, whatever the page's language.
    let locales: Vec<Choice> = Locale::ALL
        .iter()
        .map(|l| Choice {
            value: l.tag(),
            label: crate::i18n::text(*l, "settings-locale-name"),
        })
        .collect();
    ctx.insert("locales", &locales);
    render_status(state, status, "settings/preferences.html", &ctx)
}

/// `GET /settings/preferences`.
pub async fn show(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<SavedQuery>,
) -> Response {
    let result: AppResult<Response> = async {
        let web = web_settings::web_preferences(&state, me.account_id()).await?;
        let user = &me.me.user;
        let view = PreferencesView {
            privacy: user.default_privacy.clone(),
            sensitive: user.default_sensitive != 0,
            language: user.default_language.clone(),
            locale: me.session.locale.tag().to_string(),
            theme: web.theme,
            reduce_motion: web.reduce_motion,
            shortcuts: web.shortcuts,
        };
        Ok(draw(
            &state,
            &me,
            &view,
            &HashMap::new(),
            q.is_saved(),
            StatusCode::OK,
        ))
    }
    .await;
    result.unwrap_or_else(|e| me.error(&state, e))
}

/// `POST /settings/preferences`.
pub async fn save(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(f): CsrfForm<PreferencesForm>,
) -> Response {
    let view = PreferencesView {
        privacy: f.privacy,
        sensitive: ticked(&f.sensitive),
        language: f.language,
        locale: f.locale,
        theme: f.theme,
        reduce_motion: ticked(&f.reduce_motion),
        shortcuts: ticked(&f.shortcuts),
    };
    let change = PreferencesChange {
        privacy: view.privacy.clone(),
        sensitive: view.sensitive,
        language: view.language.clone(),
        locale: view.locale.clone(),
        web: WebPreferences {
            theme: view.theme.clone(),
            reduce_motion: view.reduce_motion,
            shortcuts: view.shortcuts,
        },
    };
    match web_settings::update_preferences(&state, &me.me, change).await {
        Ok(()) => saved("/settings/preferences"),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => draw(
            &state,
            &me,
            &view,
            &localized_errors(me.session.locale, &e, "form"),
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => me.error(&state, e),
    }
}
