//! The members' site's settings: web preferences (theme, motion, shortcuts), the interface
//! locale, and the list of a member's web sessions.

use sqlx::{Any, Executor};

/// A `web_preferences` row: (theme, reduce_motion, shortcuts).
pub async fn preferences<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Option<(String, i64, i64)>> {
    sqlx::query_as(
        "SELECT theme, reduce_motion, shortcuts FROM web_preferences WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(db)
    .await
}

pub async fn set_preferences<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    theme: &str,
    reduce_motion: bool,
    shortcuts: bool,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO web_preferences (account_id, theme, reduce_motion, shortcuts, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (account_id) DO UPDATE SET theme = $2, reduce_motion = $3, shortcuts = $4, updated_at = $5",
    )
    .bind(account_id)
    .bind(theme)
    .bind(super::flag(reduce_motion))
    .bind(super::flag(shortcuts))
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_locale<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    locale: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET locale = $2, updated_at = $3 WHERE account_id = $1")
        .bind(account_id)
        .bind(locale)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// A web session as its owner sees it listed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub user_agent: String,
    pub ip: String,
}

/// The live sessions of an account, most recently used first.
pub async fn sessions_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    now: i64,
) -> sqlx::Result<Vec<SessionRow>> {
    sqlx::query_as(
        "SELECT id_hash, created_at, last_used_at, user_agent, ip FROM web_sessions \
         WHERE account_id = $1 AND expires_at > $2 \
         ORDER BY COALESCE(last_used_at, created_at) DESC, id_hash",
    )
    .bind(account_id)
    .bind(now)
    .fetch_all(db)
    .await
}

/// Ends one session of `account_id` (another account's session is left alone); true if one
/// was ended.
pub async fn delete_session_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    id_hash: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM web_sessions WHERE account_id = $1 AND id_hash = $2")
        .bind(account_id)
        .bind(id_hash)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Ends every session of `account_id` but `keep`.
pub async fn delete_other_sessions<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    keep: &str,
) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM web_sessions WHERE account_id = $1 AND id_hash <> $2")
        .bind(account_id)
        .bind(keep)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// Notes a session's use, unless it was noted after `stale_before` (so a busy session writes
/// at most once every few minutes).
pub async fn touch_session<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id_hash: &str,
    now: i64,
    stale_before: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE web_sessions SET last_used_at = $2 WHERE id_hash = $1 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(id_hash)
    .bind(now)
    .bind(stale_before)
    .execute(db)
    .await?;
    Ok(())
}

/// A live session's account and when it was last used.
pub async fn session<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id_hash: &str,
    now: i64,
) -> sqlx::Result<Option<(i64, Option<i64>)>> {
    sqlx::query_as(
        "SELECT account_id, last_used_at FROM web_sessions WHERE id_hash = $1 AND expires_at > $2",
    )
    .bind(id_hash)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// An application holding live tokens for an account, as its settings page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuthorisedAppRow {
    pub app_id: i64,
    pub name: String,
    pub website: Option<String>,
    pub first_at: i64,
    pub last_used_at: Option<i64>,
}

/// The applications with live tokens of `account_id`, most recently authorised first.
pub async fn authorised_apps<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<AuthorisedAppRow>> {
    sqlx::query_as(
        "SELECT a.id AS app_id, a.name AS name, a.website AS website, MIN(t.created_at) AS first_at, \
         MAX(t.last_used_at) AS last_used_at \
         FROM oauth_tokens t JOIN oauth_apps a ON a.id = t.app_id \
         WHERE t.account_id = $1 AND t.revoked_at IS NULL \
         GROUP BY a.id, a.name, a.website ORDER BY MIN(t.created_at) DESC, a.id",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// The scopes of an account's live tokens for one app (one string per token).
pub async fn authorised_scopes<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    app_id: i64,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT scopes FROM oauth_tokens WHERE account_id = $1 AND app_id = $2 AND revoked_at IS NULL",
    )
    .bind(account_id)
    .bind(app_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Revokes every live token of `account_id` for one app; how many were revoked.
pub async fn revoke_app<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    app_id: i64,
    now: i64,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE oauth_tokens SET revoked_at = $3 WHERE account_id = $1 AND app_id = $2 AND revoked_at IS NULL",
    )
    .bind(account_id)
    .bind(app_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
