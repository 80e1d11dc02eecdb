//! The bookkeeping of the remote-media preview cache, on `media_attachments`
//! (`cache_state`, `cache_bytes`, `cached_at`, `cache_attempts`; migration 0018). The preview
//! itself is the row's `thumb_key` (and `thumb_width` / `thumb_height`), so rendering needs
//! nothing from here: an empty key means the preview loads from the remote URL.

use sqlx::{Any, Executor, FromRow};

use super::query::Sql;

/// Marks a remote attachment as waiting for its preview.
pub async fn mark_pending<'e, E: Executor<'e, Database = Any>>(db: E, id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE media_attachments SET cache_state = 'pending', cache_attempts = 0 \
         WHERE id = $1 AND remote_url IS NOT NULL",
    )
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// What the cache job needs of one attachment.
#[derive(Debug, Clone, FromRow)]
pub struct Pending {
    pub id: i64,
    pub account_id: i64,
    pub remote_url: String,
    pub cache_attempts: i64,
}

/// The attachment if it still waits for its preview.
pub async fn pending<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<Pending>> {
    sqlx::query_as(
        "SELECT id, account_id, remote_url, cache_attempts FROM media_attachments \
         WHERE id = $1 AND cache_state = 'pending' AND remote_url IS NOT NULL",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The preview is stored under `thumb_key`: the row takes it (and the blurhash when the origin
/// sent none) if it still waits for it. Returns whether it did (the row may be gone: the
/// status was deleted or edited meanwhile).
#[allow(clippy::too_many_arguments)]
pub async fn mark_cached<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    thumb_key: &str,
    thumb_width: i64,
    thumb_height: i64,
    width: i64,
    height: i64,
    blurhash: &str,
    bytes: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE media_attachments SET cache_state = 'cached', thumb_key = $1, thumb_width = $2, \
         thumb_height = $3, width = CASE WHEN width = 0 THEN $4 ELSE width END, \
         height = CASE WHEN height = 0 THEN $5 ELSE height END, \
         blurhash = COALESCE(blurhash, $6), cache_bytes = $7, cached_at = $8 \
         WHERE id = $9 AND cache_state = 'pending'",
    )
    .bind(thumb_key)
    .bind(thumb_width)
    .bind(thumb_height)
    .bind(width)
    .bind(height)
    .bind(blurhash)
    .bind(bytes)
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The preview could not be made; the attachment stays referenced at its origin.
pub async fn mark_failed<'e, E: Executor<'e, Database = Any>>(db: E, id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE media_attachments SET cache_state = 'failed' WHERE id = $1 AND cache_state = 'pending'",
    )
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Counts a transient failure; returns the attempts so far.
pub async fn count_attempt<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<i64> {
    let row: Option<(i64,)> = sqlx::query_as(
        "UPDATE media_attachments SET cache_attempts = cache_attempts + 1 \
         WHERE id = $1 AND cache_state = 'pending' RETURNING cache_attempts",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map_or(0, |r| r.0))
}

/// Bytes the cached previews take.
pub async fn total_bytes<'e, E: Executor<'e, Database = Any>>(db: E) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(cache_bytes), 0) AS BIGINT) FROM media_attachments \
         WHERE cache_state = 'cached'",
    )
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// A cached preview.
#[derive(Debug, Clone, FromRow)]
pub struct Cached {
    pub id: i64,
    pub thumb_key: String,
    pub cache_bytes: i64,
}

/// The least recently cached previews first, at most `limit`.
pub async fn oldest_cached<'e, E: Executor<'e, Database = Any>>(
    db: E,
    limit: i64,
) -> sqlx::Result<Vec<Cached>> {
    sqlx::query_as(
        "SELECT id, thumb_key, cache_bytes FROM media_attachments WHERE cache_state = 'cached' \
         ORDER BY cached_at, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Drops a cached preview from its row (it falls back to the remote URL); returns whether the
/// row still held exactly that preview.
pub async fn evict<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    thumb_key: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE media_attachments SET cache_state = 'evicted', thumb_key = '', thumb_width = 0, \
         thumb_height = 0, cache_bytes = 0 WHERE id = $1 AND cache_state = 'cached' AND thumb_key = $2",
    )
    .bind(id)
    .bind(thumb_key)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A cached preview of a remote attachment, with what its row says of it.
#[derive(Debug, Clone, FromRow)]
pub struct Held {
    pub remote_url: String,
    pub thumb_key: String,
    pub thumb_width: i64,
    pub thumb_height: i64,
    pub width: i64,
    pub height: i64,
    pub blurhash: Option<String>,
    pub cache_bytes: i64,
    pub cached_at: i64,
}

/// The previews the remote attachments of these statuses hold (before they are dropped).
pub async fn held_by_statuses<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_ids: &[i64],
) -> sqlx::Result<Vec<Held>> {
    let mut sql = Sql::new(
        "SELECT remote_url, thumb_key, thumb_width, thumb_height, width, height, blurhash, \
         cache_bytes, COALESCE(cached_at, 0) AS cached_at FROM media_attachments \
         WHERE remote_url IS NOT NULL AND thumb_key <> '' AND cache_state = 'cached' AND status_id IN (",
    );
    let list = sql.ints(status_ids);
    sql.push(&list);
    sql.push(")");
    sql.query_as().fetch_all(db).await
}

/// Gives a preview already made to the attachment of `status_id` that references the same
/// remote file and still waits for one; returns whether one took it.
pub async fn adopt<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
    h: &Held,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE media_attachments SET cache_state = 'cached', thumb_key = $1, thumb_width = $2, \
         thumb_height = $3, width = CASE WHEN width = 0 THEN $4 ELSE width END, \
         height = CASE WHEN height = 0 THEN $5 ELSE height END, \
         blurhash = COALESCE(blurhash, $6), cache_bytes = $7, cached_at = $8 \
         WHERE id = (SELECT MIN(id) FROM media_attachments WHERE status_id = $9 AND remote_url = $10 \
                     AND cache_state = 'pending')",
    )
    .bind(&h.thumb_key)
    .bind(h.thumb_width)
    .bind(h.thumb_height)
    .bind(h.width)
    .bind(h.height)
    .bind(&h.blurhash)
    .bind(h.cache_bytes)
    .bind(h.cached_at)
    .bind(status_id)
    .bind(&h.remote_url)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
