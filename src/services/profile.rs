//! Editing one's own profile and posting defaults.

use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::services::statuses::Visibility;
use crate::state::AppState;
use crate::storage::accounts::{self, ProfileUpdate};

const FIELD_MAX: usize = 255;

#[derive(Debug, Default)]
pub struct ProfileChange {
    pub display_name: Option<String>,
    pub note: Option<String>,
    pub locked: Option<bool>,
    pub bot: Option<bool>,
    pub discoverable: Option<bool>,
    pub fields: Option<Vec<(String, String)>>,
    pub privacy: Option<String>,
    pub sensitive: Option<bool>,
    pub language: Option<String>,
    /// Mastodon's `hide_collections`: followers and following lists hidden from others.
    pub hide_collections: Option<bool>,
}

/// Applies the fields given (others keep their values), all checked before anything is written.
pub async fn update(state: &AppState, me: &CurrentUser, c: ProfileChange) -> AppResult<()> {
    let limits = &state.config.limits;
    let a = &me.account;
    let display_name = c.display_name.unwrap_or_else(|| a.display_name.clone());
    if display_name.chars().count() > limits.max_display_name_length as usize {
        return Err(AppError::validation(
            "display_name",
            "ERR_TOO_LONG",
            &format!(
                "is too long (maximum is {} characters)",
                limits.max_display_name_length
            ),
        ));
    }
    let note = c.note.unwrap_or_else(|| a.note.clone());
    if note.chars().count() > limits.max_note_length as usize {
        return Err(AppError::validation(
            "note",
            "ERR_TOO_LONG",
            &format!(
                "is too long (maximum is {} characters)",
                limits.max_note_length
            ),
        ));
    }
    let fields_json = match c.fields {
        Some(fields) => {
            if fields.len() > limits.max_profile_fields as usize {
                return Err(AppError::validation(
                    "fields",
                    "ERR_TOO_LONG",
                    &format!("are too many (maximum is {})", limits.max_profile_fields),
                ));
            }
            if fields
                .iter()
                .any(|(n, v)| n.chars().count() > FIELD_MAX || v.chars().count() > FIELD_MAX)
            {
                return Err(AppError::validation(
                    "fields",
                    "ERR_TOO_LONG",
                    "have a name or value over 255 characters",
                ));
            }
            serde_json::to_string(&fields).map_err(AppError::internal)?
        }
        None => a.fields_json.clone(),
    };
    let privacy = match c.privacy.as_deref() {
        None => me.user.default_privacy.clone(),
        Some(p) => match Visibility::parse(p) {
            Some(Visibility::Direct) | None => {
                return Err(AppError::validation(
                    "source.privacy",
                    "ERR_INCLUSION",
                    "must be public, unlisted or private",
                ))
            }
            Some(v) => v.as_str().to_string(),
        },
    };
    let language = c
        .language
        .unwrap_or_else(|| me.user.default_language.clone());
    if language.len() > 16 {
        return Err(AppError::validation(
            "source.language",
            "ERR_INVALID",
            "is not a language code",
        ));
    }
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    accounts::update_profile(
        &mut **tx,
        a.id,
        &ProfileUpdate {
            display_name: display_name.trim().to_string(),
            note,
            locked: c.locked.unwrap_or(a.locked != 0),
            bot: c.bot.unwrap_or(a.bot != 0),
            discoverable: c.discoverable.unwrap_or(a.discoverable != 0),
            fields_json,
        },
        now,
    )
    .await?;
    accounts::update_posting_defaults(
        &mut **tx,
        me.user.id,
        &privacy,
        c.sensitive.unwrap_or(me.user.default_sensitive != 0),
        &language,
    )
    .await?;
    if let Some(hide) = c.hide_collections {
        crate::storage::federation::set_hide_collections(&mut **tx, a.id, hide).await?;
    }
    // Servers that know the account get its new actor document.
    crate::services::federation::profile_updated(&mut tx, state, a.id, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}
