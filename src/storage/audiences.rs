//! Audiences other than the author's followers (migration 0027), and the co-op account's
//! follower set when its proposal posts are for members only.
//!
//! A followers-only status normally reaches its author's followers. A status with a row in
//! `status_audiences` reaches the followers of that row's account instead: a member's reply
//! in the thread of a members-only `@coop` post is for `@coop`'s followers, the active
//! members. [`super::statuses::visible_to`] and the home-feed writers read it.

use sqlx::{Any, Executor};

/// Binds a status to an audience (in the posting transaction).
pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
    account_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO status_audiences (status_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(status_id)
    .bind(account_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The account whose followers a status is for, when it is not its author.
pub async fn of_status<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
) -> sqlx::Result<Option<i64>> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT account_id FROM status_audiences WHERE status_id = $1")
            .bind(status_id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|r| r.0))
}

/// Removes from one home feed every status bound to `audience` (someone who left it).
pub async fn drop_from_feed<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    audience: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM home_feed WHERE account_id = $1 \
         AND status_id IN (SELECT status_id FROM status_audiences WHERE account_id = $2)",
    )
    .bind(account_id)
    .bind(audience)
    .execute(db)
    .await?;
    Ok(())
}

/// Sets an account's `locked` flag (the co-op's account follows the bylaws).
pub async fn set_locked<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    locked: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET locked = $2 WHERE id = $1")
        .bind(account_id)
        .bind(super::flag(locked))
        .execute(db)
        .await?;
    Ok(())
}

/// The followers of `account_id` who are not active members (remote accounts included).
pub async fn followers_not_active<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT f.account_id FROM follows f WHERE f.target_account_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = f.account_id AND m.state = 'active') \
         ORDER BY f.account_id",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Who asks to follow `account_id`.
pub async fn requesters<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT account_id FROM follow_requests WHERE target_account_id = $1 ORDER BY account_id",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
