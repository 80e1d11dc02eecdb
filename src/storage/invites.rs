//! invites: codes (hashed) that let people sign up when registrations are closed.

use sqlx::{Any, Executor};

pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    code_hash: &str,
    created_by: Option<i64>,
    max_uses: Option<i64>,
    expires_at: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO invites (id, code_hash, created_by, max_uses, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(code_hash)
    .bind(created_by)
    .bind(max_uses)
    .bind(expires_at)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Spends one use of a live invite; false when it does not exist, is used up or expired.
/// One UPDATE, so two sign-ups racing for the last use cannot both get it.
pub async fn redeem<'e, E: Executor<'e, Database = Any>>(
    db: E,
    code_hash: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE invites SET uses = uses + 1 WHERE code_hash = $1 \
         AND (max_uses IS NULL OR uses < max_uses) AND (expires_at IS NULL OR expires_at > $2)",
    )
    .bind(code_hash)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
