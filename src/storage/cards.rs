//! preview_cards (link previews cached per URL) and status_cards (the card a status shows);
//! migration 0032.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, FromRow, Row};

#[derive(Debug, Clone, Default, FromRow)]
pub struct CardRow {
    pub id: i64,
    pub url: String,
    pub state: String,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub author_name: String,
    pub author_url: String,
    pub provider_name: String,
    pub provider_url: String,
    pub html: String,
    pub width: i64,
    pub height: i64,
    pub image_key: String,
    pub image_width: i64,
    pub image_height: i64,
    pub image_description: String,
    pub blurhash: Option<String>,
    pub embed_url: String,
    pub language: Option<String>,
    pub published_at: Option<i64>,
    pub author_account_id: Option<i64>,
    pub fetched_at: i64,
    pub created_at: i64,
}

const COLUMNS: &str = "id, url, state, kind, title, description, author_name, author_url, \
     provider_name, provider_url, html, width, height, image_key, image_width, image_height, \
     image_description, blurhash, embed_url, language, published_at, author_account_id, \
     fetched_at, created_at";

/// The cached card of `url`, whatever its state.
pub async fn by_url<'e, E: Executor<'e, Database = Any>>(
    db: E,
    url: &str,
) -> sqlx::Result<Option<CardRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM preview_cards WHERE url = $1"
    ))
    .bind(url)
    .fetch_optional(db)
    .await
}

/// Writes the card of `c.url` (a new row, or the fetch replacing the previous one's fields;
/// the id stays). Returns the row's id.
pub async fn upsert<'e, E: Executor<'e, Database = Any>>(db: E, c: &CardRow) -> sqlx::Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO preview_cards (id, url, state, kind, title, description, author_name, \
         author_url, provider_name, provider_url, html, width, height, image_key, image_width, \
         image_height, image_description, blurhash, embed_url, language, published_at, \
         author_account_id, fetched_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20, $21, $22, $23, $24) \
         ON CONFLICT (url) DO UPDATE SET state = excluded.state, kind = excluded.kind, \
         title = excluded.title, description = excluded.description, \
         author_name = excluded.author_name, author_url = excluded.author_url, \
         provider_name = excluded.provider_name, provider_url = excluded.provider_url, \
         html = excluded.html, width = excluded.width, height = excluded.height, \
         image_key = excluded.image_key, image_width = excluded.image_width, \
         image_height = excluded.image_height, image_description = excluded.image_description, \
         blurhash = excluded.blurhash, embed_url = excluded.embed_url, \
         language = excluded.language, published_at = excluded.published_at, \
         author_account_id = excluded.author_account_id, fetched_at = excluded.fetched_at \
         RETURNING id",
    )
    .bind(c.id)
    .bind(&c.url)
    .bind(&c.state)
    .bind(&c.kind)
    .bind(&c.title)
    .bind(&c.description)
    .bind(&c.author_name)
    .bind(&c.author_url)
    .bind(&c.provider_name)
    .bind(&c.provider_url)
    .bind(&c.html)
    .bind(c.width)
    .bind(c.height)
    .bind(&c.image_key)
    .bind(c.image_width)
    .bind(c.image_height)
    .bind(&c.image_description)
    .bind(&c.blurhash)
    .bind(&c.embed_url)
    .bind(&c.language)
    .bind(c.published_at)
    .bind(c.author_account_id)
    .bind(c.fetched_at)
    .bind(c.created_at)
    .fetch_one(db)
    .await?;
    Ok(id)
}

/// The URL whose card `status_id` shows, if any.
pub async fn linked_url<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT url FROM status_cards WHERE status_id = $1")
            .bind(status_id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(u,)| u))
}

/// `status_id` shows no card any more (its link changed or went, or it is deleted).
pub async fn unlink<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM status_cards WHERE status_id = $1")
        .bind(status_id)
        .execute(db)
        .await?;
    Ok(())
}

/// `status_id` shows card `card_id` (of `url`).
pub async fn link<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
    card_id: i64,
    url: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO status_cards (status_id, card_id, url) VALUES ($1, $2, $3) \
         ON CONFLICT (status_id) DO UPDATE SET card_id = excluded.card_id, url = excluded.url",
    )
    .bind(status_id)
    .bind(card_id)
    .bind(url)
    .execute(db)
    .await?;
    Ok(())
}

/// Links `status_id` to the card of `url` when that card is ready and fetched after
/// `ready_since`, or pending since after `pending_since`, in one statement (the common case
/// of a post linking a page seen before). False when there is no such card.
pub async fn link_if_usable<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
    url: &str,
    ready_since: i64,
    pending_since: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO status_cards (status_id, card_id, url) \
         SELECT $1, id, url FROM preview_cards WHERE url = $2 \
         AND ((state = 'ready' AND fetched_at > $3) OR (state = 'pending' AND fetched_at > $4)) \
         ON CONFLICT (status_id) DO UPDATE SET card_id = excluded.card_id, url = excluded.url",
    )
    .bind(status_id)
    .bind(url)
    .bind(ready_since)
    .bind(pending_since)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The newest `limit` statuses linked to card `card_id` (those that waited for its fetch).
pub async fn linked_statuses<'e, E: Executor<'e, Database = Any>>(
    db: E,
    card_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT status_id FROM status_cards WHERE card_id = $1 ORDER BY status_id DESC LIMIT $2",
    )
    .bind(card_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The card columns of alias `alias`, each named `c_<column>`, for a query that reads a
/// status's ready card beside other facts (storage::quotes::facts).
pub(crate) fn linked_columns(alias: &str) -> String {
    COLUMNS
        .split(", ")
        .map(|c| format!("{alias}.{c} AS c_{c}", c = c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A status's ready card read through [`linked_columns`] (a LEFT JOIN: absent when `c_id` is
/// NULL).
#[derive(Debug, Clone, Default)]
pub struct LinkedCard(pub Option<CardRow>);

impl FromRow<'_, AnyRow> for LinkedCard {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        let Some(id) = row.try_get::<Option<i64>, _>("c_id")? else {
            return Ok(LinkedCard(None));
        };
        Ok(LinkedCard(Some(CardRow {
            id,
            url: row.try_get("c_url")?,
            state: row.try_get("c_state")?,
            kind: row.try_get("c_kind")?,
            title: row.try_get("c_title")?,
            description: row.try_get("c_description")?,
            author_name: row.try_get("c_author_name")?,
            author_url: row.try_get("c_author_url")?,
            provider_name: row.try_get("c_provider_name")?,
            provider_url: row.try_get("c_provider_url")?,
            html: row.try_get("c_html")?,
            width: row.try_get("c_width")?,
            height: row.try_get("c_height")?,
            image_key: row.try_get("c_image_key")?,
            image_width: row.try_get("c_image_width")?,
            image_height: row.try_get("c_image_height")?,
            image_description: row.try_get("c_image_description")?,
            blurhash: row.try_get("c_blurhash")?,
            embed_url: row.try_get("c_embed_url")?,
            language: row.try_get("c_language")?,
            published_at: row.try_get("c_published_at")?,
            author_account_id: row.try_get("c_author_account_id")?,
            fetched_at: row.try_get("c_fetched_at")?,
            created_at: row.try_get("c_created_at")?,
        })))
    }
}

/// Up to `limit` cards fetched before `cutoff` that still hold an image: `(id, image_key)`.
pub async fn with_images_before<'e, E: Executor<'e, Database = Any>>(
    db: E,
    cutoff: i64,
    limit: i64,
) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT id, image_key FROM preview_cards WHERE image_key <> '' AND fetched_at < $1 \
         ORDER BY fetched_at LIMIT $2",
    )
    .bind(cutoff)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Drops a card's image, if it is still `key` (a refetch meanwhile brought a new one).
pub async fn drop_image<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    key: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE preview_cards SET image_key = '', image_width = 0, image_height = 0, \
         blurhash = NULL WHERE id = $1 AND image_key = $2",
    )
    .bind(id)
    .bind(key)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}
