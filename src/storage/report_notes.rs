//! Moderators' internal notes on reports (migration 0044).

use sqlx::{Any, Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct ReportNoteRow {
    pub id: i64,
    pub report_id: i64,
    pub account_id: i64,
    pub content: String,
    pub created_at: i64,
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    n: &ReportNoteRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO report_notes (id, report_id, account_id, content, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(n.id)
    .bind(n.report_id)
    .bind(n.account_id)
    .bind(&n.content)
    .bind(n.created_at)
    .execute(db)
    .await?;
    Ok(())
}

/// A report's notes, oldest first (they read as a conversation).
pub async fn of_report<'e, E: Executor<'e, Database = Any>>(
    db: E,
    report_id: i64,
) -> sqlx::Result<Vec<ReportNoteRow>> {
    sqlx::query_as(
        "SELECT id, report_id, account_id, content, created_at FROM report_notes \
         WHERE report_id = $1 ORDER BY id",
    )
    .bind(report_id)
    .fetch_all(db)
    .await
}

pub async fn by_id<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<ReportNoteRow>> {
    sqlx::query_as(
        "SELECT id, report_id, account_id, content, created_at FROM report_notes WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn delete<'e, E: Executor<'e, Database = Any>>(db: E, id: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM report_notes WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}
