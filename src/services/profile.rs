//! Editing one's own profile and posting defaults, avatar and header included.
//!
//! A profile image is checked and processed (type by content, size and pixel limits before
//! decoding, metadata stripped, cropped and scaled as Mastodon's `400x400#` avatar and
//! `1500x500#` header) before anything is written; its file is stored, then the row changes in
//! the profile's one transaction (which also queues the actor Update to followers), and only
//! after the commit is the replaced file removed. A failure removes the new file again.

use crate::entities::{Account, CredentialAccount};
use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::http::body::UploadedFile;
use crate::services::imaging::{self, ImageError};
use crate::services::media::{decode_permits, human_size};
use crate::services::statuses::Visibility;
use crate::state::AppState;
use crate::storage::accounts::{self, ImageColumn, ProfileUpdate};
use crate::storage::governance as gov_store;

/// Mastodon's avatar and header geometry.
pub const AVATAR_SIZE: (u32, u32) = (400, 400);
pub const HEADER_SIZE: (u32, u32) = (1500, 500);

/// Which profile image (moved here from `storage::accounts`: the API and the pages name it,
/// storage only learns which column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileImage {
    Avatar,
    Header,
}

impl ProfileImage {
    fn column(self) -> ImageColumn {
        match self {
            ProfileImage::Avatar => ImageColumn::AvatarFile,
            ProfileImage::Header => ImageColumn::HeaderFile,
        }
    }
}

/// A processed avatar or header, ready to store.
pub struct PreparedImage {
    which: ProfileImage,
    extension: &'static str,
    bytes: Vec<u8>,
}

impl std::fmt::Debug for PreparedImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedImage")
            .field("which", &self.which)
            .field("extension", &self.extension)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

fn label(which: ProfileImage) -> &'static str {
    match which {
        ProfileImage::Avatar => "Avatar",
        ProfileImage::Header => "Header",
    }
}

/// Checks and processes an uploaded avatar or header; writes nothing.
pub async fn prepare_image(
    state: &AppState,
    which: ProfileImage,
    file: &UploadedFile,
) -> AppResult<PreparedImage> {
    let name = label(which);
    let limit = state.config.limits.image_size_limit;
    if file.bytes.len() as u64 > limit {
        return Err(AppError::unprocessable(format!(
            "Validation failed: {name} file size must be less than {}",
            human_size(limit)
        )));
    }
    let invalid_type = || {
        AppError::unprocessable(format!(
            "Validation failed: {name} content type is invalid (images: JPEG, PNG, GIF, WebP)"
        ))
    };
    if imaging::sniff(&file.bytes).is_none() {
        return Err(invalid_type());
    }
    let (width, height) = match which {
        ProfileImage::Avatar => AVATAR_SIZE,
        ProfileImage::Header => HEADER_SIZE,
    };
    let matrix = state.config.limits.image_matrix_limit;
    let permit = decode_permits()
        .acquire()
        .await
        .map_err(AppError::internal)?;
    let bytes = file.bytes.clone();
    let fitted = tokio::task::spawn_blocking(move || imaging::fit(&bytes, matrix, width, height))
        .await
        .map_err(AppError::internal)?;
    drop(permit);
    let f = fitted.map_err(|e| match e {
        ImageError::UnsupportedType => invalid_type(),
        ImageError::TooManyPixels { width, height } => AppError::unprocessable(format!(
            "Validation failed: {name} dimensions {width}x{height} are too large (more than {matrix} pixels)"
        )),
        ImageError::Corrupt => AppError::unprocessable(format!(
            "Validation failed: {name} could not be processed as an image"
        )),
    })?;
    Ok(PreparedImage {
        which,
        extension: f.extension,
        bytes: f.bytes,
    })
}

/// The file key an account's image currently has.
fn current_file(me: &CurrentUser, which: ProfileImage) -> &str {
    match which {
        ProfileImage::Avatar => &me.account.avatar_file,
        ProfileImage::Header => &me.account.header_file,
    }
}

fn changed_meanwhile() -> AppError {
    AppError::unprocessable("Validation failed: the profile changed meanwhile, please try again")
}

/// Removes files of the media store, logging (not failing) on error: the rows no longer
/// name them.
async fn remove_files(state: &AppState, keys: &[String]) {
    for key in keys.iter().filter(|k| !k.is_empty()) {
        if let Err(e) = state.media.delete(key).await {
            tracing::warn!(key = %key, error = %e, "could not delete a profile image file");
        }
    }
}

/// `DELETE /api/v1/profile/avatar` and `/header`: back to the default image.
pub async fn remove_image(
    state: &AppState,
    me: &CurrentUser,
    which: ProfileImage,
) -> AppResult<()> {
    let old = current_file(me, which).to_string();
    if old.is_empty() {
        return Ok(());
    }
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    if !accounts::swap_image_file(&mut **tx, me.account.id, which.column(), &old, "", now).await? {
        return Err(changed_meanwhile());
    }
    tx.record(crate::storage::Change::AccountChanged(me.account.id));
    crate::services::federation::profile_updated(&mut tx, state, me.account.id, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    remove_files(state, &[old]).await;
    Ok(())
}

const FIELD_MAX: usize = 255;

#[derive(Debug, serde::Deserialize, Default)]
struct FieldParam {
    #[serde(default, deserialize_with = "crate::http::lenient::string_opt")]
    name: Option<String>,
    #[serde(default, deserialize_with = "crate::http::lenient::string_opt")]
    value: Option<String>,
}

/// Profile fields as `update_credentials` and the profile page post them: an array (JSON) or
/// an object keyed by index (`fields_attributes[0][name]`); pairs left blank are dropped
/// (moved here from `api/mastodon/accounts.rs`, so the page reads them the same way).
pub fn fields_from_attributes(v: serde_json::Value) -> AppResult<Vec<(String, String)>> {
    let items: Vec<serde_json::Value> = match v {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(m) => {
            let mut entries: Vec<(String, serde_json::Value)> = m.into_iter().collect();
            entries.sort_by_key(|(k, _)| k.parse::<u32>().unwrap_or(u32::MAX));
            entries.into_iter().map(|(_, v)| v).collect()
        }
        _ => {
            return Err(AppError::unprocessable(
                "Validation failed: fields_attributes must be a list",
            ))
        }
    };
    let mut fields = Vec::new();
    for item in items {
        let f: FieldParam = serde_json::from_value(item).map_err(|e| {
            AppError::unprocessable(format!("Validation failed: fields_attributes: {e}"))
        })?;
        let (name, value) = (f.name.unwrap_or_default(), f.value.unwrap_or_default());
        if name.trim().is_empty() && value.trim().is_empty() {
            continue;
        }
        fields.push((name.trim().to_string(), value.trim().to_string()));
    }
    Ok(fields)
}

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
    /// Mastodon 4.4's `attribution_domains`: sites whose pages may credit this account.
    pub attribution_domains: Option<Vec<String>>,
    /// Mastodon 4.5's `source[quote_policy]`: who may quote new posts by default.
    pub quote_policy: Option<String>,
    /// New avatar and header, already processed (`prepare_image`).
    pub images: Vec<PreparedImage>,
}

/// Applies the fields given (others keep their values), all checked before anything is written.
pub async fn update(state: &AppState, me: &CurrentUser, c: ProfileChange) -> AppResult<()> {
    let quote_policy = match c.quote_policy.as_deref() {
        Some(p) => Some(crate::services::quotes::parse_policy(p).map_err(|_| {
            AppError::validation(
                "source.quote_policy",
                "ERR_INCLUSION",
                "is not included in the list",
            )
        })?),
        None => None,
    };
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
    let attribution_domains = c
        .attribution_domains
        .as_deref()
        .map(checked_attribution_domains)
        .transpose()?;
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
    // Image files first, under fresh keys; the rows name them only once the commit succeeds.
    let mut written: Vec<(ProfileImage, String)> = Vec::new();
    for image in c.images {
        let key = format!(
            "{}/{}.{}",
            uuid::Uuid::new_v4().simple(),
            label(image.which).to_ascii_lowercase(),
            image.extension
        );
        if let Err(e) = state.media.put(&key, image.bytes).await {
            let keys: Vec<String> = written.into_iter().map(|(_, k)| k).collect();
            remove_files(state, &keys).await;
            return Err(crate::services::media::store_unavailable(e));
        }
        written.push((image.which, key));
    }
    let profile = ProfileUpdate {
        display_name: display_name.trim().to_string(),
        note,
        locked: c.locked.unwrap_or(a.locked != 0),
        bot: c.bot.unwrap_or(a.bot != 0),
        discoverable: c.discoverable.unwrap_or(a.discoverable != 0),
        fields_json,
    };
    let sensitive = c.sensitive.unwrap_or(me.user.default_sensitive != 0);
    let saved = async {
        let mut tx = state.db.begin_write().await?;
        accounts::update_profile(&mut **tx, a.id, &profile, now).await?;
        tx.record(crate::storage::Change::AccountChanged(a.id));
        accounts::update_posting_defaults(&mut **tx, me.user.id, &privacy, sensitive, &language)
            .await?;
        if let Some(policy) = quote_policy {
            crate::storage::quotes::set_account_default(&mut **tx, a.id, policy).await?;
        }
        if let Some(hide) = c.hide_collections {
            crate::storage::federation::set_hide_collections(&mut **tx, a.id, hide).await?;
        }
        if let Some(domains) = &attribution_domains {
            crate::storage::federation::set_attribution_domains(&mut **tx, a.id, domains).await?;
        }
        for (which, key) in &written {
            let old = current_file(me, *which);
            if !accounts::swap_image_file(&mut **tx, a.id, which.column(), old, key, now).await? {
                return Err(changed_meanwhile());
            }
        }
        // Servers that know the account get its new actor document.
        crate::services::federation::profile_updated(&mut tx, state, a.id, now).await?;
        tx.commit().await?;
        Ok::<(), AppError>(())
    }
    .await;
    let new_keys: Vec<String> = written.iter().map(|(_, k)| k.clone()).collect();
    match saved {
        Ok(()) => {
            state.jobs.wake();
            let replaced: Vec<String> = written
                .iter()
                .map(|(which, _)| current_file(me, *which).to_string())
                .collect();
            remove_files(state, &replaced).await;
            Ok(())
        }
        Err(e) => {
            remove_files(state, &new_keys).await;
            Err(e)
        }
    }
}

/// An account as the client API shows it, with its co-op roles (moved here from
/// `api/mastodon/accounts.rs`).
pub async fn account(state: &AppState, id: i64) -> AppResult<Account> {
    let row = accounts::account_by_id(&state.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let roles = gov_store::active_roles(&state.db.pool, row.id).await?;
    let mut entity = Account::from_row(state, &row, &roles);
    crate::services::federation::decorate_account(state, &mut entity, row.id).await?;
    Ok(entity)
}

/// The accounts among `ids` that exist, in the order given.
pub async fn accounts(state: &AppState, ids: &[i64]) -> AppResult<Vec<Account>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match account(state, *id).await {
            Ok(a) => out.push(a),
            Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// A local account by username, with its co-op roles.
pub async fn local_account(state: &AppState, username: &str) -> AppResult<Account> {
    let row = accounts::local_account_by_username(&state.db.pool, username)
        .await?
        .ok_or_else(AppError::not_found)?;
    let roles = gov_store::active_roles(&state.db.pool, row.id).await?;
    Ok(Account::from_row(state, &row, &roles))
}

/// A user's own account with its source, as it now stands.
pub async fn credentials(state: &AppState, account_id: i64) -> AppResult<CredentialAccount> {
    let account = accounts::account_by_id(&state.db.pool, account_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let user = accounts::user_by_account(&state.db.pool, account_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let roles = gov_store::active_roles(&state.db.pool, account_id).await?;
    let mut entity = CredentialAccount::from_row(state, &account, &roles, &user);
    crate::services::federation::decorate_account(state, &mut entity.account, account.id).await?;
    entity.source.hide_collections = entity.account.hide_collections.unwrap_or(false);
    entity.source.attribution_domains =
        crate::services::federation::attribution_domains(state, account.id).await?;
    entity.source.quote_policy = crate::services::quotes::default_policy(state, account_id).await?;
    Ok(entity)
}

/// At most this many attribution domains per account (Mastodon's limit).
pub const MAX_ATTRIBUTION_DOMAINS: usize = 100;

/// An attribution domain as kept: a host name in lower case, without a scheme, a leading
/// `*.` or `www.` path; None when it is not a host name at all.
pub fn attribution_domain(raw: &str) -> Option<String> {
    let d = raw.trim().trim_end_matches('/').to_ascii_lowercase();
    let d = d
        .strip_prefix("https://")
        .or_else(|| d.strip_prefix("http://"))
        .unwrap_or(&d);
    let d = d.strip_prefix("*.").unwrap_or(d);
    if d.is_empty() || d.len() > 253 || d.contains(['/', ':', '@', '?', '#']) {
        return None;
    }
    match url::Host::parse(d) {
        Ok(url::Host::Domain(host)) => Some(host),
        _ => None,
    }
}

/// The attribution domains a member asked for, normalised; a bad one or too many is 422.
fn checked_attribution_domains(given: &[String]) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for raw in given.iter().filter(|d| !d.trim().is_empty()) {
        let Some(d) = attribution_domain(raw) else {
            return Err(AppError::validation(
                "attribution_domains",
                "ERR_INVALID",
                &format!("{} is not a valid domain", raw.trim()),
            ));
        };
        if !out.contains(&d) {
            out.push(d);
        }
    }
    if out.len() > MAX_ATTRIBUTION_DOMAINS {
        return Err(AppError::validation(
            "attribution_domains",
            "ERR_TOO_LONG",
            &format!("is too long (maximum is {MAX_ATTRIBUTION_DOMAINS} domains)"),
        ));
    }
    Ok(out)
}
