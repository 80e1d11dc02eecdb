//! markers: where a user stopped reading the home timeline and the notifications.

use sqlx::{Any, Executor};

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<(String, i64, i64, i64)>> {
    sqlx::query_as(
        "SELECT timeline, last_read_id, version, updated_at FROM markers WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// Sets a marker, bumping its version.
pub async fn set<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    timeline: &str,
    last_read_id: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at) VALUES ($1, $2, $3, 0, $4) \
         ON CONFLICT (account_id, timeline) DO UPDATE SET last_read_id = $3, version = markers.version + 1, updated_at = $4",
    )
    .bind(account_id)
    .bind(timeline)
    .bind(last_read_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}
