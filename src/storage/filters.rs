//! filters, filter_keywords, filter_statuses (filters v2).

use sqlx::{Any, AnyConnection, Executor, FromRow};

use super::query::Sql;

#[derive(Debug, Clone, FromRow)]
pub struct FilterRow {
    pub id: i64,
    pub account_id: i64,
    pub title: String,
    pub context: String,
    pub action: String,
    pub expires_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct KeywordRow {
    pub id: i64,
    pub filter_id: i64,
    pub keyword: String,
    pub whole_word: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct FilterStatusRow {
    pub id: i64,
    pub filter_id: i64,
    pub status_id: i64,
}

const COLUMNS: &str = "id, account_id, title, context, action, expires_at, created_at";

pub async fn insert(conn: &mut AnyConnection, f: &FilterRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO filters (id, account_id, title, context, action, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(f.id)
    .bind(f.account_id)
    .bind(&f.title)
    .bind(&f.context)
    .bind(&f.action)
    .bind(f.expires_at)
    .bind(f.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update(conn: &mut AnyConnection, f: &FilterRow) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE filters SET title = $1, context = $2, action = $3, expires_at = $4 WHERE id = $5",
    )
    .bind(&f.title)
    .bind(&f.context)
    .bind(&f.action)
    .bind(f.expires_at)
    .bind(f.id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, id: i64) -> sqlx::Result<()> {
    for table in ["filter_keywords", "filter_statuses"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE filter_id = $1"))
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM filters WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// An owner's filters, oldest first (another owner's are not returned).
pub async fn by_owner<'e, E: Executor<'e, Database = Any>>(
    db: E,
    owner: i64,
) -> sqlx::Result<Vec<FilterRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM filters WHERE account_id = $1 ORDER BY id"
    ))
    .bind(owner)
    .fetch_all(db)
    .await
}

/// An owner's filters still in force at `now`.
pub async fn active<'e, E: Executor<'e, Database = Any>>(
    db: E,
    owner: i64,
    now: i64,
) -> sqlx::Result<Vec<FilterRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM filters WHERE account_id = $1 \
         AND (expires_at IS NULL OR expires_at > $2) ORDER BY id"
    ))
    .bind(owner)
    .bind(now)
    .fetch_all(db)
    .await
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    db: E,
    owner: i64,
    id: i64,
) -> sqlx::Result<Option<FilterRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM filters WHERE id = $1 AND account_id = $2"
    ))
    .bind(id)
    .bind(owner)
    .fetch_optional(db)
    .await
}

pub async fn keywords_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    filter_ids: &[i64],
) -> sqlx::Result<Vec<KeywordRow>> {
    let mut sql = Sql::new(
        "SELECT id, filter_id, keyword, whole_word FROM filter_keywords WHERE filter_id IN (",
    );
    let list = sql.ints(filter_ids);
    sql.push(&list).push(") ORDER BY id");
    sql.query_as().fetch_all(db).await
}

pub async fn statuses_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    filter_ids: &[i64],
) -> sqlx::Result<Vec<FilterStatusRow>> {
    let mut sql =
        Sql::new("SELECT id, filter_id, status_id FROM filter_statuses WHERE filter_id IN (");
    let list = sql.ints(filter_ids);
    sql.push(&list).push(") ORDER BY id");
    sql.query_as().fetch_all(db).await
}

/// A keyword with its filter's owner, so callers can check who may touch it.
pub async fn keyword<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<(KeywordRow, i64)>> {
    let row: Option<(i64, i64, String, i64, i64)> = sqlx::query_as(
        "SELECT k.id, k.filter_id, k.keyword, k.whole_word, f.account_id FROM filter_keywords k \
         JOIN filters f ON f.id = k.filter_id WHERE k.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id, filter_id, keyword, whole_word, owner)| {
        (
            KeywordRow {
                id,
                filter_id,
                keyword,
                whole_word,
            },
            owner,
        )
    }))
}

pub async fn filter_status<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<(FilterStatusRow, i64)>> {
    let row: Option<(i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT s.id, s.filter_id, s.status_id, f.account_id FROM filter_statuses s \
         JOIN filters f ON f.id = s.filter_id WHERE s.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id, filter_id, status_id, owner)| {
        (
            FilterStatusRow {
                id,
                filter_id,
                status_id,
            },
            owner,
        )
    }))
}

pub async fn insert_keyword(conn: &mut AnyConnection, k: &KeywordRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO filter_keywords (id, filter_id, keyword, whole_word) VALUES ($1, $2, $3, $4)",
    )
    .bind(k.id)
    .bind(k.filter_id)
    .bind(&k.keyword)
    .bind(k.whole_word)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update_keyword(conn: &mut AnyConnection, k: &KeywordRow) -> sqlx::Result<()> {
    sqlx::query("UPDATE filter_keywords SET keyword = $1, whole_word = $2 WHERE id = $3")
        .bind(&k.keyword)
        .bind(k.whole_word)
        .bind(k.id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_keyword(conn: &mut AnyConnection, filter_id: i64, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM filter_keywords WHERE id = $1 AND filter_id = $2")
        .bind(id)
        .bind(filter_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Adds a status to a filter; false when it was already there.
pub async fn insert_status(conn: &mut AnyConnection, s: &FilterStatusRow) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO filter_statuses (id, filter_id, status_id) VALUES ($1, $2, $3) \
         ON CONFLICT (filter_id, status_id) DO NOTHING",
    )
    .bind(s.id)
    .bind(s.filter_id)
    .bind(s.status_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn delete_status(conn: &mut AnyConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM filter_statuses WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
