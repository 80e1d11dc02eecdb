//! Sign-up, email confirmation, password reset, login, and the operator's bootstrap account.

use crate::config::RegistrationMode;
use crate::error::{AppError, AppResult};
use crate::http::rate_limit;
use crate::ids;
use crate::secrets;
use crate::state::AppState;
use crate::storage::accounts::{self as store, NewLocalAccount, UserRow};
use crate::storage::governance as gov_store;
use crate::storage::invites;
use crate::storage::{is_unique_violation, oauth, sessions, WriteTx};
use crate::time::{MICROS_PER_DAY, MICROS_PER_MINUTE};

pub const USERNAME_MAX: usize = 30;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 72;
pub const EMAIL_MAX: usize = 254;
pub const REASON_MAX: usize = 500;
const CONFIRMATION_VALID: i64 = 3 * MICROS_PER_DAY;
const RESET_VALID: i64 = 6 * 60 * MICROS_PER_MINUTE;

/// Names a stranger may not take: they would pass for the co-op or its staff.
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "support",
    "help",
    "webmaster",
    "mod",
    "moderator",
    "moderators",
    "staff",
    "coop",
    "instance",
    "actor",
    "herd",
    "system",
    "security",
    "treasurer",
    "postmaster",
    "abuse",
    "noreply",
    "no_reply",
    "notifications",
];

/// Where a sign-up came from; the operator's command bypasses the registration mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Public,
    Operator,
}

#[derive(Debug, Clone, Default)]
pub struct SignUp {
    pub username: String,
    pub email: String,
    pub password: String,
    pub agreement: bool,
    pub locale: String,
    pub reason: String,
    /// An invite lets a person in when sign-ups are closed, and skips approval.
    pub invite_code: String,
}

#[derive(Debug, Clone, Copy)]
pub struct Registered {
    pub account_id: i64,
    pub user_id: i64,
    pub needs_confirmation: bool,
    pub needs_approval: bool,
}

/// Checks a sign-up; the first failing field is reported in Mastodon's 422 shape.
pub fn validate(state: &AppState, s: &SignUp, origin: Origin) -> AppResult<()> {
    let name = s.username.trim();
    if name.is_empty() {
        return Err(AppError::validation(
            "username",
            "ERR_BLANK",
            "can't be blank",
        ));
    }
    if name.chars().count() > USERNAME_MAX {
        return Err(AppError::validation(
            "username",
            "ERR_TOO_LONG",
            &format!("is too long (maximum is {USERNAME_MAX} characters)"),
        ));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(AppError::validation(
            "username",
            "ERR_INVALID",
            "must contain only letters, numbers and underscores",
        ));
    }
    if origin == Origin::Public && RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(AppError::validation(
            "username",
            "ERR_RESERVED",
            "is reserved",
        ));
    }
    if s.email.trim().is_empty() {
        return Err(AppError::validation("email", "ERR_BLANK", "can't be blank"));
    }
    if s.email.len() > EMAIL_MAX {
        return Err(AppError::validation("email", "ERR_TOO_LONG", "is too long"));
    }
    if s.email.trim().parse::<lettre::Address>().is_err() {
        return Err(AppError::validation("email", "ERR_INVALID", "is invalid"));
    }
    validate_password(&s.password)?;
    if origin == Origin::Public {
        if !s.agreement {
            return Err(AppError::validation(
                "agreement",
                "ERR_ACCEPTED",
                "must be accepted",
            ));
        }
        if s.reason.chars().count() > REASON_MAX {
            return Err(AppError::validation(
                "reason",
                "ERR_TOO_LONG",
                "is too long (maximum is 500 characters)",
            ));
        }
        if state.config.registrations.mode == RegistrationMode::Approval
            && s.invite_code.trim().is_empty()
            && s.reason.trim().is_empty()
        {
            return Err(AppError::validation(
                "reason",
                "ERR_BLANK",
                "can't be blank",
            ));
        }
    }
    if s.locale.len() > 16 {
        return Err(AppError::validation(
            "locale",
            "ERR_INVALID",
            "is not a language code",
        ));
    }
    Ok(())
}

pub fn validate_password(password: &str) -> AppResult<()> {
    let n = password.chars().count();
    if n == 0 {
        return Err(AppError::validation(
            "password",
            "ERR_BLANK",
            "can't be blank",
        ));
    }
    if n < PASSWORD_MIN {
        return Err(AppError::validation(
            "password",
            "ERR_TOO_SHORT",
            &format!("is too short (minimum is {PASSWORD_MIN} characters)"),
        ));
    }
    if password.len() > PASSWORD_MAX {
        return Err(AppError::validation(
            "password",
            "ERR_TOO_LONG",
            &format!("is too long (maximum is {PASSWORD_MAX} characters)"),
        ));
    }
    Ok(())
}

/// Creates the account and its login, and queues the confirmation mail, in one transaction.
/// How many local users the server has (the instance's user count).
pub async fn local_user_count(state: &AppState) -> AppResult<i64> {
    Ok(store::count_local_users(&state.db.pool).await?)
}

/// The username of an account, if it exists.
pub async fn username(state: &AppState, account_id: i64) -> AppResult<Option<String>> {
    Ok(store::account_by_id(&state.db.pool, account_id)
        .await?
        .map(|a| a.username))
}

/// The user behind a local account; not found when there is none.
pub async fn user(state: &AppState, account_id: i64) -> AppResult<UserRow> {
    store::user_by_account(&state.db.pool, account_id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// The user behind a web session, who must be able to act as a token's user can (confirmed,
/// approved, enabled, not suspended): the pages' counterpart of `Auth::user`.
pub async fn session_user(
    state: &AppState,
    account_id: i64,
) -> AppResult<crate::http::auth::CurrentUser> {
    let cache = &state.read_cache;
    let me = match cache.user(account_id) {
        Some(me) => me,
        None => {
            let ticket = cache.ticket();
            let account = store::account_by_id(&state.db.pool, account_id)
                .await?
                .ok_or_else(AppError::not_found)?;
            let user = user(state, account_id).await?;
            let me = std::sync::Arc::new(crate::http::auth::CurrentUser { account, user });
            cache.put_user(ticket, me.clone());
            me
        }
    };
    if me.account.suspended_at.is_some() {
        return Err(AppError::forbidden("Your login is currently disabled"));
    }
    crate::http::auth::functional(state, &me.user)?;
    Ok(crate::http::auth::CurrentUser::clone(&me))
}

/// Resends the confirmation link of a user's account; `email`, if given, must be the address
/// on file (moved here from `api/mastodon/accounts.rs`).
pub async fn resend_confirmation_for(
    state: &AppState,
    account_id: i64,
    email: Option<String>,
) -> AppResult<()> {
    let user = store::user_by_account(&state.db.pool, account_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if let Some(email) = email {
        if !email.trim().eq_ignore_ascii_case(&user.email) {
            return Err(AppError::unprocessable(
                "Changing the email address is not supported here",
            ));
        }
    }
    let account = store::account_by_id(&state.db.pool, account_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    resend_confirmation(state, &user, &account.username).await
}

pub async fn register(state: &AppState, s: SignUp, origin: Origin) -> AppResult<Registered> {
    let mut tx = state.db.begin_write().await?;
    let (registered, confirmation) = insert_account(state, &mut tx, s, origin).await?;
    if let Some((email, username, token)) = confirmation {
        queue_confirmation(&mut tx, state, &email, &username, &token).await?;
    }
    tx.commit().await?;
    state.jobs.wake();
    Ok(registered)
}

type PendingConfirmation = Option<(String, String, String)>;

/// Validates and inserts a new local account inside `tx`. Returns what the confirmation mail
/// needs, to be queued in the same transaction.
async fn insert_account(
    state: &AppState,
    tx: &mut WriteTx,
    s: SignUp,
    origin: Origin,
) -> AppResult<(Registered, PendingConfirmation)> {
    let mode = state.config.registrations.mode;
    let invited = origin == Origin::Public && !s.invite_code.trim().is_empty();
    if origin == Origin::Public && mode == RegistrationMode::Closed && !invited {
        return Err(AppError::forbidden(
            "Registrations are closed on this server",
        ));
    }
    validate(state, &s, origin)?;
    if invited
        && !invites::redeem(
            &mut ***tx,
            &secrets::token_hash(s.invite_code.trim()),
            state.clock.now_micros(),
        )
        .await?
    {
        return Err(AppError::forbidden(
            "This invite is invalid, used up or expired",
        ));
    }
    let username = s.username.trim().to_string();
    let email = s.email.trim().to_string();
    if store::username_taken(&mut ***tx, &username).await? {
        return Err(AppError::validation(
            "username",
            "ERR_TAKEN",
            "is already taken",
        ));
    }
    if store::email_taken(&mut ***tx, &email).await? {
        return Err(AppError::validation(
            "email",
            "ERR_TAKEN",
            "is already taken",
        ));
    }
    let password_hash = hash_password_blocking(s.password.clone()).await?;
    let now = state.clock.now_micros();
    let needs_confirmation =
        origin == Origin::Public && state.config.registrations.require_email_confirmation;
    let needs_approval = origin == Origin::Public && mode == RegistrationMode::Approval && !invited;
    let account_id = ids::next_id_at(now / 1000);
    let user_id = ids::next_id_at(now / 1000);
    let base = state.base_url();
    let confirmation = needs_confirmation.then(secrets::random_token);
    let locale = if s.locale.trim().is_empty() {
        "en".to_string()
    } else {
        s.locale.trim().to_string()
    };

    let inserted = store::insert_local(
        tx,
        &NewLocalAccount {
            account_id,
            user_id,
            username: &username,
            email: &email,
            password_hash: &password_hash,
            locale: &locale,
            reason: s.reason.trim(),
            uri: &format!("{base}/users/{username}"),
            url: &format!("{base}/@{username}"),
            confirmed_at: (!needs_confirmation).then_some(now),
            approved: !needs_approval,
            actor_type: "Person",
            now,
        },
    )
    .await;
    if let Err(e) = inserted {
        return Err(if is_unique_violation(&e) {
            AppError::validation("username", "ERR_TAKEN", "is already taken")
        } else {
            e.into()
        });
    }
    if let Some(token) = &confirmation {
        store::set_confirmation_token(&mut ***tx, user_id, &secrets::token_hash(token), now)
            .await?;
    }
    let registered = Registered {
        account_id,
        user_id,
        needs_confirmation,
        needs_approval,
    };
    Ok((registered, confirmation.map(|t| (email, username, t))))
}

/// Queues the confirmation mail inside `tx`. The job holds the link until it is sent (as
/// Mastodon's mail queue does); the database keeps only the token's hash.
async fn queue_confirmation(
    tx: &mut WriteTx,
    state: &AppState,
    email: &str,
    username: &str,
    token: &str,
) -> AppResult<()> {
    let link = format!(
        "{}/auth/confirmation?confirmation_token={token}",
        state.base_url()
    );
    let body = crate::mail::render(
        state,
        "mail/confirmation.txt",
        &[
            ("username", username),
            ("link", &link),
            ("title", &crate::services::instance_settings::title(state)),
        ],
    );
    let subject = format!(
        "Confirm your email for {}",
        crate::services::instance_settings::title(state)
    );
    let now = state.clock.now_micros();
    crate::mail::queue(tx, email, &subject, body, now).await?;
    Ok(())
}

/// Sends a fresh confirmation link to an unconfirmed user.
pub async fn resend_confirmation(
    state: &AppState,
    user: &UserRow,
    username: &str,
) -> AppResult<()> {
    if user.confirmed_at.is_some() {
        return Err(AppError::forbidden(
            "This e-mail address is already confirmed",
        ));
    }
    let token = secrets::random_token();
    let mut tx = state.db.begin_write().await?;
    store::set_confirmation_token(
        &mut **tx,
        user.id,
        &secrets::token_hash(&token),
        state.clock.now_micros(),
    )
    .await?;
    queue_confirmation(&mut tx, state, &user.email, username, &token).await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// Confirms the email behind a token; returns the account id, or None for a bad or old link.
pub async fn confirm(state: &AppState, token: &str) -> AppResult<Option<i64>> {
    let now = state.clock.now_micros();
    let confirmed = store::confirm_by_token(
        &state.db.pool,
        &secrets::token_hash(token),
        now - CONFIRMATION_VALID,
        now,
    )
    .await?;
    if let Some(id) = confirmed {
        crate::services::read_cache::forget_everywhere(
            state,
            crate::storage::Change::AccountChanged(id),
        )
        .await;
    }
    Ok(confirmed)
}

/// Starts a password reset. Says nothing about whether the address exists.
pub async fn request_reset(state: &AppState, email: &str) -> AppResult<()> {
    let Some(user) = store::user_by_login(&state.db.pool, email.trim()).await? else {
        return Ok(());
    };
    let token = secrets::random_token();
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    store::set_reset_token(&mut **tx, user.id, &secrets::token_hash(&token), now).await?;
    let link = format!(
        "{}/auth/password/edit?reset_password_token={token}",
        state.base_url()
    );
    let body = crate::mail::render(
        state,
        "mail/password_reset.txt",
        &[
            ("link", &link),
            ("title", &crate::services::instance_settings::title(state)),
        ],
    );
    let subject = format!(
        "Reset your password on {}",
        crate::services::instance_settings::title(state)
    );
    crate::mail::queue(&mut tx, &user.email, &subject, body, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// The user a live reset token belongs to.
pub async fn reset_token_user(state: &AppState, token: &str) -> AppResult<Option<UserRow>> {
    let now = state.clock.now_micros();
    Ok(store::user_by_reset_token(
        &state.db.pool,
        &secrets::token_hash(token),
        now - RESET_VALID,
    )
    .await?)
}

/// Sets the new password, spends the token, and signs the user out everywhere.
pub async fn reset_password(state: &AppState, token: &str, password: &str) -> AppResult<()> {
    validate_password(password)?;
    let user = reset_token_user(state, token).await?.ok_or_else(|| {
        AppError::unprocessable("This password reset link is invalid or has expired")
    })?;
    let hash = hash_password_blocking(password.to_string()).await?;
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    store::set_password(&mut **tx, user.id, &hash, now).await?;
    oauth::revoke_account_tokens(&mut **tx, user.account_id, now).await?;
    tx.record(crate::storage::Change::AccountChanged(user.account_id));
    tx.record(crate::storage::Change::TokensRevoked);
    sessions::delete_for_account(&mut **tx, user.account_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks a login (email or username) and password, with Mastodon's failed-login limits per
/// IP and per account. Unknown users cost the same time as known ones.
///
/// The account's bucket is keyed by the account the login names, so its username and its
/// email share one; a login no account has is keyed by the login as the lookup reads it
/// (trimmed, lower-cased), so unknown names are limited alike and a refusal does not tell
/// them apart. Each attempt is counted in both buckets before its password is checked, in one
/// step, in the database (`shared_hit_all`), so a burst sent at once has at most the limit checked; a
/// success gives its count back, so only failures use the limit up.
pub async fn authenticate(
    state: &AppState,
    login: &str,
    password: &str,
    ip: std::net::IpAddr,
) -> AppResult<UserRow> {
    let cfg = &state.config.rate_limits;
    let now = state.clock.now_micros();
    let login = login.trim();
    let user = store::user_by_login(&state.db.pool, login).await?;
    let ip_key = format!("login:ip:{}", rate_limit::ip_key(ip));
    let account_key = match &user {
        Some(u) => format!("login:account:{}", u.account_id),
        None => format!("login:unknown:{}", login.to_lowercase()),
    };
    let buckets = [ip_key.as_str(), account_key.as_str()];
    let counted = rate_limit::limited(state, ip);
    let window = window_start(now, cfg.login_window_seconds);
    if counted && !shared_hit_all(state, &buckets, cfg.login_attempts, window, now).await? {
        return Err(AppError::too_many_requests());
    }
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| secrets::dummy_password_hash().to_string());
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || secrets::verify_password(&password, &hash))
        .await
        .map_err(AppError::internal)?;
    match user {
        Some(u) if ok => {
            if counted {
                let mut tx = state.db.begin_write().await?;
                crate::storage::rate_limits::undo(&mut tx, &buckets, window).await?;
                tx.commit().await?;
            }
            Ok(u)
        }
        _ => Err(AppError::unauthorized("Invalid email or password")),
    }
}

/// Counts a sign-up from `ip` (the sign-up page and `POST /api/v1/accounts` alike) in the
/// database's `rate_counters`, so every node counts in one bucket: 429 past
/// `rate_limits.sign_ups` per window.
pub async fn count_sign_up(state: &AppState, ip: std::net::IpAddr) -> AppResult<()> {
    if !rate_limit::limited(state, ip) {
        return Ok(());
    }
    let cfg = &state.config.rate_limits;
    let key = format!("signup:ip:{}", rate_limit::ip_key(ip));
    count_shared(state, &key, cfg.sign_ups, cfg.sign_up_window_seconds).await
}

/// Counts a password-reset request for `email` (Mastodon: 5 per 30 minutes), shared by every
/// node like [`count_sign_up`].
pub async fn count_reset_request(
    state: &AppState,
    email: &str,
    ip: std::net::IpAddr,
) -> AppResult<()> {
    if !rate_limit::limited(state, ip) {
        return Ok(());
    }
    let key = format!("reset:email:{}", email.trim().to_lowercase());
    count_shared(state, &key, 5, 1800).await
}

async fn count_shared(state: &AppState, key: &str, limit: u32, seconds: u64) -> AppResult<()> {
    let now = state.clock.now_micros();
    let window = window_start(now, seconds);
    if shared_hit_all(state, &[key], limit, window, now).await? {
        Ok(())
    } else {
        Err(AppError::too_many_requests())
    }
}

/// The start of the fixed window of `seconds` that `now` falls in.
fn window_start(now: i64, seconds: u64) -> i64 {
    let window = i64::try_from(seconds)
        .unwrap_or(i64::MAX / crate::time::MICROS_PER_SECOND)
        .saturating_mul(crate::time::MICROS_PER_SECOND)
        .max(1);
    now - now.rem_euclid(window)
}

/// Counts a sign-in attempt in every bucket, or in none if one is at `limit`, in the
/// database's `rate_counters`: every node counts in the same buckets, so N nodes allow the
/// guesses of one (a process-local count would allow N times as many). Now and then the
/// windows of more than a day ago are forgotten.
async fn shared_hit_all(
    state: &AppState,
    keys: &[&str],
    limit: u32,
    window: i64,
    now: i64,
) -> AppResult<bool> {
    let mut tx = state.db.begin_write().await?;
    let (allowed, _) =
        crate::storage::rate_limits::hit_all(&mut tx, keys, window, i64::from(limit)).await?;
    if rand::random::<u8>() == 0 {
        crate::storage::rate_limits::prune(&mut tx, now - MICROS_PER_DAY).await?;
    }
    tx.commit().await?;
    Ok(allowed)
}

async fn hash_password_blocking(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || secrets::hash_password(&password))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)
}

/// Roles a member may hold. The first admin is granted here; later grants come by election.
pub const ROLES: &[&str] = &["admin", "moderator", "treasurer"];

/// The bootstrap command (`herd admin create-account`): a confirmed account, optionally an
/// active member with a role, as [`create_by_operator`], but only while the co-op is being
/// founded (DESIGN §6: roles come by election or, once, by the bootstrap):
/// - there is one first admin: `--role admin` is refused once an account holds the admin role;
/// - founding members and roles (`--member`, `--role`) are refused once the co-op has opened
///   its first proposal; from then on roles come by a `role_election` proposal and members are
///   admitted as the bylaws say.
///
/// An account without membership can always be made. The checks run in the account's own
/// transaction, so a refusal writes nothing.
pub async fn bootstrap(
    state: &AppState,
    s: SignUp,
    role: Option<&str>,
    member: bool,
) -> AppResult<Registered> {
    create_checked(state, s, role, member, true).await
}

/// A confirmed account made by the operator's path, optionally an active member with a role,
/// without the bootstrap's once-only rule (benchmarks and test fixtures). Every grant is logged
/// in the governance log, in the same transaction.
pub async fn create_by_operator(
    state: &AppState,
    s: SignUp,
    role: Option<&str>,
    member: bool,
) -> AppResult<Registered> {
    create_checked(state, s, role, member, false).await
}

async fn create_checked(
    state: &AppState,
    s: SignUp,
    role: Option<&str>,
    member: bool,
    founding_only: bool,
) -> AppResult<Registered> {
    if let Some(r) = role {
        if !ROLES.contains(&r) {
            return Err(AppError::unprocessable(format!(
                "Unknown role {r:?}: use admin, moderator or treasurer"
            )));
        }
    }
    let mut tx = state.db.begin_write().await?;
    let (registered, _) = insert_account(state, &mut tx, s, Origin::Operator).await?;
    let now = state.clock.now_micros();
    if founding_only && (member || role.is_some()) {
        if let Some(first) = crate::storage::proposals::first_opened_at(&mut **tx).await? {
            return Err(AppError::unprocessable(format!(
                "The co-op's founding is over: its first proposal opened at {}. Roles are now granted by a role_election proposal, and members apply (POST /api/v1/coop/membership) and are admitted as the bylaws say; create the account without --role or --member",
                crate::time::iso(first)
            )));
        }
        if role == Some("admin") {
            let admins = crate::storage::proposals::role_holders(&mut **tx, "admin").await?;
            if let Some(admin) = admins.first() {
                let name = crate::storage::accounts::account_by_id(&mut **tx, *admin)
                    .await?
                    .map(|a| format!("@{}", a.username))
                    .unwrap_or_else(|| format!("account {admin}"));
                return Err(AppError::unprocessable(format!(
                    "The co-op already has an admin ({name}): the bootstrap grants the admin role once; further admins are elected by a role_election proposal"
                )));
            }
        }
    }
    let at = now / 1000;
    let id = registered.account_id;
    if member || role.is_some() {
        gov_store::upsert_membership(&mut **tx, id, "active", Some(now), now).await?;
        crate::services::proposal_posts::follow_coop(&mut tx, id, now).await?;
        gov_store::insert_event(
            &mut **tx,
            &gov_store::NewEvent {
                id: ids::next_id_at(at),
                kind: "membership.admitted",
                actor_account_id: None,
                subject_account_id: Some(id),
                detail_json: r#"{"source":"bootstrap"}"#,
                now,
            },
        )
        .await?;
    }
    if let Some(r) = role {
        // A founding role is held for the bylaws' founding term (three months by default,
        // bylaws 3.2: the first admin stands for election within three months).
        let rules = crate::services::roles::rules_in(&mut tx, now).await?;
        crate::services::roles::grant(
            &mut tx,
            &rules,
            id,
            r,
            "bootstrap",
            herd_governance::terms::Grant::Founding,
            None,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(registered)
}

/// Makes an invite; returns the code (shown once; the database keeps its hash).
pub async fn create_invite(
    state: &AppState,
    created_by: Option<i64>,
    max_uses: Option<i64>,
    valid_days: Option<i64>,
) -> AppResult<String> {
    if max_uses.is_some_and(|n| n < 1) || valid_days.is_some_and(|d| d < 1) {
        return Err(AppError::unprocessable(
            "An invite needs at least one use and one day",
        ));
    }
    let code = secrets::random_token();
    let now = state.clock.now_micros();
    invites::insert(
        &state.db.pool,
        ids::next_id_at(now / 1000),
        &secrets::token_hash(&code),
        created_by,
        max_uses,
        valid_days.map(|d| now + d * MICROS_PER_DAY),
        now,
    )
    .await?;
    Ok(code)
}
