//! Reads for the CSV exports (one query each) and the status lookup imports need.

use sqlx::{Any, Executor};

/// (username, domain, show_reblogs, notify) of the accounts `account` follows.
pub async fn follows<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account: i64,
) -> sqlx::Result<Vec<(String, String, i64, i64)>> {
    sqlx::query_as(
        "SELECT a.username, a.domain, f.show_reblogs, f.notify FROM follows f \
         JOIN accounts a ON a.id = f.target_account_id WHERE f.account_id = $1 ORDER BY f.id",
    )
    .bind(account)
    .fetch_all(db)
    .await
}

pub async fn blocks<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account: i64,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT a.username, a.domain FROM blocks b JOIN accounts a ON a.id = b.target_account_id \
         WHERE b.account_id = $1 ORDER BY b.id",
    )
    .bind(account)
    .fetch_all(db)
    .await
}

/// (username, domain, hide notifications) of unexpired mutes.
pub async fn mutes<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account: i64,
    now: i64,
) -> sqlx::Result<Vec<(String, String, i64)>> {
    sqlx::query_as(
        "SELECT a.username, a.domain, m.notifications FROM mutes m \
         JOIN accounts a ON a.id = m.target_account_id WHERE m.account_id = $1 \
         AND (m.expires_at IS NULL OR m.expires_at > $2) ORDER BY m.id",
    )
    .bind(account)
    .bind(now)
    .fetch_all(db)
    .await
}

/// (list title, username, domain) of every member of the account's lists.
pub async fn lists<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account: i64,
) -> sqlx::Result<Vec<(String, String, String)>> {
    sqlx::query_as(
        "SELECT l.title, a.username, a.domain FROM lists l \
         JOIN list_accounts la ON la.list_id = l.id JOIN accounts a ON a.id = la.account_id \
         WHERE l.account_id = $1 ORDER BY l.id, a.id",
    )
    .bind(account)
    .fetch_all(db)
    .await
}

/// The URLs (or URIs) of the account's bookmarked statuses, oldest bookmark first.
pub async fn bookmarks<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account: i64,
) -> sqlx::Result<Vec<(String,)>> {
    sqlx::query_as(
        "SELECT COALESCE(s.url, s.uri) FROM bookmarks b JOIN statuses s ON s.id = b.status_id \
         WHERE b.account_id = $1 ORDER BY b.id",
    )
    .bind(account)
    .fetch_all(db)
    .await
}

/// A status by its URL or ActivityPub id.
pub async fn status_by_url<'e, E: Executor<'e, Database = Any>>(
    db: E,
    url: &str,
) -> sqlx::Result<Option<(i64,)>> {
    sqlx::query_as("SELECT id FROM statuses WHERE uri = $1 OR url = $1 LIMIT 1")
        .bind(url)
        .fetch_optional(db)
        .await
}
