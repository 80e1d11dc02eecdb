//! notifications.

use sqlx::{Any, Executor, FromRow};

use super::query::Sql;
use super::timelines::Cursor;

#[derive(Debug, Clone, FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub account_id: i64,
    pub from_account_id: i64,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub status_id: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str = "n.id, n.account_id, n.from_account_id, n.type, n.status_id, n.created_at";

/// Records a notification once (a repeated favourite does not notify twice); true when it
/// is new.
pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    account_id: i64,
    from: i64,
    kind: &str,
    status_id: Option<i64>,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO notifications (id, account_id, from_account_id, type, status_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(account_id)
    .bind(from)
    .bind(kind)
    .bind(status_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Removes the notification a since-undone action made (unfavourite, unfollow …).
pub async fn retract<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    from: i64,
    kind: &str,
    status_id: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND type = $3 AND \
         (status_id = $4 OR (status_id IS NULL AND $4 < 0))",
    )
    .bind(account_id)
    .bind(from)
    .bind(kind)
    .bind(status_id.unwrap_or(-1))
    .execute(db)
    .await?;
    Ok(())
}

/// Drops the account's notifications from accounts on `domain` (it has just blocked it).
pub async fn delete_from_domain<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    domain: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM notifications WHERE account_id = $1 AND from_account_id IN \
         (SELECT id FROM accounts WHERE domain = $2)",
    )
    .bind(account_id)
    .bind(domain)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn list<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    types: &[String],
    exclude: &[String],
    from_account: Option<i64>,
    c: &Cursor,
    now: i64,
) -> sqlx::Result<Vec<NotificationRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM notifications n WHERE n.account_id = "
    ));
    let a = sql.int(account_id);
    sql.push(&a);
    if !types.is_empty() {
        let list = types
            .iter()
            .map(|t| sql.text(t))
            .collect::<Vec<_>>()
            .join(", ");
        sql.push(&format!(" AND n.type IN ({list})"));
    }
    if !exclude.is_empty() {
        let list = exclude
            .iter()
            .map(|t| sql.text(t))
            .collect::<Vec<_>>()
            .join(", ");
        sql.push(&format!(" AND n.type NOT IN ({list})"));
    }
    if let Some(from) = from_account {
        let f = sql.int(from);
        sql.push(&format!(" AND n.from_account_id = {f}"));
    }
    // Muted accounts (with their notifications muted) and blocked ones stay quiet.
    let n = sql.int(now);
    sql.push(&format!(
        " AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = {a} AND mu.target_account_id = n.from_account_id \
           AND mu.notifications = 1 AND (mu.expires_at IS NULL OR mu.expires_at > {n})) \
          AND NOT EXISTS (SELECT 1 FROM blocks bl WHERE bl.account_id = {a} AND bl.target_account_id = n.from_account_id) \
          AND {} AND {}",
        super::statuses::not_sanctioned("n.from_account_id", &a),
        super::account_domain_blocks::not_blocked("n.from_account_id", &a)
    ));
    super::timelines::bound(&mut sql, "n.id", c);
    let mut rows: Vec<NotificationRow> = sql.query_as().fetch_all(db).await?;
    if c.min_id.is_some() {
        rows.reverse();
    }
    Ok(rows)
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    id: i64,
) -> sqlx::Result<Option<NotificationRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM notifications n WHERE n.account_id = $1 AND n.id = $2"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn dismiss<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    id: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM notifications WHERE account_id = $1 AND id = $2")
        .bind(account_id)
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn clear<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM notifications WHERE account_id = $1")
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn count_after<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    after: i64,
    cap: i64,
) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM (SELECT id FROM notifications WHERE account_id = $1 AND id > $2 LIMIT $3) x",
    )
    .bind(account_id)
    .bind(after)
    .bind(cap)
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// Whose notification this is.
pub async fn recipient<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<(i64,)>> {
    sqlx::query_as("SELECT account_id FROM notifications WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}
