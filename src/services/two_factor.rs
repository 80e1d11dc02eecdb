//! Two-factor sign-in with an authenticator app (TOTP, RFC 6238, through the totp-rs crate):
//! set up (a secret shown as text and as a QR code, on only once a code from the app
//! confirms it), ten one-time recovery codes (shown once, kept as hashes), turning it off
//! (with the password), the second step of a web sign-in (a challenge the password opened),
//! and an admin's reset (logged in the moderation log, the instance's audit log).
//!
//! Every code guess, at set-up, at sign-in and with a recovery code, counts against the
//! account in the shared `rate_counters`, so every node together allows the same few guesses.

use qrcode::render::svg;
use qrcode::QrCode;
use rand::RngCore;
use serde::Serialize;
use totp_rs::{Builder, Secret, Totp};

use crate::error::{AppError, AppResult};
use crate::ids;
use crate::secrets;
use crate::state::AppState;
use crate::storage::account_security as store;
use crate::storage::rate_limits;

/// Codes a member may get wrong per window (each window below) before being refused.
pub const GUESSES: i64 = 5;
/// The window of [`GUESSES`], in seconds.
pub const GUESS_WINDOW_SECONDS: i64 = 300;
/// How long the code form of a sign-in stays open after the password was right.
const CHALLENGE_SECONDS: i64 = 300;
/// Recovery codes made at once.
pub const RECOVERY_CODES: usize = 10;

/// What /settings/two_factor shows.
#[derive(Debug, Serialize)]
pub struct Status {
    pub enabled: bool,
    /// While set up but unconfirmed: the secret (base32, in groups of four) and its QR code.
    pub pending: Option<Pending>,
    pub recovery_codes_left: i64,
}

#[derive(Debug, Serialize)]
pub struct Pending {
    pub secret: String,
    pub uri: String,
    /// An `<svg>` element (made here, from the URI: no user text but the escaped label).
    pub qr_svg: String,
}

fn totp(state: &AppState, username: &str, secret_b32: &str) -> AppResult<Totp> {
    let secret = Secret::try_from_base32(secret_b32).map_err(AppError::internal_msg)?;
    // The otpauth label's parts may not hold a colon: a port in the domain or one in the
    // instance's title would break it.
    let host = state.config.domain.split(':').next().unwrap_or("herd");
    let issuer = crate::services::instance_settings::title(state).replace(':', " ");
    Builder::new()
        .with_secret(secret)
        .with_issuer(Some(issuer))
        .with_account_name(format!("{username}@{host}").replace(':', ""))
        .build()
        .map_err(AppError::internal_msg)
}

fn now_seconds(state: &AppState) -> u64 {
    u64::try_from(state.clock.now_micros() / crate::time::MICROS_PER_SECOND).unwrap_or(0)
}

fn qr_svg(uri: &str, label: &str) -> AppResult<String> {
    let code = QrCode::new(uri.as_bytes()).map_err(AppError::internal_msg)?;
    let image = code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // The renderer writes an XML declaration first; inside HTML the element alone is wanted,
    // named for assistive technology.
    let start = image.find("<svg").unwrap_or(0);
    let label = tera::escape_html(label);
    Ok(image[start..].replacen(
        "<svg",
        &format!("<svg role=\"img\" aria-label=\"{label}\" class=\"qr\""),
        1,
    ))
}

/// The member's two-factor state; `qr_label` names the QR image.
pub async fn status(state: &AppState, account_id: i64, qr_label: &str) -> AppResult<Status> {
    let row = store::two_factor(&state.db.pool, account_id).await?;
    let enabled = row.as_ref().is_some_and(|r| r.enabled_at.is_some());
    let pending = match row {
        Some(r) if r.enabled_at.is_none() => {
            let username = crate::services::accounts::username(state, account_id)
                .await?
                .unwrap_or_default();
            let t = totp(state, &username, &r.secret)?;
            let uri = t.to_url().map_err(AppError::internal_msg)?;
            let grouped = r
                .secret
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join(" ");
            Some(Pending {
                secret: grouped,
                qr_svg: qr_svg(&uri, qr_label)?,
                uri,
            })
        }
        _ => None,
    };
    let recovery_codes_left = if enabled {
        store::recovery_codes_left(&state.db.pool, account_id).await?
    } else {
        0
    };
    Ok(Status {
        enabled,
        pending,
        recovery_codes_left,
    })
}

/// Whether the account signs in with a second factor.
pub async fn enabled(state: &AppState, account_id: i64) -> AppResult<bool> {
    Ok(store::two_factor(&state.db.pool, account_id)
        .await?
        .is_some_and(|r| r.enabled_at.is_some()))
}

/// Makes a new secret awaiting confirmation (a second call replaces an unconfirmed one; an
/// account with two-factor on is refused: turn it off first).
pub async fn begin(state: &AppState, account_id: i64) -> AppResult<()> {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = Secret::from(bytes).to_base32();
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    if !store::start_two_factor(&mut tx, account_id, &secret, now).await? {
        return Err(AppError::validation(
            "otp_attempt",
            "taken",
            "two-factor sign-in is already on",
        ));
    }
    tx.commit().await?;
    Ok(())
}

/// Counts one code guess against the account: 429 past [`GUESSES`] per window. A right code
/// gives its count back (as a right password does), so only wrong codes use the limit up.
async fn count_guess(state: &AppState, account_id: i64) -> AppResult<Guess> {
    let key = format!("otp:account:{account_id}");
    let now = state.clock.now_micros();
    let window = GUESS_WINDOW_SECONDS * crate::time::MICROS_PER_SECOND;
    let window_start = now - now.rem_euclid(window);
    if state.config.rate_limits.enabled {
        let mut tx = state.db.begin_write().await?;
        let (allowed, _) = rate_limits::hit_all(&mut tx, &[&key], window_start, GUESSES).await?;
        tx.commit().await?;
        if !allowed {
            return Err(AppError::too_many_requests());
        }
    }
    Ok(Guess { key, window_start })
}

struct Guess {
    key: String,
    window_start: i64,
}

impl Guess {
    async fn right(self, tx: &mut sqlx::AnyConnection, state: &AppState) -> AppResult<()> {
        if state.config.rate_limits.enabled {
            rate_limits::undo(tx, &[&self.key], self.window_start).await?;
        }
        Ok(())
    }
}

fn wrong_code() -> AppError {
    AppError::validation("otp_attempt", "invalid", "is not a valid code")
}

/// Confirms set-up with a code from the app: two-factor is on, and the ten recovery codes
/// (returned here, once; only their hashes are kept) are made.
pub async fn confirm(state: &AppState, account_id: i64, code: &str) -> AppResult<Vec<String>> {
    let Some(row) = store::two_factor(&state.db.pool, account_id).await? else {
        return Err(AppError::validation(
            "otp_attempt",
            "blank",
            "set-up has not begun",
        ));
    };
    if row.enabled_at.is_some() {
        return Err(AppError::validation(
            "otp_attempt",
            "taken",
            "two-factor sign-in is already on",
        ));
    }
    let guess = count_guess(state, account_id).await?;
    let username = crate::services::accounts::username(state, account_id)
        .await?
        .unwrap_or_default();
    let step = totp(state, &username, &row.secret)?
        .check(code.trim(), now_seconds(state))
        .ok_or_else(wrong_code)?;
    let codes = recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(account_id, c)).collect();
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    if !store::enable_two_factor(&mut tx, account_id, step, now).await? {
        return Err(AppError::validation(
            "otp_attempt",
            "taken",
            "two-factor sign-in is already on",
        ));
    }
    store::replace_recovery_codes(&mut tx, account_id, &hashes, now).await?;
    guess.right(&mut tx, state).await?;
    tx.commit().await?;
    Ok(codes)
}

/// Ten codes of 16 base32 letters (80 bits each: their SHA-256 hashes cannot be searched),
/// shown as four groups of four.
fn recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 10];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let text = Secret::from(bytes).to_base32().to_lowercase();
            text.as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// The stored form of a recovery code: spaces, dashes and case do not matter.
fn recovery_hash(account_id: i64, code: &str) -> String {
    let plain: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    secrets::token_hash(&format!("{account_id}:{plain}"))
}

/// Checks a code from the app (once per time step) or an unused recovery code (spent), and
/// spends the sign-in challenge `challenge` (a hash) with it, in one transaction; wrong codes
/// count against the account's limit.
async fn check_code(
    state: &AppState,
    account_id: i64,
    code: &str,
    challenge: &str,
) -> AppResult<()> {
    let Some(row) = store::two_factor(&state.db.pool, account_id).await? else {
        return Err(wrong_code());
    };
    if row.enabled_at.is_none() {
        return Err(wrong_code());
    }
    let guess = count_guess(state, account_id).await?;
    let username = crate::services::accounts::username(state, account_id)
        .await?
        .unwrap_or_default();
    let code = code.trim();
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let step = if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) {
        totp(state, &username, &row.secret)?.check(&digits, now_seconds(state))
    } else {
        None
    };
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    let ok = match step {
        Some(step) => {
            let step = i64::try_from(step).unwrap_or(i64::MAX);
            store::spend_step(&mut tx, account_id, step).await?
        }
        None => {
            store::spend_recovery_code(&mut tx, account_id, &recovery_hash(account_id, code), now)
                .await?
        }
    };
    if !ok {
        return Err(wrong_code());
    }
    if !store::spend_challenge(&mut tx, challenge).await? {
        return Err(AppError::unauthorized("The sign-in has expired"));
    }
    guess.right(&mut tx, state).await?;
    tx.commit().await?;
    Ok(())
}

/// Turns two-factor off: the password must be right (and counts as a sign-in attempt).
pub async fn disable(
    state: &AppState,
    account_id: i64,
    password: &str,
    ip: std::net::IpAddr,
) -> AppResult<()> {
    crate::services::account_settings::check_password(state, account_id, password, ip).await?;
    let mut tx = state.db.begin_write().await?;
    store::delete_two_factor(&mut tx, account_id).await?;
    tx.commit().await?;
    Ok(())
}

/// After a right password for an account with two-factor on: the token the code form
/// carries (its hash is kept for [`CHALLENGE_SECONDS`]).
pub async fn open_challenge(state: &AppState, account_id: i64) -> AppResult<String> {
    let token = secrets::random_token();
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    store::insert_challenge(
        &mut tx,
        &secrets::token_hash(&token),
        account_id,
        now + CHALLENGE_SECONDS * crate::time::MICROS_PER_SECOND,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The second step of a sign-in: the challenge's account if `code` is right, spending the
/// challenge. A challenge that is unknown or expired is a 401 (sign in again).
pub async fn answer_challenge(state: &AppState, challenge: &str, code: &str) -> AppResult<i64> {
    let hash = secrets::token_hash(challenge);
    let now = state.clock.now_micros();
    let Some(account_id) = store::challenge(&state.db.pool, &hash, now).await? else {
        return Err(AppError::unauthorized("The sign-in has expired"));
    };
    check_code(state, account_id, code, &hash).await?;
    Ok(account_id)
}

/// An account with two-factor on, for an admin's list.
#[derive(Debug, Serialize)]
pub struct Enrolled {
    pub account_id: String,
    pub username: String,
    pub enabled_at: String,
}

async fn require_admin(state: &AppState, account_id: i64) -> AppResult<()> {
    let roles = crate::storage::governance::active_roles(&state.db.pool, account_id).await?;
    if roles.iter().any(|r| r == "admin") {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "This action is not allowed: only an admin may do this",
        ))
    }
}

/// The accounts with two-factor on (admins only).
pub async fn enrolled(state: &AppState, admin_id: i64) -> AppResult<Vec<Enrolled>> {
    require_admin(state, admin_id).await?;
    Ok(store::accounts_with_two_factor(&state.db.pool)
        .await?
        .into_iter()
        .map(|(id, username, at)| Enrolled {
            account_id: id.to_string(),
            username,
            enabled_at: crate::time::iso(at),
        })
        .collect())
}

/// An admin's reset of a member's two-factor sign-in (the member lost the app and the
/// codes): the secret and codes go, and the moderation log records who did it and why.
pub async fn admin_reset(
    state: &AppState,
    admin_id: i64,
    target: i64,
    reason: &str,
) -> AppResult<()> {
    require_admin(state, admin_id).await?;
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    if store::delete_two_factor(&mut tx, target).await? == 0 {
        return Err(AppError::not_found());
    }
    let entry = crate::storage::moderation::ActionRow {
        id: ids::next_id_at(now / 1000),
        action: "reset_two_factor".into(),
        target_account_id: Some(target),
        target_status_id: None,
        target_domain: None,
        citation: None,
        reason: reason.trim().chars().take(500).collect(),
        moderator_account_id: Some(admin_id),
        report_id: None,
        strike_id: None,
        appeal_id: None,
        proposal_id: None,
        created_at: now,
    };
    crate::storage::moderation::insert_action(&mut **tx, &entry).await?;
    tx.commit().await?;
    Ok(())
}
