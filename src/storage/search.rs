//! Full-text search over statuses (what the viewer may see, without suspended authors and
//! silenced ones the viewer does not follow) and prefix search over hashtags.
//! PostgreSQL matches words with its text search (`simple` configuration, no stemming);
//! SQLite requires every word as a case-insensitive substring.

use sqlx::{Any, Executor};

use super::query::Sql;
use super::statuses::{not_sanctioned, visible_to, StatusRow, COLUMNS};
use super::Backend;

fn like_pattern(word: &str) -> String {
    let escaped = word
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Statuses matching `q` that `viewer` may see, newest first; `author` narrows to one account.
#[allow(clippy::too_many_arguments)] // one bound value per filter
pub async fn statuses<'e, E: Executor<'e, Database = Any>>(
    db: E,
    backend: Backend,
    viewer: i64,
    q: &str,
    author: Option<i64>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<StatusRow>> {
    let words: Vec<&str> = q.split_whitespace().take(16).collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM statuses s WHERE s.reblog_of_id IS NULL"
    ));
    match backend {
        Backend::Postgres => {
            let p = sql.text(&words.join(" "));
            sql.push(&format!(
                " AND to_tsvector('simple', s.text) @@ plainto_tsquery('simple', {p})"
            ));
        }
        Backend::Sqlite => {
            for w in &words {
                let p = sql.text(&like_pattern(w));
                sql.push(&format!(" AND LOWER(s.text) LIKE {p} ESCAPE '\\'"));
            }
        }
    }
    if let Some(a) = author {
        let p = sql.int(a);
        sql.push(&format!(" AND s.account_id = {p}"));
    }
    let v = sql.int(viewer);
    sql.push(&format!(" AND {}", visible_to(&v)));
    // Moderation, as timelines apply it: a silenced author is found only by its followers.
    sql.push(&format!(" AND {}", not_sanctioned("s.account_id", &v)));
    let l = sql.int(limit);
    let o = sql.int(offset);
    sql.push(&format!(" ORDER BY s.id DESC LIMIT {l} OFFSET {o}"));
    sql.query_as().fetch_all(db).await
}

/// Hashtags whose name starts with `prefix` (case-insensitive): (id, name).
pub async fn tags<'e, E: Executor<'e, Database = Any>>(
    db: E,
    prefix: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<(i64, String)>> {
    let escaped = prefix
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    sqlx::query_as(
        "SELECT id, name FROM tags WHERE name_lower LIKE $1 ESCAPE '\\' ORDER BY LENGTH(name_lower), name_lower LIMIT $2 OFFSET $3",
    )
    .bind(format!("{escaped}%"))
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}
