//! conversations: one row per participant and direct-message thread.

use sqlx::{Any, AnyConnection, Executor, FromRow};

use super::query::Sql;
use crate::paging::Page;

#[derive(Debug, Clone, FromRow)]
pub struct ConversationRow {
    pub id: i64,
    pub account_id: i64,
    pub thread_root_id: i64,
    pub participant_ids: String,
    pub last_status_id: i64,
    pub unread: i64,
    pub updated_at: i64,
}

impl ConversationRow {
    pub fn participants(&self) -> Vec<i64> {
        self.participant_ids
            .split(',')
            .filter_map(|s| s.parse().ok())
            .collect()
    }
}

const COLUMNS: &str =
    "id, account_id, thread_root_id, participant_ids, last_status_id, unread, updated_at";

/// Records a new direct status in `account_id`'s conversation for its thread; returns the
/// conversation's id.
#[allow(clippy::too_many_arguments)] // one bound value per column
pub async fn upsert(
    conn: &mut AnyConnection,
    id: i64,
    account_id: i64,
    thread_root_id: i64,
    participants: &[i64],
    last_status_id: i64,
    unread: bool,
    now: i64,
) -> sqlx::Result<i64> {
    let mut others: Vec<i64> = participants
        .iter()
        .copied()
        .filter(|p| *p != account_id)
        .collect();
    others.sort_unstable();
    others.dedup();
    let list = others
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO conversations (id, account_id, thread_root_id, participant_ids, last_status_id, unread, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (account_id, thread_root_id) DO UPDATE SET participant_ids = excluded.participant_ids, \
         last_status_id = excluded.last_status_id, unread = excluded.unread, updated_at = excluded.updated_at \
         RETURNING id",
    )
    .bind(id)
    .bind(account_id)
    .bind(thread_root_id)
    .bind(list)
    .bind(last_status_id)
    .bind(super::flag(unread))
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// An account's conversations, most recent message first, paged by that message's id.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    c: &Page,
) -> sqlx::Result<Vec<ConversationRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM conversations WHERE account_id = "
    ));
    let a = sql.int(account_id);
    sql.push(&a);
    super::paging::bound(&mut sql, "last_status_id", c);
    let rows: Vec<ConversationRow> = sql.query_as().fetch_all(db).await?;
    Ok(super::paging::newest_first(rows, c))
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    id: i64,
) -> sqlx::Result<Option<ConversationRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM conversations WHERE id = $1 AND account_id = $2"
    ))
    .bind(id)
    .bind(account_id)
    .fetch_optional(db)
    .await
}

/// Removes one of the account's conversations; false when there was none.
pub async fn delete<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    id: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM conversations WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(r.rows_affected() > 0)
}

pub async fn set_unread<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    id: i64,
    unread: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE conversations SET unread = $3 WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(account_id)
        .bind(super::flag(unread))
        .execute(db)
        .await?;
    Ok(())
}

/// After a direct status was deleted: conversations it ended fall back to the participant's
/// previous direct status in the thread, or go when there is none.
pub async fn forget_status(conn: &mut AnyConnection, status_id: i64) -> sqlx::Result<()> {
    let latest = |c: &str| {
        format!(
            "SELECT MAX(s.id) FROM statuses s WHERE s.thread_root_id = {c}.thread_root_id \
             AND s.visibility = 'direct' AND (s.account_id = {c}.account_id OR EXISTS \
             (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = {c}.account_id))"
        )
    };
    sqlx::query(&format!(
        "DELETE FROM conversations WHERE last_status_id = $1 AND ({}) IS NULL",
        latest("conversations")
    ))
    .bind(status_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(&format!(
        "UPDATE conversations SET last_status_id = ({}) WHERE last_status_id = $1",
        latest("conversations")
    ))
    .bind(status_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
