//! Web sessions: the cookie holds a random value, the table its SHA-256 hash.

use sqlx::{Any, Executor};

pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id_hash: &str,
    account_id: i64,
    now: i64,
    expires_at: i64,
    user_agent: &str,
    ip: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO web_sessions (id_hash, account_id, created_at, expires_at, user_agent, ip) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id_hash)
    .bind(account_id)
    .bind(now)
    .bind(expires_at)
    .bind(user_agent)
    .bind(ip)
    .execute(db)
    .await?;
    Ok(())
}

/// The account of a live session.
pub async fn account_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id_hash: &str,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT account_id FROM web_sessions WHERE id_hash = $1 AND expires_at > $2",
    )
    .bind(id_hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| r.0))
}

pub async fn delete<'e, E: Executor<'e, Database = Any>>(db: E, id_hash: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_for_account<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM web_sessions WHERE account_id = $1")
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(())
}
