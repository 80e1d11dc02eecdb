//! Which mails a member receives, and the one-click unsubscribe every optional mail carries
//! (RFC 8058: a link in the body, `List-Unsubscribe` with the same HTTPS URL and
//! `List-Unsubscribe-Post: List-Unsubscribe=One-Click`).
//!
//! The kinds are the optional mails Herd sends: a proposal opened and its result
//! (`proposals`, which the membership's `email_proposals` also governs), the reminder 24 hours
//! before a vote closes (`reminders`), a role term ending (`roles`) and a decision on one's
//! expense (`expenses`). Mails about the account itself (confirming an address, resetting or
//! changing the password or address) are always sent and carry no unsubscribe link: they are
//! the account's security.
//!
//! The unsubscribe URL carries `ACCOUNT.KIND.SIGNATURE`, an HMAC-SHA256 under a key the
//! server makes once and keeps in the database (every node signs alike): it works without a
//! session and can only ever turn that one kind off for that one account.

use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::storage::account_security as store;

/// The kinds a member can turn off, in the order the settings page lists them.
pub const KINDS: [&str; 4] = ["proposals", "reminders", "roles", "expenses"];

const KEY_NAME: &str = "unsubscribe";

/// One kind and whether the member receives it.
#[derive(Debug, Serialize)]
pub struct MailChoice {
    pub kind: &'static str,
    pub on: bool,
}

pub async fn choices(state: &AppState, account_id: i64) -> AppResult<Vec<MailChoice>> {
    let off = store::mail_opt_outs(&state.db.pool, account_id).await?;
    Ok(KINDS
        .iter()
        .map(|k| MailChoice {
            kind: k,
            on: !off.iter().any(|o| o == k),
        })
        .collect())
}

/// Saves the settings page: the kinds in `on` are received, the others not.
pub async fn save(state: &AppState, account_id: i64, on: &[String]) -> AppResult<()> {
    if let Some(bad) = on.iter().find(|k| !KINDS.contains(&k.as_str())) {
        return Err(AppError::validation(
            "mails",
            "invalid",
            &format!("has no kind {bad}"),
        ));
    }
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    for k in KINDS {
        let off = !on.iter().any(|o| o == k);
        store::set_mail_opt_out(&mut tx, account_id, k, off, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The server's signing key, made on first use.
async fn key(state: &AppState) -> AppResult<Vec<u8>> {
    if let Some(k) = store::server_secret_read(&state.db.pool, KEY_NAME).await? {
        return Ok(k.into_bytes());
    }
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    let k = store::server_secret(&mut tx, KEY_NAME, &crate::secrets::random_token(), now).await?;
    tx.commit().await?;
    Ok(k.into_bytes())
}

fn signature(key: &[u8], account_id: i64, kind: &str) -> AppResult<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(AppError::internal_msg)?;
    mac.update(format!("{account_id}.{kind}").as_bytes());
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// The unsubscribe URL for one account and kind.
pub async fn unsubscribe_url(state: &AppState, account_id: i64, kind: &str) -> AppResult<String> {
    let sig = signature(&key(state).await?, account_id, kind)?;
    Ok(format!(
        "{}/unsubscribe?token={account_id}.{kind}.{sig}",
        state.base_url()
    ))
}

/// What a valid unsubscribe token names.
#[derive(Debug, Serialize)]
pub struct Unsubscribe {
    pub username: String,
    pub kind: String,
}

/// Reads a token: the account and kind it names, or 404 for one that was not signed here.
pub async fn read_token(state: &AppState, token: &str) -> AppResult<(i64, Unsubscribe)> {
    let mut parts = token.splitn(3, '.');
    let (Some(id), Some(kind), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(AppError::not_found());
    };
    let account_id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    if !KINDS.contains(&kind) {
        return Err(AppError::not_found());
    }
    let expected = signature(&key(state).await?, account_id, kind)?;
    if !crate::secrets::secure_eq(&expected, sig) {
        return Err(AppError::not_found());
    }
    let username = crate::services::accounts::username(state, account_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((
        account_id,
        Unsubscribe {
            username,
            kind: kind.to_string(),
        },
    ))
}

/// Follows an unsubscribe link (the page's button or a mail client's one-click POST): that
/// kind is off for that account, nothing else.
pub async fn unsubscribe(state: &AppState, token: &str) -> AppResult<Unsubscribe> {
    let (account_id, what) = read_token(state, token).await?;
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    store::set_mail_opt_out(&mut tx, account_id, &what.kind, true, now).await?;
    tx.commit().await?;
    Ok(what)
}

/// Sends an optional mail of `kind` to `to` unless its owner turned the kind off, with the
/// unsubscribe link in the body and the RFC 8058 headers. An address no account has is sent
/// without them (there is nothing to turn off).
pub async fn deliver(
    state: &AppState,
    to: &str,
    subject: &str,
    body: String,
    kind: &str,
) -> anyhow::Result<()> {
    let (body, link) = match store::opted_out_by_email(&state.db.pool, to, kind).await? {
        Some((_, true)) => {
            tracing::debug!(kind, "mail not sent: its kind is turned off");
            return Ok(());
        }
        Some((account_id, false)) => {
            let link = unsubscribe_url(state, account_id, kind)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let body = format!(
                "{body}\n\n-- \nTo stop receiving these mails ({kind}), open:\n{link}\nChoose which mails you receive: {}/settings/mails\n",
                state.base_url()
            );
            (body, Some(link))
        }
        None => (body, None),
    };
    crate::mail::deliver_with(&state.mailer, to, subject, body, link.as_deref()).await
}
