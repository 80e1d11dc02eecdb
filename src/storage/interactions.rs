//! Favourites, bookmarks and pins: one row per (account, status), paged by their own ids.

use std::collections::HashSet;

use sqlx::{Any, Executor};

use super::query::Sql;
use super::statuses::{StatusRow, COLUMNS};
use crate::paging::Page;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Favourite,
    Bookmark,
    Pin,
}

impl Mark {
    fn table(self) -> &'static str {
        match self {
            Mark::Favourite => "favourites",
            Mark::Bookmark => "bookmarks",
            Mark::Pin => "status_pins",
        }
    }
}

/// Adds the mark; returns true when it is new.
pub async fn add<'e, E: Executor<'e, Database = Any>>(
    db: E,
    mark: Mark,
    id: i64,
    account_id: i64,
    status_id: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(&format!(
        "INSERT INTO {} (id, account_id, status_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, status_id) DO NOTHING",
        mark.table()
    ))
    .bind(id)
    .bind(account_id)
    .bind(status_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Removes the mark; returns true when there was one.
pub async fn remove<'e, E: Executor<'e, Database = Any>>(
    db: E,
    mark: Mark,
    account_id: i64,
    status_id: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(&format!(
        "DELETE FROM {} WHERE account_id = $1 AND status_id = $2",
        mark.table()
    ))
    .bind(account_id)
    .bind(status_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn count<'e, E: Executor<'e, Database = Any>>(
    db: E,
    mark: Mark,
    account_id: i64,
) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM {} WHERE account_id = $1",
        mark.table()
    ))
    .bind(account_id)
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// Which of `status_ids` the account has marked.
pub async fn marked<'e, E: Executor<'e, Database = Any>>(
    db: E,
    mark: Mark,
    account_id: i64,
    status_ids: &[i64],
) -> sqlx::Result<Vec<i64>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(&format!(
        "SELECT status_id FROM {} WHERE account_id = ",
        mark.table()
    ));
    let a = sql.int(account_id);
    sql.push(&a);
    let list = sql.ints(status_ids);
    sql.push(&format!(" AND status_id IN ({list})"));
    let rows: Vec<(i64,)> = sql.query_as().fetch_all(db).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// What one viewer has done to a page of statuses, read in one round trip.
#[derive(Debug, Default)]
pub struct ViewerMarks {
    pub favourited: HashSet<i64>,
    pub bookmarked: HashSet<i64>,
    pub pinned: HashSet<i64>,
    /// Statuses the viewer has boosted.
    pub reblogged: HashSet<i64>,
    /// Thread roots the viewer has muted.
    pub muted_threads: HashSet<i64>,
}

pub async fn viewer_marks<'e, E: Executor<'e, Database = Any>>(
    db: E,
    viewer: i64,
    status_ids: &[i64],
    thread_roots: &[i64],
) -> sqlx::Result<ViewerMarks> {
    let mut marks = ViewerMarks::default();
    if status_ids.is_empty() {
        return Ok(marks);
    }
    let mut sql = Sql::new("");
    let me = sql.int(viewer);
    let ids = sql.ints(status_ids);
    let roots = sql.ints(thread_roots);
    let parts: Vec<String> = [Mark::Favourite, Mark::Bookmark, Mark::Pin]
        .iter()
        .enumerate()
        .map(|(kind, mark)| {
            format!(
                "SELECT CAST({kind} AS BIGINT) AS kind, status_id AS id FROM {} WHERE account_id = {me} AND status_id IN ({ids})",
                mark.table()
            )
        })
        .chain([
            format!("SELECT CAST(3 AS BIGINT) AS kind, reblog_of_id AS id FROM statuses WHERE account_id = {me} AND reblog_of_id IN ({ids})"),
            format!("SELECT CAST(4 AS BIGINT) AS kind, thread_root_id AS id FROM conversation_mutes WHERE account_id = {me} AND thread_root_id IN ({roots})"),
        ])
        .collect();
    sql.push(&parts.join(" UNION ALL "));
    let rows: Vec<(i64, i64)> = sql.query_as().fetch_all(db).await?;
    for (kind, id) in rows {
        let set = match kind {
            0 => &mut marks.favourited,
            1 => &mut marks.bookmarked,
            2 => &mut marks.pinned,
            3 => &mut marks.reblogged,
            _ => &mut marks.muted_threads,
        };
        set.insert(id);
    }
    Ok(marks)
}

/// The account's marked statuses, newest mark first, with the mark's id as the page cursor.
pub async fn statuses<'e, E: Executor<'e, Database = Any>>(
    db: E,
    mark: Mark,
    account_id: i64,
    c: &Page,
) -> sqlx::Result<Vec<(i64, StatusRow)>> {
    let mut sql = Sql::new(&format!(
        "SELECT k.id AS mark_id, {COLUMNS} FROM {} k JOIN statuses s ON s.id = k.status_id WHERE k.account_id = ",
        mark.table()
    ));
    let a = sql.int(account_id);
    sql.push(&a);
    super::paging::bound(&mut sql, "k.id", c);
    let rows = sqlx::query_with(sql.sql(), sql.arguments())
        .fetch_all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        use sqlx::{FromRow, Row};
        out.push((
            row.try_get::<i64, _>("mark_id")?,
            StatusRow::from_row(&row)?,
        ));
    }
    Ok(super::paging::newest_first(out, c))
}

/// Accounts that favourited (or reblogged, via the statuses table) a status, paged by row id.
pub async fn favourited_by<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
    c: &Page,
) -> sqlx::Result<Vec<(i64, i64)>> {
    let mut sql = Sql::new("SELECT id, account_id FROM favourites WHERE status_id = ");
    let s = sql.int(status_id);
    sql.push(&s);
    super::paging::bound(&mut sql, "id", c);
    let rows = sql.query_as().fetch_all(db).await?;
    Ok(super::paging::newest_first(rows, c))
}

pub async fn reblogged_by<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
    c: &Page,
) -> sqlx::Result<Vec<(i64, i64)>> {
    let mut sql = Sql::new("SELECT id, account_id FROM statuses WHERE reblog_of_id = ");
    let s = sql.int(status_id);
    sql.push(&s);
    super::paging::bound(&mut sql, "id", c);
    let rows = sql.query_as().fetch_all(db).await?;
    Ok(super::paging::newest_first(rows, c))
}

pub async fn mute_thread<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    root: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO conversation_mutes (account_id, thread_root_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(account_id)
        .bind(root)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn unmute_thread<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    root: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM conversation_mutes WHERE account_id = $1 AND thread_root_id = $2")
        .bind(account_id)
        .bind(root)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn muted_threads<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    roots: &[i64],
) -> sqlx::Result<Vec<i64>> {
    if roots.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT thread_root_id FROM conversation_mutes WHERE account_id = ");
    let a = sql.int(account_id);
    sql.push(&a);
    let list = sql.ints(roots);
    sql.push(&format!(" AND thread_root_id IN ({list})"));
    let rows: Vec<(i64,)> = sql.query_as().fetch_all(db).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
