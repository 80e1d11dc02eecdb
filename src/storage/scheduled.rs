//! scheduled_statuses: statuses waiting for their time, with their parameters as JSON.

use sqlx::{Any, Executor, FromRow};

use super::query::Sql;
use crate::paging::Page;

#[derive(Debug, Clone, FromRow)]
pub struct ScheduledRow {
    pub id: i64,
    pub account_id: i64,
    pub application_id: Option<i64>,
    pub scheduled_at: i64,
    pub params: String,
    pub created_at: i64,
}

const COLUMNS: &str = "id, account_id, application_id, scheduled_at, params, created_at";

pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    s: &ScheduledRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO scheduled_statuses (id, account_id, application_id, scheduled_at, params, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(s.id)
    .bind(s.account_id)
    .bind(s.application_id)
    .bind(s.scheduled_at)
    .bind(&s.params)
    .bind(s.created_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn by_id<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<ScheduledRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM scheduled_statuses WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// One account's scheduled statuses, newest id first (paged by id).
pub async fn of_account<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    c: &Page,
) -> sqlx::Result<Vec<ScheduledRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM scheduled_statuses WHERE account_id = "
    ));
    let a = sql.int(account_id);
    sql.push(&a);
    super::paging::bound(&mut sql, "id", c);
    let rows: Vec<ScheduledRow> = sql.query_as().fetch_all(db).await?;
    Ok(super::paging::newest_first(rows, c))
}

pub async fn count_of_account<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<i64> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM scheduled_statuses WHERE account_id = $1")
            .bind(account_id)
            .fetch_one(db)
            .await?;
    Ok(n)
}

pub async fn set_time<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    scheduled_at: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE scheduled_statuses SET scheduled_at = $1 WHERE id = $2")
        .bind(scheduled_at)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes the row; returns false when it was already gone (published or cancelled).
pub async fn delete<'e, E: Executor<'e, Database = Any>>(db: E, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM scheduled_statuses WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}
