//! invites: codes (hashed) that let people sign up when registrations are closed.

use sqlx::{Any, Executor, FromRow};

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
        "UPDATE invites SET uses = uses + 1 WHERE code_hash = $1 AND revoked_at IS NULL \
         AND (max_uses IS NULL OR uses < max_uses) AND (expires_at IS NULL OR expires_at > $2)",
    )
    .bind(code_hash)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, FromRow)]
pub struct InviteRow {
    pub id: i64,
    pub created_by: Option<i64>,
    pub max_uses: Option<i64>,
    pub uses: i64,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// Every invite, newest first (the codes are not kept: only their hashes).
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    db: E,
    limit: i64,
) -> sqlx::Result<Vec<InviteRow>> {
    sqlx::query_as(
        "SELECT id, created_by, max_uses, uses, expires_at, created_at, revoked_at FROM invites \
         ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Revokes an invite; false when there is none or it was revoked already.
pub async fn revoke<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE invites SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}
