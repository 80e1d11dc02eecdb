//! The members' site's own settings (issue 14): how pages are drawn (theme, motion), keyboard
//! shortcuts, the interface language, and the member's web sessions and authorised apps.
//!
//! Posting defaults are not here: the preferences page changes them through
//! `services::profile::update`, the function behind the API's `update_credentials`.

use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::i18n::Locale;
use crate::services::profile::{self, ProfileChange};
use crate::state::AppState;
use crate::storage::web_settings as store;

/// The themes a member can pick: `auto` follows the system's light or dark.
pub const THEMES: [&str; 4] = ["auto", "light", "dark", "contrast"];

/// How the site behaves for one member (defaults when they never chose).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebPreferences {
    pub theme: String,
    pub reduce_motion: bool,
    /// Mastodon's keyboard shortcuts in the timelines and the deck (WCAG 2.1.4: can be off).
    pub shortcuts: bool,
}

impl Default for WebPreferences {
    fn default() -> Self {
        WebPreferences {
            theme: "auto".into(),
            reduce_motion: false,
            shortcuts: true,
        }
    }
}

/// A member's web preferences.
pub async fn web_preferences(state: &AppState, account_id: i64) -> AppResult<WebPreferences> {
    Ok(store::preferences(&state.db.pool, account_id)
        .await?
        .map(|(theme, reduce_motion, shortcuts)| WebPreferences {
            theme,
            reduce_motion: reduce_motion != 0,
            shortcuts: shortcuts != 0,
        })
        .unwrap_or_default())
}

/// What the preferences page changes: posting defaults (as `update_credentials`'s `source`),
/// the interface language and the web preferences.
#[derive(Debug, Clone)]
pub struct PreferencesChange {
    pub privacy: String,
    pub sensitive: bool,
    pub language: String,
    pub locale: String,
    pub web: WebPreferences,
}

/// Saves the preferences page. The site's own fields are checked first, so a refused posting
/// default (checked by `profile::update`) leaves everything as it was.
pub async fn update_preferences(
    state: &AppState,
    me: &CurrentUser,
    c: PreferencesChange,
) -> AppResult<()> {
    if !THEMES.contains(&c.web.theme.as_str()) {
        return Err(AppError::validation(
            "theme",
            "ERR_INCLUSION",
            "must be auto, light, dark or contrast",
        ));
    }
    let locale = Locale::parse(&c.locale)
        .filter(|l| l.tag() == c.locale)
        .ok_or_else(|| {
            AppError::validation("locale", "ERR_INCLUSION", "is not a language of this site")
        })?;
    profile::update(
        state,
        me,
        ProfileChange {
            privacy: Some(c.privacy),
            sensitive: Some(c.sensitive),
            language: Some(c.language.trim().to_string()),
            ..ProfileChange::default()
        },
    )
    .await?;
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    store::set_locale(&mut **tx, me.account.id, locale.tag(), now).await?;
    tx.record(crate::storage::Change::AccountChanged(me.account.id));
    store::set_preferences(
        &mut **tx,
        me.account.id,
        &c.web.theme,
        c.web.reduce_motion,
        c.web.shortcuts,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A web session as its owner sees it.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    /// The key of its row (a hash of the cookie, never the cookie itself).
    pub id: String,
    pub user_agent: String,
    pub ip: String,
    pub created_at: String,
    pub last_used_at: String,
    /// The session of the browser asking.
    pub current: bool,
}

/// The member's live web sessions; `current` is the asking browser's.
pub async fn sessions(
    state: &AppState,
    account_id: i64,
    current: Option<&str>,
) -> AppResult<Vec<SessionView>> {
    let rows = store::sessions_of(&state.db.pool, account_id, state.clock.now_micros()).await?;
    Ok(rows
        .into_iter()
        .map(|r| SessionView {
            current: current == Some(r.id_hash.as_str()),
            last_used_at: crate::time::iso(r.last_used_at.unwrap_or(r.created_at)),
            created_at: crate::time::iso(r.created_at),
            id: r.id_hash,
            user_agent: r.user_agent,
            ip: r.ip,
        })
        .collect())
}

/// Ends one of the member's sessions (404 for one that is not theirs).
pub async fn end_session(state: &AppState, account_id: i64, id: &str) -> AppResult<()> {
    if store::delete_session_of(&state.db.pool, account_id, id).await? {
        Ok(())
    } else {
        Err(AppError::not_found())
    }
}

/// Ends every session of the member but the asking browser's.
pub async fn end_other_sessions(state: &AppState, account_id: i64, keep: &str) -> AppResult<u64> {
    Ok(store::delete_other_sessions(&state.db.pool, account_id, keep).await?)
}

/// An application the member authorised, with the scopes its live tokens carry.
#[derive(Debug, Clone, Serialize)]
pub struct AuthorisedApp {
    pub id: String,
    pub name: String,
    pub website: Option<String>,
    pub authorised_at: String,
    pub last_used_at: Option<String>,
    pub scopes: Vec<String>,
}

/// The applications holding live tokens for the member.
pub async fn authorised_apps(state: &AppState, account_id: i64) -> AppResult<Vec<AuthorisedApp>> {
    let rows = store::authorised_apps(&state.db.pool, account_id).await?;
    let mut apps = Vec::with_capacity(rows.len());
    for r in rows {
        let mut scopes: Vec<String> =
            store::authorised_scopes(&state.db.pool, account_id, r.app_id)
                .await?
                .iter()
                .flat_map(|s| s.split_whitespace().map(str::to_string).collect::<Vec<_>>())
                .collect();
        scopes.sort();
        scopes.dedup();
        apps.push(AuthorisedApp {
            id: r.app_id.to_string(),
            name: r.name,
            website: r.website.filter(|w| !w.is_empty()),
            authorised_at: crate::time::iso(r.first_at),
            last_used_at: r.last_used_at.map(crate::time::iso),
            scopes,
        });
    }
    Ok(apps)
}

/// Revokes the member's tokens for one application (404 when it holds none).
pub async fn revoke_app(state: &AppState, account_id: i64, app_id: &str) -> AppResult<()> {
    let id: i64 = app_id.parse().map_err(|_| AppError::not_found())?;
    let revoked =
        store::revoke_app(&state.db.pool, account_id, id, state.clock.now_micros()).await?;
    crate::services::read_cache::forget_everywhere(state, crate::storage::Change::TokensRevoked)
        .await;
    if revoked == 0 {
        return Err(AppError::not_found());
    }
    Ok(())
}
