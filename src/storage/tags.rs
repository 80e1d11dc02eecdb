//! tag_follows, featured_tags, and tag usage figures from status_tags.

use sqlx::{Any, AnyConnection, Executor, FromRow};

use crate::paging::Page;

/// Follows a tag; false when already followed.
pub async fn follow(
    conn: &mut AnyConnection,
    id: i64,
    account: i64,
    tag: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO tag_follows (id, account_id, tag_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, tag_id) DO NOTHING",
    )
    .bind(id)
    .bind(account)
    .bind(tag)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn unfollow(conn: &mut AnyConnection, account: i64, tag: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM tag_follows WHERE account_id = $1 AND tag_id = $2")
        .bind(account)
        .bind(tag)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn follows<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account: i64,
    tag: i64,
) -> sqlx::Result<bool> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM tag_follows WHERE account_id = $1 AND tag_id = $2")
            .bind(account)
            .bind(tag)
            .fetch_optional(db)
            .await?;
    Ok(row.is_some())
}

#[derive(Debug, Clone, FromRow)]
pub struct FollowedTag {
    pub id: i64,
    pub tag_id: i64,
    pub name: String,
}

/// The tags an account follows, newest follow first, paged by the follow's id.
pub async fn followed<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account: i64,
    cursor: &Page,
) -> sqlx::Result<Vec<FollowedTag>> {
    let mut sql = super::query::Sql::new(
        "SELECT f.id, f.tag_id, t.name FROM tag_follows f JOIN tags t ON t.id = f.tag_id \
         WHERE f.account_id = ",
    );
    let a = sql.int(account);
    sql.push(&a);
    super::paging::bound(&mut sql, "f.id", cursor);
    let rows = sql.query_as().fetch_all(db).await?;
    Ok(super::paging::newest_first(rows, cursor))
}

/// Per-day uses (statuses) and distinct accounts of a tag since `since`, by day index
/// (days since the epoch, UTC).
pub async fn daily_uses<'e, E: Executor<'e, Database = Any>>(
    db: E,
    tag: i64,
    since: i64,
) -> sqlx::Result<Vec<(i64, i64)>> {
    // (created_at, account_id) rows; a week of one tag is small enough to bucket in Rust.
    sqlx::query_as(
        "SELECT s.created_at, s.account_id FROM status_tags st JOIN statuses s ON s.id = st.status_id \
         WHERE st.tag_id = $1 AND s.created_at >= $2 AND s.visibility IN ('public', 'unlisted') \
         AND s.reblog_of_id IS NULL",
    )
    .bind(tag)
    .bind(since)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct FeaturedRow {
    pub id: i64,
    pub account_id: i64,
    pub tag_id: i64,
    pub name: String,
    pub statuses_count: i64,
    pub last_status_at: Option<i64>,
}

const FEATURED: &str = "SELECT f.id, f.account_id, f.tag_id, t.name, \
     (SELECT COUNT(*) FROM status_tags st JOIN statuses s ON s.id = st.status_id \
       WHERE st.tag_id = f.tag_id AND s.account_id = f.account_id \
       AND s.visibility IN ('public', 'unlisted') AND s.reblog_of_id IS NULL) AS statuses_count, \
     (SELECT MAX(s.created_at) FROM status_tags st JOIN statuses s ON s.id = st.status_id \
       WHERE st.tag_id = f.tag_id AND s.account_id = f.account_id \
       AND s.visibility IN ('public', 'unlisted') AND s.reblog_of_id IS NULL) AS last_status_at \
     FROM featured_tags f JOIN tags t ON t.id = f.tag_id";

pub async fn featured_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account: i64,
) -> sqlx::Result<Vec<FeaturedRow>> {
    sqlx::query_as(&format!("{FEATURED} WHERE f.account_id = $1 ORDER BY f.id"))
        .bind(account)
        .fetch_all(db)
        .await
}

pub async fn featured_one<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account: i64,
    tag: i64,
) -> sqlx::Result<Option<FeaturedRow>> {
    sqlx::query_as(&format!(
        "{FEATURED} WHERE f.account_id = $1 AND f.tag_id = $2"
    ))
    .bind(account)
    .bind(tag)
    .fetch_optional(db)
    .await
}

/// Features a tag; false when already featured.
pub async fn feature(
    conn: &mut AnyConnection,
    id: i64,
    account: i64,
    tag: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO featured_tags (id, account_id, tag_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, tag_id) DO NOTHING",
    )
    .bind(id)
    .bind(account)
    .bind(tag)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Unfeatures one of the account's featured tags; false when it had no such one.
pub async fn unfeature(conn: &mut AnyConnection, account: i64, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM featured_tags WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(account)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn count_featured(conn: &mut AnyConnection, account: i64) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM featured_tags WHERE account_id = $1")
        .bind(account)
        .fetch_one(conn)
        .await?;
    Ok(n)
}

/// The tags an account used most in its recent posts, not yet featured (suggestions).
pub async fn most_used<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account: i64,
    limit: i64,
) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT t.id, t.name FROM status_tags st JOIN statuses s ON s.id = st.status_id \
         JOIN tags t ON t.id = st.tag_id WHERE s.account_id = $1 AND s.reblog_of_id IS NULL \
         AND NOT EXISTS (SELECT 1 FROM featured_tags f WHERE f.account_id = $1 AND f.tag_id = t.id) \
         GROUP BY t.id, t.name ORDER BY COUNT(*) DESC, t.id LIMIT $2",
    )
    .bind(account)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Whether any local account follows one of these tags.
pub async fn followed_locally<'e, E: Executor<'e, Database = Any>>(
    db: E,
    tag_ids: &[i64],
) -> sqlx::Result<bool> {
    if tag_ids.is_empty() {
        return Ok(false);
    }
    let mut sql = super::query::Sql::new(
        "SELECT COUNT(*) FROM (SELECT 1 FROM tag_follows tf JOIN accounts a ON a.id = tf.account_id \
         WHERE tf.tag_id IN (",
    );
    let list = sql.ints(tag_ids);
    sql.push(&list).push(") AND a.domain = '' LIMIT 1) x");
    let (n,): (i64,) = sql.query_as().fetch_one(db).await?;
    Ok(n > 0)
}

/// Writes a status into the home feeds of local accounts following any of its tags.
pub async fn feed_tag_followers(
    conn: &mut AnyConnection,
    status_id: i64,
    author_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO home_feed (account_id, status_id, author_id) \
         SELECT DISTINCT tf.account_id, $1, $2 FROM tag_follows tf \
         JOIN status_tags st ON st.tag_id = tf.tag_id JOIN accounts a ON a.id = tf.account_id \
         WHERE st.status_id = $1 AND a.domain = '' AND tf.account_id <> $2 \
         ON CONFLICT DO NOTHING",
    )
    .bind(status_id)
    .bind(author_id)
    .execute(conn)
    .await?;
    Ok(())
}
