//! The account's own security settings: the password (changed with the current one; every
//! other session and every token signed out), the email address (changed only once a link
//! mailed to the new address is followed) and Mastodon's `noindex` (search engines asked not
//! to index the account's pages).

use crate::error::{AppError, AppResult};
use crate::secrets;
use crate::state::AppState;
use crate::storage::account_security as store;
use crate::storage::{oauth, web_settings};

/// How long an email change link works (as a confirmation link).
const EMAIL_CHANGE_VALID: i64 = crate::time::MICROS_PER_DAY;

/// Checks the member's own password, counted as a sign-in attempt (so it cannot be guessed
/// here faster than at the sign-in form): 422 on `current_password` when wrong.
pub async fn check_password(
    state: &AppState,
    account_id: i64,
    password: &str,
    ip: std::net::IpAddr,
) -> AppResult<()> {
    let username = crate::services::accounts::username(state, account_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    match crate::services::accounts::authenticate(state, &username, password, ip).await {
        Ok(u) if u.account_id == account_id => Ok(()),
        Ok(_) => Err(wrong_password()),
        Err(e) if e.status == axum::http::StatusCode::UNAUTHORIZED => Err(wrong_password()),
        Err(e) => Err(e),
    }
}

fn wrong_password() -> AppError {
    AppError::validation("current_password", "invalid", "is not your password")
}

/// What a password change keeps signed in: the browser that made it.
pub struct Keep<'a> {
    pub session_hash: Option<&'a str>,
}

/// Changes the password: the current one must be right and the new one valid. Every token
/// and every other web session is signed out (whoever knew the old password is out).
pub async fn change_password(
    state: &AppState,
    account_id: i64,
    current: &str,
    new: &str,
    keep: Keep<'_>,
    ip: std::net::IpAddr,
) -> AppResult<()> {
    crate::services::accounts::validate_password(new)?;
    check_password(state, account_id, current, ip).await?;
    let user = crate::services::accounts::user(state, account_id).await?;
    let new = new.to_string();
    let hash = tokio::task::spawn_blocking(move || secrets::hash_password(&new))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    crate::storage::accounts::set_password(&mut **tx, user.id, &hash, now).await?;
    tx.record(crate::storage::Change::AccountChanged(account_id));
    tx.record(crate::storage::Change::TokensRevoked);
    oauth::revoke_account_tokens(&mut **tx, account_id, now).await?;
    match keep.session_hash {
        Some(h) => {
            web_settings::delete_other_sessions(&mut **tx, account_id, h).await?;
        }
        None => crate::storage::sessions::delete_for_account(&mut **tx, account_id).await?,
    }
    tx.commit().await?;
    Ok(())
}

/// The member's address and the one a pending change would set.
#[derive(Debug, serde::Serialize)]
pub struct EmailState {
    pub email: String,
    pub pending: Option<String>,
}

pub async fn email_state(state: &AppState, account_id: i64) -> AppResult<EmailState> {
    let user = crate::services::accounts::user(state, account_id).await?;
    Ok(EmailState {
        email: user.email,
        pending: store::pending_email(&state.db.pool, account_id).await?,
    })
}

/// Asks for a new address: with the password, a link is mailed to the new address; the
/// address on file stays until it is followed. An address another user has is refused.
pub async fn request_email_change(
    state: &AppState,
    account_id: i64,
    email: &str,
    password: &str,
    ip: std::net::IpAddr,
) -> AppResult<()> {
    let email = email.trim();
    if email.is_empty() {
        return Err(AppError::validation("email", "blank", "can't be blank"));
    }
    if email.len() > 320 || email.parse::<lettre::Address>().is_err() {
        return Err(AppError::validation("email", "invalid", "is invalid"));
    }
    let user = crate::services::accounts::user(state, account_id).await?;
    if user.email.eq_ignore_ascii_case(email) {
        return Err(AppError::validation(
            "email",
            "unchanged",
            "is your address already",
        ));
    }
    if store::email_taken(&state.db.pool, email).await? {
        return Err(AppError::validation("email", "taken", "is already taken"));
    }
    check_password(state, account_id, password, ip).await?;
    let username = crate::services::accounts::username(state, account_id)
        .await?
        .unwrap_or_default();
    let token = secrets::random_token();
    let now = state.clock.now_micros();
    let link = format!("{}/settings/email/confirm?token={token}", state.base_url());
    let body = crate::mail::render(
        state,
        "mail/email_change.txt",
        &[
            ("username", username.as_str()),
            ("link", &link),
            ("title", &crate::services::instance_settings::title(state)),
        ],
    );
    let subject = format!(
        "Confirm your new email for {}",
        crate::services::instance_settings::title(state)
    );
    let mut tx = state.db.begin_write().await?;
    store::put_email_change(
        &mut tx,
        account_id,
        email,
        &secrets::token_hash(&token),
        now,
    )
    .await?;
    crate::mail::queue(&mut tx, email, &subject, body, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// Follows an email change link: the address changes now. None for a bad or old link; 422 if
/// another user took the address meanwhile.
pub async fn confirm_email_change(state: &AppState, token: &str) -> AppResult<Option<i64>> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    let Some((account_id, email)) = store::take_email_change(
        &mut tx,
        &secrets::token_hash(token),
        now - EMAIL_CHANGE_VALID,
    )
    .await?
    else {
        return Ok(None);
    };
    if !store::set_email(&mut tx, account_id, &email, now).await? {
        return Err(AppError::validation("email", "taken", "is already taken"));
    }
    tx.record(crate::storage::Change::AccountChanged(account_id));
    tx.commit().await?;
    Ok(Some(account_id))
}

pub async fn noindex(state: &AppState, account_id: i64) -> AppResult<bool> {
    Ok(store::noindex(&state.db.pool, account_id).await?)
}

pub async fn set_noindex(state: &AppState, account_id: i64, noindex: bool) -> AppResult<()> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    store::set_noindex(&mut tx, account_id, noindex, now).await?;
    tx.record(crate::storage::Change::AccountChanged(account_id));
    tx.commit().await?;
    Ok(())
}
