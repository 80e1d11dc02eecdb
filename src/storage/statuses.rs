//! statuses, mentions, tags, edits, tombstones, idempotency keys, and the visibility filter
//! every status query shares.

use sqlx::{Any, AnyConnection, Executor, FromRow};

use super::query::Sql;

#[derive(Debug, Clone, FromRow)]
pub struct StatusRow {
    pub id: i64,
    pub account_id: i64,
    pub uri: String,
    pub url: Option<String>,
    pub text: String,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: i64,
    pub visibility: String,
    pub local_only: i64,
    pub language: Option<String>,
    pub in_reply_to_id: Option<i64>,
    pub in_reply_to_account_id: Option<i64>,
    pub reblog_of_id: Option<i64>,
    pub thread_root_id: i64,
    pub application_id: Option<i64>,
    pub local: i64,
    pub replies_count: i64,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub created_at: i64,
    pub edited_at: Option<i64>,
}

pub const COLUMNS: &str = "s.id, s.account_id, s.uri, s.url, s.text, s.content, s.spoiler_text, s.sensitive, \
     s.visibility, s.local_only, s.language, s.in_reply_to_id, s.in_reply_to_account_id, s.reblog_of_id, \
     s.thread_root_id, s.application_id, s.local, s.replies_count, s.reblogs_count, s.favourites_count, \
     s.created_at, s.edited_at";

/// SQL condition: status `s` may be shown to the viewer bound at `$v` (-1 for nobody).
/// Public and unlisted posts are for everyone (local-only ones for signed-in members only),
/// followers-only posts for followers, direct posts for the people they mention; the author
/// always sees their own, and nobody sees the posts of someone who blocked them, nor the posts
/// of a suspended account. A status bound to an audience (`status_audiences`: a reply in a
/// members-only `@coop` thread) is for that account's followers only, mentioned or not. A boost
/// is shown only when the boosted post is too, whatever the boost's own visibility (rows older
/// than boosts taking their original's audience, and boosts from other servers, are held to the
/// same rule).
pub fn visible_to(v: &str) -> String {
    format!(
        "({} AND (s.reblog_of_id IS NULL OR EXISTS (SELECT 1 FROM statuses rb WHERE rb.id = s.reblog_of_id AND {})))",
        visible_as("s", v),
        visible_as("rb", v)
    )
}

/// The rule of [`visible_to`] for the one status `s` (its alias), boost or not.
fn visible_as(s: &str, v: &str) -> String {
    format!(
        "(({s}.visibility IN ('public', 'unlisted') AND ({s}.local_only = 0 OR {v} > 0)) \
          OR {s}.account_id = {v} \
          OR ({s}.visibility = 'private' AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = {v} AND f.target_account_id = {s}.account_id) \
              AND NOT EXISTS (SELECT 1 FROM status_audiences sa WHERE sa.status_id = {s}.id)) \
          OR EXISTS (SELECT 1 FROM status_audiences sa JOIN follows af ON af.target_account_id = sa.account_id \
                     WHERE sa.status_id = {s}.id AND af.account_id = {v}) \
          OR (EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = {s}.id AND m.account_id = {v}) \
              AND NOT EXISTS (SELECT 1 FROM status_audiences sa WHERE sa.status_id = {s}.id))) \
         AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = {s}.account_id AND b.target_account_id = {v}) \
         AND NOT EXISTS (SELECT 1 FROM accounts sus WHERE sus.id = {s}.account_id AND sus.suspended_at IS NOT NULL)"
    )
}

/// SQL condition for timelines and notifications (moderation): the account `author` is not
/// suspended, and if it is silenced (Mastodon's "limited") the viewer `v` is it or follows it.
pub fn not_sanctioned(author: &str, v: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM accounts san WHERE san.id = {author} AND (san.suspended_at IS NOT NULL \
           OR (san.silenced_at IS NOT NULL AND san.id <> {v} \
               AND NOT EXISTS (SELECT 1 FROM follows sf WHERE sf.account_id = {v} AND sf.target_account_id = san.id))))"
    )
}

pub async fn insert(conn: &mut AnyConnection, s: &StatusRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO statuses (id, account_id, uri, url, text, content, spoiler_text, sensitive, visibility, local_only, \
         language, in_reply_to_id, in_reply_to_account_id, reblog_of_id, thread_root_id, application_id, local, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(s.id)
    .bind(s.account_id)
    .bind(&s.uri)
    .bind(&s.url)
    .bind(&s.text)
    .bind(&s.content)
    .bind(&s.spoiler_text)
    .bind(s.sensitive)
    .bind(&s.visibility)
    .bind(s.local_only)
    .bind(&s.language)
    .bind(s.in_reply_to_id)
    .bind(s.in_reply_to_account_id)
    .bind(s.reblog_of_id)
    .bind(s.thread_root_id)
    .bind(s.application_id)
    .bind(s.local)
    .bind(s.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn by_id<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<StatusRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM statuses s WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// A status if the viewer may see it.
pub async fn visible_by_id<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    viewer: i64,
) -> sqlx::Result<Option<StatusRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM statuses s WHERE s.id = $1 AND {}",
        visible_to("$2")
    ))
    .bind(id)
    .bind(viewer)
    .fetch_optional(db)
    .await
}

/// Which of `ids` the viewer may see ([`visible_to`]), in one statement: the renderer's
/// check, whatever query chose the rows.
pub async fn visible_ids<'e, E: Executor<'e, Database = Any>>(
    db: E,
    ids: &[i64],
    viewer: i64,
) -> sqlx::Result<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT s.id FROM statuses s WHERE s.id IN (");
    let list = sql.ints(ids);
    sql.push(&list).push(")");
    let v = sql.int(viewer);
    sql.push(&format!(" AND {}", visible_to(&v)));
    let rows: Vec<(i64,)> = sql.query_as().fetch_all(db).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

pub async fn by_ids<'e, E: Executor<'e, Database = Any>>(
    db: E,
    ids: &[i64],
) -> sqlx::Result<Vec<StatusRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM statuses s WHERE s.id IN ("));
    let list = sql.ints(ids);
    sql.push(&list).push(")");
    sql.query_as().fetch_all(db).await
}

pub async fn insert_mention<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
    account_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO mentions (status_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(status_id)
    .bind(account_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete_mentions<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM mentions WHERE status_id = $1")
        .bind(status_id)
        .execute(db)
        .await?;
    Ok(())
}

/// (status id, account id) of the mentions in these statuses.
pub async fn mentions_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_ids: &[i64],
) -> sqlx::Result<Vec<(i64, i64)>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT status_id, account_id FROM mentions WHERE status_id IN (");
    let list = sql.ints(status_ids);
    sql.push(&list).push(")");
    sql.query_as().fetch_all(db).await
}

/// The mentioned accounts and the hashtags of these statuses, in one round trip:
/// `(status, account)` pairs and `(status, tag name)` pairs.
pub async fn mentions_and_tags_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_ids: &[i64],
) -> sqlx::Result<(Vec<(i64, i64)>, Vec<(i64, String)>)> {
    if status_ids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut sql = Sql::new("");
    let list = sql.ints(status_ids);
    sql.push(&format!(
        "SELECT status_id, account_id, CAST(NULL AS TEXT) AS name FROM mentions WHERE status_id IN ({list}) \
         UNION ALL SELECT st.status_id, CAST(NULL AS BIGINT), t.name FROM status_tags st \
         JOIN tags t ON t.id = st.tag_id WHERE st.status_id IN ({list})"
    ));
    let rows: Vec<(i64, Option<i64>, Option<String>)> = sql.query_as().fetch_all(db).await?;
    let (mut mentions, mut tags) = (Vec::new(), Vec::new());
    for (status, account, name) in rows {
        match (account, name) {
            (Some(a), _) => mentions.push((status, a)),
            (None, Some(n)) => tags.push((status, n)),
            (None, None) => {}
        }
    }
    Ok((mentions, tags))
}

/// The tag's id, creating it on first use.
pub async fn tag_id(conn: &mut AnyConnection, name: &str, id: i64, now: i64) -> sqlx::Result<i64> {
    sqlx::query("INSERT INTO tags (id, name, name_lower, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name_lower) DO NOTHING")
        .bind(id)
        .bind(name)
        .bind(name.to_lowercase())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM tags WHERE name_lower = $1")
        .bind(name.to_lowercase())
        .fetch_one(&mut *conn)
        .await?;
    Ok(id)
}

pub async fn tag_by_name<'e, E: Executor<'e, Database = Any>>(
    db: E,
    name: &str,
) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query_as("SELECT id, name FROM tags WHERE name_lower = $1")
        .bind(name.to_lowercase())
        .fetch_optional(db)
        .await
}

pub async fn insert_status_tag<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
    tag_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO status_tags (status_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(status_id)
    .bind(tag_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete_status_tags<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM status_tags WHERE status_id = $1")
        .bind(status_id)
        .execute(db)
        .await?;
    Ok(())
}

/// (status id, tag name) for these statuses.
pub async fn tags_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_ids: &[i64],
) -> sqlx::Result<Vec<(i64, String)>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT st.status_id, t.name FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id IN (",
    );
    let list = sql.ints(status_ids);
    sql.push(&list).push(")");
    sql.query_as().fetch_all(db).await
}

pub async fn idempotent_status<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    key: &str,
    not_before: i64,
) -> sqlx::Result<Option<i64>> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT status_id FROM idempotency_keys WHERE account_id = $1 AND key = $2 AND created_at >= $3")
            .bind(account_id)
            .bind(key)
            .bind(not_before)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|r| r.0))
}

/// Claims `key` for `status_id` in the writing transaction, unless a status written since
/// `not_before` holds it (false). On PostgreSQL a claim made by a transaction
/// still open (a retry racing its original, on any node) waits for it to end, so two requests
/// with one key never both write.
pub async fn claim_idempotency<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    key: &str,
    status_id: i64,
    now: i64,
    not_before: i64,
) -> sqlx::Result<bool> {
    let claimed: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO idempotency_keys (account_id, key, status_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, key) DO UPDATE SET status_id = $3, created_at = $4 \
         WHERE idempotency_keys.created_at < $5 RETURNING status_id",
    )
    .bind(account_id)
    .bind(key)
    .bind(status_id)
    .bind(now)
    .bind(not_before)
    .fetch_optional(db)
    .await?;
    Ok(claimed.is_some())
}

pub async fn remember_idempotency<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    key: &str,
    status_id: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO idempotency_keys (account_id, key, status_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, key) DO UPDATE SET status_id = $3, created_at = $4",
    )
    .bind(account_id)
    .bind(key)
    .bind(status_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Adds `delta` to one of the counters of a status.
pub async fn bump<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
    column: Counter,
    delta: i64,
) -> sqlx::Result<()> {
    let column = match column {
        Counter::Replies => "replies_count",
        Counter::Reblogs => "reblogs_count",
        Counter::Favourites => "favourites_count",
    };
    // Never below zero, whatever order concurrent undo/redo requests land in.
    sqlx::query(&format!(
        "UPDATE statuses SET {column} = CASE WHEN {column} + $1 < 0 THEN 0 ELSE {column} + $1 END WHERE id = $2"
    ))
    .bind(delta)
    .bind(status_id)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Copy)]
pub enum Counter {
    Replies,
    Reblogs,
    Favourites,
}

#[allow(clippy::too_many_arguments)] // one bound value per column or filter
pub async fn update_text<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    text: &str,
    content: &str,
    spoiler_text: &str,
    sensitive: bool,
    language: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE statuses SET text = $1, content = $2, spoiler_text = $3, sensitive = $4, language = $5, edited_at = $6 WHERE id = $7",
    )
    .bind(text)
    .bind(content)
    .bind(spoiler_text)
    .bind(super::flag(sensitive))
    .bind(language)
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn insert_edit<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    s: &StatusRow,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO status_edits (id, status_id, text, content, spoiler_text, sensitive, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(s.id)
    .bind(&s.text)
    .bind(&s.content)
    .bind(&s.spoiler_text)
    .bind(s.sensitive)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// Records the attachments the status holds now (with their description and focus) as those
/// of edit `edit_id`.
pub async fn snapshot_edit_media<'e, E: Executor<'e, Database = Any>>(
    db: E,
    edit_id: i64,
    status_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO status_edit_media (edit_id, status_id, media_id, position, description, focus_x, focus_y) \
         SELECT $1, status_id, id, position, description, focus_x, focus_y FROM media_attachments \
         WHERE status_id = $2",
    )
    .bind(edit_id)
    .bind(status_id)
    .execute(db)
    .await?;
    Ok(())
}

/// One attachment of one version in a status's history: the media row with the description
/// and focus it had in that version.
#[derive(Debug, Clone, FromRow)]
pub struct EditMediaRow {
    pub edit_id: i64,
    pub position: i64,
    pub media_id: i64,
    pub description: Option<String>,
    pub focus_x: f64,
    pub focus_y: f64,
}

/// The attachments of every version of a status, by edit then position.
pub async fn edit_media<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
) -> sqlx::Result<Vec<EditMediaRow>> {
    sqlx::query_as(
        "SELECT edit_id, position, media_id, description, focus_x, focus_y FROM status_edit_media \
         WHERE status_id = $1 ORDER BY edit_id, position",
    )
    .bind(status_id)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct EditRow {
    pub id: i64,
    pub text: String,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: i64,
    pub created_at: i64,
}

pub async fn edits<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
) -> sqlx::Result<Vec<EditRow>> {
    sqlx::query_as("SELECT id, text, content, spoiler_text, sensitive, created_at FROM status_edits WHERE status_id = $1 ORDER BY id")
        .bind(status_id)
        .fetch_all(db)
        .await
}

/// Removes a status and every row that hangs off it; leaves a tombstone for its URI.
pub async fn delete(conn: &mut AnyConnection, s: &StatusRow, now: i64) -> sqlx::Result<()> {
    for table in [
        "mentions",
        "status_tags",
        "status_edits",
        "status_edit_media",
        "favourites",
        "bookmarks",
        "status_pins",
        "home_feed",
        "notifications",
        "status_audiences",
        "status_cards",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE status_id = $1"))
            .bind(s.id)
            .execute(&mut *conn)
            .await?;
    }
    super::quotes::on_status_deleted(&mut *conn, s.id).await?;
    sqlx::query("DELETE FROM idempotency_keys WHERE status_id = $1")
        .bind(s.id)
        .execute(&mut *conn)
        .await?;
    // Replies stay, detached from the deleted parent, as in Mastodon.
    sqlx::query("UPDATE statuses SET in_reply_to_id = NULL WHERE in_reply_to_id = $1")
        .bind(s.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM statuses WHERE id = $1")
        .bind(s.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO tombstones (uri, account_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(&s.uri)
        .bind(s.account_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The reblogs of a status (their wrappers are deleted with it).
pub async fn reblogs_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
) -> sqlx::Result<Vec<StatusRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM statuses s WHERE s.reblog_of_id = $1"
    ))
    .bind(status_id)
    .fetch_all(db)
    .await
}

pub async fn reblog_by<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    status_id: i64,
) -> sqlx::Result<Option<StatusRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM statuses s WHERE s.account_id = $1 AND s.reblog_of_id = $2"
    ))
    .bind(account_id)
    .bind(status_id)
    .fetch_optional(db)
    .await
}
