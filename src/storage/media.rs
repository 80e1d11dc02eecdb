//! media_attachments: uploaded images, who owns them, and which status (or scheduled status)
//! holds them.

use sqlx::{Any, Executor, FromRow};

use super::query::Sql;

#[derive(Debug, Clone, FromRow)]
pub struct MediaRow {
    pub id: i64,
    pub account_id: i64,
    pub status_id: Option<i64>,
    pub scheduled_status_id: Option<i64>,
    pub position: i64,
    pub kind: String,
    pub file_key: String,
    pub content_type: String,
    pub file_size: i64,
    pub width: i64,
    pub height: i64,
    pub thumb_key: String,
    pub thumb_width: i64,
    pub thumb_height: i64,
    pub description: Option<String>,
    pub focus_x: f64,
    pub focus_y: f64,
    pub blurhash: Option<String>,
    pub remote_url: Option<String>,
    pub created_at: i64,
    /// 1 while a video or audio upload waits for its processing job (no URL yet).
    pub processing: i64,
    /// Video and audio details as JSON (`services::av::AvMeta`); none for images.
    pub av_meta: Option<String>,
}

const COLUMNS: &str = "id, account_id, status_id, scheduled_status_id, position, kind, file_key, content_type, \
     file_size, width, height, thumb_key, thumb_width, thumb_height, description, focus_x, focus_y, blurhash, \
     remote_url, created_at, processing, av_meta";

pub async fn insert<'e, E: Executor<'e, Database = Any>>(db: E, m: &MediaRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO media_attachments (id, account_id, status_id, scheduled_status_id, position, kind, file_key, \
         content_type, file_size, width, height, thumb_key, thumb_width, thumb_height, description, focus_x, focus_y, \
         blurhash, remote_url, created_at, free_since, processing, av_meta) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
         $22, $23)",
    )
    .bind(m.id)
    .bind(m.account_id)
    .bind(m.status_id)
    .bind(m.scheduled_status_id)
    .bind(m.position)
    .bind(&m.kind)
    .bind(&m.file_key)
    .bind(&m.content_type)
    .bind(m.file_size)
    .bind(m.width)
    .bind(m.height)
    .bind(&m.thumb_key)
    .bind(m.thumb_width)
    .bind(m.thumb_height)
    .bind(&m.description)
    .bind(m.focus_x)
    .bind(m.focus_y)
    .bind(&m.blurhash)
    .bind(&m.remote_url)
    .bind(m.created_at)
    // A local upload nothing holds yet is free from the start (see `sweepable`).
    .bind(
        (m.status_id.is_none() && m.scheduled_status_id.is_none() && m.remote_url.is_none())
            .then_some(m.created_at),
    )
    .bind(m.processing)
    .bind(&m.av_meta)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn by_id<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<MediaRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM media_attachments WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn by_ids<'e, E: Executor<'e, Database = Any>>(
    db: E,
    ids: &[i64],
) -> sqlx::Result<Vec<MediaRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM media_attachments WHERE id IN ("
    ));
    let list = sql.ints(ids);
    sql.push(&list);
    sql.push(")");
    sql.query_as().fetch_all(db).await
}

/// The attachments of these statuses, in their order within each status.
pub async fn of_statuses<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_ids: &[i64],
) -> sqlx::Result<Vec<MediaRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM media_attachments WHERE status_id IN ("
    ));
    let list = sql.ints(status_ids);
    sql.push(&list);
    sql.push(") ORDER BY status_id, position, id");
    sql.query_as().fetch_all(db).await
}

/// The attachments a scheduled status holds, in order.
pub async fn of_scheduled<'e, E: Executor<'e, Database = Any>>(
    db: E,
    scheduled_ids: &[i64],
) -> sqlx::Result<Vec<MediaRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM media_attachments WHERE scheduled_status_id IN ("
    ));
    let list = sql.ints(scheduled_ids);
    sql.push(&list);
    sql.push(") ORDER BY scheduled_status_id, position, id");
    sql.query_as().fetch_all(db).await
}

/// Records what a video or audio upload's processing found and made (its file may have been
/// replaced, as a GIF by its MP4), and ends its processing. Returns false when the upload is
/// gone (deleted while it was processed).
pub async fn finish_processing<'e, E: Executor<'e, Database = Any>>(
    db: E,
    m: &MediaRow,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE media_attachments SET processing = 0, kind = $1, file_key = $2, content_type = $3, \
         file_size = $4, width = $5, height = $6, thumb_key = $7, thumb_width = $8, thumb_height = $9, \
         blurhash = $10, av_meta = $11 WHERE id = $12",
    )
    .bind(&m.kind)
    .bind(&m.file_key)
    .bind(&m.content_type)
    .bind(m.file_size)
    .bind(m.width)
    .bind(m.height)
    .bind(&m.thumb_key)
    .bind(m.thumb_width)
    .bind(m.thumb_height)
    .bind(&m.blurhash)
    .bind(&m.av_meta)
    .bind(m.id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn update_details<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    description: Option<&str>,
    focus_x: f64,
    focus_y: f64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE media_attachments SET description = $1, focus_x = $2, focus_y = $3 WHERE id = $4",
    )
    .bind(description)
    .bind(focus_x)
    .bind(focus_y)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Attaches the uploader's free media (or media `scheduled` holds) to a status at `position`.
/// Returns false when the media is not the account's or is already held elsewhere.
pub async fn attach<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    account_id: i64,
    status_id: i64,
    position: i64,
    scheduled: Option<i64>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE media_attachments SET status_id = $1, position = $2, scheduled_status_id = NULL, \
         free_since = NULL WHERE id = $3 AND account_id = $4 AND (status_id IS NULL OR status_id = $1) \
         AND (scheduled_status_id IS NULL OR scheduled_status_id = $5)",
    )
    .bind(status_id)
    .bind(position)
    .bind(id)
    .bind(account_id)
    .bind(scheduled.unwrap_or(-1))
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Reserves free media for a scheduled status. Returns false when it is not free.
pub async fn reserve<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    account_id: i64,
    scheduled_status_id: i64,
    position: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE media_attachments SET scheduled_status_id = $1, position = $2, free_since = NULL \
         WHERE id = $3 AND account_id = $4 AND status_id IS NULL AND scheduled_status_id IS NULL",
    )
    .bind(scheduled_status_id)
    .bind(position)
    .bind(id)
    .bind(account_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Frees the media a status held (they stay with their uploader, for a redraft); returns how
/// many it freed.
pub async fn detach_status<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
    now: i64,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE media_attachments SET status_id = NULL, free_since = $2 WHERE status_id = $1",
    )
    .bind(status_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Frees the media a status held except `keep` (after an edit); returns how many it freed.
pub async fn detach_others<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
    keep: &[i64],
    now: i64,
) -> sqlx::Result<u64> {
    // `NOT IN (NULL)` is never true: with nothing to keep, free them all.
    if keep.is_empty() {
        return detach_status(db, status_id, now).await;
    }
    let mut sql = Sql::new("UPDATE media_attachments SET status_id = NULL, free_since = ");
    let n = sql.int(now);
    sql.push(&n);
    sql.push(" WHERE status_id = ");
    let s = sql.int(status_id);
    sql.push(&s);
    let list = sql.ints(keep);
    sql.push(&format!(" AND id NOT IN ({list})"));
    let done = sqlx::query_with(sql.sql(), sql.arguments())
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// Drops the remote attachments a remote status referenced (its author edited it).
pub async fn delete_remote_of_status<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM media_attachments WHERE status_id = $1 AND remote_url IS NOT NULL")
        .bind(status_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Frees the media a scheduled status reserved; returns how many it freed.
pub async fn release_scheduled<'e, E: Executor<'e, Database = Any>>(
    db: E,
    scheduled_status_id: i64,
    now: i64,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE media_attachments SET scheduled_status_id = NULL, free_since = $2 \
         WHERE scheduled_status_id = $1",
    )
    .bind(scheduled_status_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Local uploads free since `cutoff` or earlier that no version in an edit history shows:
/// what the media sweep deletes, oldest first, at most `limit`.
pub async fn sweepable<'e, E: Executor<'e, Database = Any>>(
    db: E,
    cutoff: i64,
    limit: i64,
) -> sqlx::Result<Vec<MediaRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM media_attachments m WHERE m.free_since IS NOT NULL \
         AND m.free_since <= $1 AND m.status_id IS NULL AND m.scheduled_status_id IS NULL \
         AND NOT EXISTS (SELECT 1 FROM status_edit_media e WHERE e.media_id = m.id) \
         ORDER BY m.free_since, m.id LIMIT $2"
    ))
    .bind(cutoff)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Deletes an upload if it is still free since `cutoff` or earlier (nothing took it since it
/// was listed); returns whether it did.
pub async fn delete_if_free<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    cutoff: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "DELETE FROM media_attachments WHERE id = $1 AND free_since IS NOT NULL \
         AND free_since <= $2 AND status_id IS NULL AND scheduled_status_id IS NULL \
         AND NOT EXISTS (SELECT 1 FROM status_edit_media e WHERE e.media_id = $1)",
    )
    .bind(id)
    .bind(cutoff)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes `account_id`'s upload `id` if nothing holds it (no status, scheduled status or
/// edit history). Returns whether it did.
pub async fn delete_own_unattached<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    account_id: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "DELETE FROM media_attachments WHERE id = $1 AND account_id = $2 \
         AND status_id IS NULL AND scheduled_status_id IS NULL AND remote_url IS NULL \
         AND NOT EXISTS (SELECT 1 FROM status_edit_media e WHERE e.media_id = $1)",
    )
    .bind(id)
    .bind(account_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
