//! The bounded log of recent live events (`live_events`) that pages replay after a reconnect
//! (services/live.rs), and the saved columns of a member's deck (`deck_layouts`).

use sqlx::{Any, Executor};

pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    event: &str,
    streams: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO live_events (id, event, streams) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(event)
        .bind(streams)
        .execute(db)
        .await
        .map(drop)
}

/// The events after `after`, oldest first, at most `limit`: (id, event, streams).
pub async fn after<'e, E: Executor<'e, Database = Any>>(
    db: E,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<(i64, String, String)>> {
    sqlx::query_as("SELECT id, event, streams FROM live_events WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(db)
        .await
}

/// The newest event's id, if the log holds any.
pub async fn newest<'e, E: Executor<'e, Database = Any>>(db: E) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM live_events")
        .fetch_one(db)
        .await
}

/// The ids of the events after `after`, oldest first, at most `limit` (the primary key alone:
/// a node's periodic check for events whose notification it never got).
pub async fn ids_after<'e, E: Executor<'e, Database = Any>>(
    db: E,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT id FROM live_events WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(db)
        .await
}

/// Deletes the events older than `before` (an id); returns how many.
pub async fn prune<'e, E: Executor<'e, Database = Any>>(db: E, before: i64) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM live_events WHERE id < $1")
        .bind(before)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// A member's deck columns as stored (JSON), if they ever changed them.
pub async fn deck<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT columns FROM deck_layouts WHERE account_id = $1")
        .bind(account_id)
        .fetch_optional(db)
        .await
}

pub async fn set_deck<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    columns: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO deck_layouts (account_id, columns, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id) DO UPDATE SET columns = $2, updated_at = $3",
    )
    .bind(account_id)
    .bind(columns)
    .bind(now)
    .execute(db)
    .await
    .map(drop)
}
