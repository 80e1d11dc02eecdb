//! The account's security and lifecycle: two-factor secrets and recovery codes, pending
//! two-factor sign-ins, the server's own signing keys, mail opt-outs, pending email changes,
//! the `noindex` setting, and the deletion of an account's sign-in material.

use sqlx::{Any, AnyConnection, Executor, FromRow};

/// An account's authenticator secret; `enabled_at` is None until a code confirmed it.
#[derive(Debug, Clone, FromRow)]
pub struct TwoFactorRow {
    pub account_id: i64,
    pub secret: String,
    pub enabled_at: Option<i64>,
    pub last_step: i64,
}

pub async fn two_factor<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Option<TwoFactorRow>> {
    sqlx::query_as(
        "SELECT account_id, secret, enabled_at, last_step FROM two_factor WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(db)
    .await
}

/// Keeps a new secret awaiting confirmation; an enabled one is left as it is (false).
pub async fn start_two_factor(
    conn: &mut AnyConnection,
    account_id: i64,
    secret: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO two_factor (account_id, secret, enabled_at, last_step, created_at) \
         VALUES ($1, $2, NULL, 0, $3) ON CONFLICT (account_id) DO UPDATE \
         SET secret = $2, last_step = 0, created_at = $3 WHERE two_factor.enabled_at IS NULL",
    )
    .bind(account_id)
    .bind(secret)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Turns two-factor on, recording the confirming code's step as used.
pub async fn enable_two_factor(
    conn: &mut AnyConnection,
    account_id: i64,
    step: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE two_factor SET enabled_at = $2, last_step = $3 \
         WHERE account_id = $1 AND enabled_at IS NULL",
    )
    .bind(account_id)
    .bind(now)
    .bind(step)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Spends time step `step` for the account: false if it (or a later one) was already used,
/// so a code signs in once even when two requests carry it at the same moment.
pub async fn spend_step(
    conn: &mut AnyConnection,
    account_id: i64,
    step: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE two_factor SET last_step = $2 \
         WHERE account_id = $1 AND last_step < $2 AND enabled_at IS NOT NULL",
    )
    .bind(account_id)
    .bind(step)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes the secret and the recovery codes (turning off, or an admin's reset).
pub async fn delete_two_factor(conn: &mut AnyConnection, account_id: i64) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM two_factor_recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    let done = sqlx::query("DELETE FROM two_factor WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// Replaces the account's recovery codes with `hashes`.
pub async fn replace_recovery_codes(
    conn: &mut AnyConnection,
    account_id: i64,
    hashes: &[String],
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM two_factor_recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    for h in hashes {
        sqlx::query(
            "INSERT INTO two_factor_recovery_codes (code_hash, account_id, used_at, created_at) \
             VALUES ($1, $2, NULL, $3)",
        )
        .bind(h)
        .bind(account_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Spends one unused recovery code; false if there is no such unused code.
pub async fn spend_recovery_code(
    conn: &mut AnyConnection,
    account_id: i64,
    hash: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE two_factor_recovery_codes SET used_at = $3 \
         WHERE code_hash = $1 AND account_id = $2 AND used_at IS NULL",
    )
    .bind(hash)
    .bind(account_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn recovery_codes_left<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM two_factor_recovery_codes WHERE account_id = $1 AND used_at IS NULL",
    )
    .bind(account_id)
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// Local accounts with two-factor on, by username: (account id, username, enabled at).
pub async fn accounts_with_two_factor<'e, E: Executor<'e, Database = Any>>(
    db: E,
) -> sqlx::Result<Vec<(i64, String, i64)>> {
    sqlx::query_as(
        "SELECT a.id, a.username, t.enabled_at FROM two_factor t \
         JOIN accounts a ON a.id = t.account_id \
         WHERE t.enabled_at IS NOT NULL ORDER BY a.username_lower",
    )
    .fetch_all(db)
    .await
}

pub async fn insert_challenge(
    conn: &mut AnyConnection,
    token_hash: &str,
    account_id: i64,
    expires_at: i64,
    now: i64,
) -> sqlx::Result<()> {
    // Expired challenges are forgotten as new ones are made.
    sqlx::query("DELETE FROM sign_in_challenges WHERE expires_at < $1")
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO sign_in_challenges (token_hash, account_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(token_hash)
    .bind(account_id)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The account a live challenge is for.
pub async fn challenge<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT account_id FROM sign_in_challenges WHERE token_hash = $1 AND expires_at >= $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| r.0))
}

/// Spends a challenge; false if it was already spent.
pub async fn spend_challenge(conn: &mut AnyConnection, token_hash: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM sign_in_challenges WHERE token_hash = $1")
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The server's secret `name`: `candidate` if none was kept yet, else the one kept first (so
/// every node ends up with the same).
pub async fn server_secret(
    conn: &mut AnyConnection,
    name: &str,
    candidate: &str,
    now: i64,
) -> sqlx::Result<String> {
    sqlx::query(
        "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(candidate)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let (v,): (String,) = sqlx::query_as("SELECT value FROM server_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(conn)
        .await?;
    Ok(v)
}

pub async fn server_secret_read<'e, E: Executor<'e, Database = Any>>(
    db: E,
    name: &str,
) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT value FROM server_secrets WHERE name = $1")
        .bind(name)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| r.0))
}

/// The kinds of mail the account has turned off.
pub async fn mail_opt_outs<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT kind FROM mail_opt_outs WHERE account_id = $1 ORDER BY kind")
            .bind(account_id)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Whether the user with this address (case-insensitive) has turned `kind` off.
pub async fn opted_out_by_email<'e, E: Executor<'e, Database = Any>>(
    db: E,
    email: &str,
    kind: &str,
) -> sqlx::Result<Option<(i64, bool)>> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT u.account_id, (SELECT COUNT(*) FROM mail_opt_outs o \
           WHERE o.account_id = u.account_id AND o.kind = $2) \
         FROM users u WHERE u.email_lower = $1",
    )
    .bind(email.trim().to_lowercase())
    .bind(kind)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id, n)| (id, n > 0)))
}

/// Turns one kind of mail off (`off`) or back on.
pub async fn set_mail_opt_out(
    conn: &mut AnyConnection,
    account_id: i64,
    kind: &str,
    off: bool,
    now: i64,
) -> sqlx::Result<()> {
    if off {
        sqlx::query(
            "INSERT INTO mail_opt_outs (account_id, kind, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id, kind) DO NOTHING",
        )
        .bind(account_id)
        .bind(kind)
        .bind(now)
        .execute(conn)
        .await?;
    } else {
        sqlx::query("DELETE FROM mail_opt_outs WHERE account_id = $1 AND kind = $2")
            .bind(account_id)
            .bind(kind)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Keeps the one pending email change of the account (a newer request replaces it).
pub async fn put_email_change(
    conn: &mut AnyConnection,
    account_id: i64,
    email: &str,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM email_changes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO email_changes (account_id, email, token_hash, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(account_id)
    .bind(email)
    .bind(token_hash)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The pending change of a live link, spent: (account id, new address).
pub async fn take_email_change(
    conn: &mut AnyConnection,
    token_hash: &str,
    since: i64,
) -> sqlx::Result<Option<(i64, String)>> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT account_id, email FROM email_changes WHERE token_hash = $1 AND created_at >= $2",
    )
    .bind(token_hash)
    .bind(since)
    .fetch_optional(&mut *conn)
    .await?;
    if row.is_some() {
        sqlx::query("DELETE FROM email_changes WHERE token_hash = $1")
            .bind(token_hash)
            .execute(conn)
            .await?;
    }
    Ok(row)
}

/// The address a pending change would set, if any.
pub async fn pending_email<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT email FROM email_changes WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|r| r.0))
}

/// Sets the user's address; false if another user has it (the unique index refuses).
pub async fn set_email(
    conn: &mut AnyConnection,
    account_id: i64,
    email: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let taken: Option<(i64,)> =
        sqlx::query_as("SELECT account_id FROM users WHERE email_lower = $1 AND account_id <> $2")
            .bind(email.to_lowercase())
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?;
    if taken.is_some() {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE users SET email = $1, email_lower = $2, updated_at = $3 WHERE account_id = $4",
    )
    .bind(email)
    .bind(email.to_lowercase())
    .bind(now)
    .bind(account_id)
    .execute(conn)
    .await?;
    Ok(true)
}

/// Whether an address belongs to a user already.
pub async fn email_taken<'e, E: Executor<'e, Database = Any>>(
    db: E,
    email: &str,
) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT account_id FROM users WHERE email_lower = $1")
        .bind(email.to_lowercase())
        .fetch_optional(db)
        .await?;
    Ok(row.is_some())
}

pub async fn noindex<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT noindex FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(db)
        .await?;
    Ok(row.is_some_and(|r| r.0 != 0))
}

pub async fn set_noindex(
    conn: &mut AnyConnection,
    account_id: i64,
    noindex: bool,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET noindex = $1, updated_at = $2 WHERE id = $3")
        .bind(super::flag(noindex))
        .bind(now)
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The ids of every status of an account (its posts and its boosts), oldest first.
pub async fn status_ids_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64,)> =
        sqlx::query_as("SELECT id FROM statuses WHERE account_id = $1 ORDER BY id")
            .bind(account_id)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// What is left of a deleted account: its row keeps the username (no one can take it, and
/// its key still signs the `Delete` other servers are sent), suspended and emptied; its login,
/// sessions, two-factor, mail settings and pending email change go.
pub async fn empty_account(
    conn: &mut AnyConnection,
    account_id: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET display_name = '', note = '', fields_json = '[]', \
         avatar_file = '', header_file = '', noindex = 1, discoverable = 0, \
         suspended_at = COALESCE(suspended_at, $2), updated_at = $2 WHERE id = $1",
    )
    .bind(account_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    for table in [
        "web_sessions",
        "two_factor_recovery_codes",
        "two_factor",
        "sign_in_challenges",
        "mail_opt_outs",
        "email_changes",
        "web_preferences",
        "users",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE account_id = $1"))
            .bind(account_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
