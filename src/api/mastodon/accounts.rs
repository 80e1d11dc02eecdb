//! Accounts: sign-up through the API, verify_credentials, get, lookup, email confirmation resend.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;

use crate::entities::{Account, CredentialAccount, Token};
use crate::error::{AppError, AppResult};
use crate::http::auth::{Auth, MaybeAuth};
use crate::http::body::Payload;
use crate::http::{lenient, ClientIp};
use crate::services::accounts::{self, Origin, SignUp};
use crate::services::oauth;
use crate::services::profile::{self, ProfileImage};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct CreateAccount {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    username: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    email: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    password: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    agreement: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    locale: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    reason: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    invite_code: Option<String>,
}

/// `POST /api/v1/accounts`: an app's client-credentials token signs a person up and gets a
/// user token back (usable once the email is confirmed).
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ClientIp(ip): ClientIp,
    body: Payload<CreateAccount>,
) -> AppResult<Json<Token>> {
    auth.require("write:accounts")?;
    if auth.account_id.is_some() {
        return Err(AppError::forbidden(
            "This method requires an app token, not a user token",
        ));
    }
    accounts::count_sign_up(&state, ip).await?;
    let p = body.data;
    let registered = accounts::register(
        &state,
        SignUp {
            username: p.username.unwrap_or_default(),
            email: p.email.unwrap_or_default(),
            password: p.password.unwrap_or_default(),
            agreement: p.agreement.unwrap_or(false),
            locale: p.locale.unwrap_or_default(),
            reason: p.reason.unwrap_or_default(),
            invite_code: p.invite_code.unwrap_or_default(),
        },
        Origin::Public,
    )
    .await?;
    let issued =
        oauth::user_token(&state, auth.app_id, registered.account_id, &auth.scopes).await?;
    Ok(Json(Token {
        access_token: issued.access_token,
        token_type: "Bearer",
        scope: issued.scopes.to_string(),
        created_at: issued.created_at / 1_000_000,
    }))
}

pub async fn verify_credentials(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<CredentialAccount>> {
    // `profile` (4.3) is enough for this one call.
    let scope = if auth.scopes.allows("profile") {
        "profile"
    } else {
        "read:accounts"
    };
    let me = auth.user(&state, scope).await?;
    // Read afresh: the token's cached account does not follow its counters.
    Ok(Json(profile::credentials(&state, me.account.id).await?))
}

/// `GET /api/v1/accounts?id[]=…` (4.3): the accounts named that exist, in the order asked,
/// at most 40.
pub async fn several(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
) -> AppResult<Json<Vec<Account>>> {
    if let Some(a) = &auth {
        a.require("read:accounts")?;
    }
    let ids = lenient::ids_in_query(&uri, crate::api::mastodon::statuses::MANY_IDS)?;
    Ok(Json(profile::accounts(&state, &ids).await?))
}

pub async fn get(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(id): Path<String>,
) -> AppResult<Json<Account>> {
    if let Some(a) = &auth {
        a.require("read:accounts")?;
    }
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    Ok(Json(profile::account(&state, id).await?))
}

#[derive(Debug, Deserialize)]
pub struct LookupQuery {
    acct: Option<String>,
}

/// `GET /api/v1/accounts/lookup?acct=`: local accounts by username (remote ones come with federation).
pub async fn lookup(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Query(q): Query<LookupQuery>,
) -> AppResult<Json<Account>> {
    if let Some(a) = &auth {
        a.require("read:accounts")?;
    }
    let acct = q.acct.unwrap_or_default();
    let acct = acct.trim().trim_start_matches('@');
    let (username, domain) = match acct.rsplit_once('@') {
        Some((u, d)) => (u, Some(d)),
        None => (acct, None),
    };
    if let Some(d) = domain.filter(|d| !d.eq_ignore_ascii_case(&state.config.domain)) {
        // A remote handle: known, or resolved through WebFinger.
        let row = crate::services::federation::resolve_acct(&state, username, d).await?;
        let mut entity = Account::from_row(&state, &row, &[]);
        crate::services::federation::decorate_account(&state, &mut entity, row.id).await?;
        return Ok(Json(entity));
    }
    Ok(Json(profile::local_account(&state, username).await?))
}

#[derive(Debug, Deserialize)]
pub struct ResendConfirmation {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    email: Option<String>,
}

/// `POST /api/v1/emails/confirmations`: resend the link (optionally to a corrected address is
/// not supported: the address is fixed at sign-up).
pub async fn resend_confirmation(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<ResendConfirmation>,
) -> AppResult<Json<serde_json::Value>> {
    auth.require("write:accounts")?;
    let account_id = auth
        .account_id
        .ok_or_else(|| AppError::unprocessable("This method requires an authenticated user"))?;
    accounts::resend_confirmation_for(&state, account_id, body.data.email).await?;
    Ok(Json(serde_json::json!({})))
}

#[derive(Debug, Deserialize, Default)]
pub struct SourceParam {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    privacy: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    language: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    quote_policy: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct UpdateCredentials {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    note: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    locked: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    bot: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    discoverable: Option<bool>,
    /// An array (JSON) or an object keyed by index (`fields_attributes[0][name]`).
    #[serde(default)]
    fields_attributes: Option<serde_json::Value>,
    #[serde(default)]
    source: Option<SourceParam>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    hide_collections: Option<bool>,
    #[serde(default, deserialize_with = "lenient::strings_opt")]
    attribution_domains: Option<Vec<String>>,
}

/// `PATCH /api/v1/accounts/update_credentials`.
pub async fn update_credentials(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<UpdateCredentials>,
) -> AppResult<Json<CredentialAccount>> {
    let me = auth.user(&state, "write:accounts").await?;
    // Avatar and header files are checked and processed before anything is written.
    let mut images = Vec::new();
    for (field, which) in [
        ("avatar", ProfileImage::Avatar),
        ("header", ProfileImage::Header),
    ] {
        if let Some(file) = body.files.iter().find(|f| f.field == field) {
            images.push(crate::services::profile::prepare_image(&state, which, file).await?);
        }
    }
    let p = body.data;
    let fields = p
        .fields_attributes
        .map(profile::fields_from_attributes)
        .transpose()?;
    let update = crate::services::profile::ProfileChange {
        display_name: p.display_name,
        note: p.note,
        locked: p.locked,
        bot: p.bot,
        discoverable: p.discoverable,
        fields,
        privacy: p.source.as_ref().and_then(|s| s.privacy.clone()),
        sensitive: p.source.as_ref().and_then(|s| s.sensitive),
        language: p.source.as_ref().and_then(|s| s.language.clone()),
        hide_collections: p.hide_collections,
        attribution_domains: p.attribution_domains,
        quote_policy: p.source.as_ref().and_then(|s| s.quote_policy.clone()),
        images,
    };
    crate::services::profile::update(&state, &me, update).await?;
    credential_account(&state, me.account.id).await
}

/// `DELETE /api/v1/profile/avatar` (Mastodon 4.2): back to the default avatar.
pub async fn delete_avatar(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<CredentialAccount>> {
    delete_image(state, auth, ProfileImage::Avatar).await
}

/// `DELETE /api/v1/profile/header` (Mastodon 4.2): back to the default header.
pub async fn delete_header(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<CredentialAccount>> {
    delete_image(state, auth, ProfileImage::Header).await
}

async fn delete_image(
    state: AppState,
    auth: Auth,
    which: ProfileImage,
) -> AppResult<Json<CredentialAccount>> {
    let me = auth.user(&state, "write:accounts").await?;
    crate::services::profile::remove_image(&state, &me, which).await?;
    credential_account(&state, me.account.id).await
}

/// The caller's CredentialAccount as it now stands.
async fn credential_account(
    state: &AppState,
    account_id: i64,
) -> AppResult<Json<CredentialAccount>> {
    Ok(Json(profile::credentials(state, account_id).await?))
}
