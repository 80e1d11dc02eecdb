//! notifications.

use sqlx::{Any, Executor, FromRow};

use super::query::Sql;
use crate::paging::Page;

#[derive(Debug, Clone, FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub account_id: i64,
    pub from_account_id: i64,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub status_id: Option<i64>,
    pub created_at: i64,
    /// The strike a `moderation_warning` tells of.
    pub strike_id: Option<i64>,
}

const COLUMNS: &str =
    "n.id, n.account_id, n.from_account_id, n.type, n.status_id, n.created_at, n.strike_id";

/// A `moderation_warning` notification: the account is told of a strike. As in Mastodon, it
/// comes "from" the account itself (a warning has no originating account to show).
pub async fn insert_warning<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    account_id: i64,
    strike_id: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notifications (id, account_id, from_account_id, type, status_id, created_at, strike_id) \
         VALUES ($1, $2, $2, 'moderation_warning', NULL, $3, $4)",
    )
    .bind(id)
    .bind(account_id)
    .bind(now)
    .bind(strike_id)
    .execute(db)
    .await?;
    Ok(())
}

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

/// Whether `from` may notify `recipient`: only local accounts are notified, and not by an
/// account they block nor by one on a domain they block.
pub async fn may_notify<'e, E: Executor<'e, Database = Any>>(
    db: E,
    recipient: i64,
    from: i64,
) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = sqlx::query_as(&format!(
        "SELECT r.id FROM accounts r WHERE r.id = $1 AND r.domain = '' \
         AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = $1 AND b.target_account_id = $2) \
         AND {}",
        super::account_domain_blocks::not_blocked("$2", "$1")
    ))
    .bind(recipient)
    .bind(from)
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
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

/// What a notification list (or its unread count) shows `account_id`: the types asked for,
/// none from muted (with notifications) or blocked accounts, none from suspended accounts, nor
/// from silenced ones the viewer does not follow (as Mastodon does).
pub struct Selection<'a> {
    pub account_id: i64,
    pub types: &'a [String],
    pub exclude: &'a [String],
    pub from_account: Option<i64>,
    pub now: i64,
}

fn select(sql: &mut Sql, s: &Selection<'_>) {
    let a = sql.int(s.account_id);
    sql.push(&format!(" WHERE n.account_id = {a}"));
    if !s.types.is_empty() {
        let list = s
            .types
            .iter()
            .map(|t| sql.text(t))
            .collect::<Vec<_>>()
            .join(", ");
        sql.push(&format!(" AND n.type IN ({list})"));
    }
    if !s.exclude.is_empty() {
        let list = s
            .exclude
            .iter()
            .map(|t| sql.text(t))
            .collect::<Vec<_>>()
            .join(", ");
        sql.push(&format!(" AND n.type NOT IN ({list})"));
    }
    if let Some(from) = s.from_account {
        let f = sql.int(from);
        sql.push(&format!(" AND n.from_account_id = {f}"));
    }
    let n = sql.int(s.now);
    sql.push(&format!(
        " AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = {a} AND mu.target_account_id = n.from_account_id \
           AND mu.notifications = 1 AND (mu.expires_at IS NULL OR mu.expires_at > {n})) \
          AND NOT EXISTS (SELECT 1 FROM blocks bl WHERE bl.account_id = {a} AND bl.target_account_id = n.from_account_id) \
          AND {} AND {}",
        super::statuses::not_sanctioned("n.from_account_id", &a),
        super::account_domain_blocks::not_blocked("n.from_account_id", &a)
    ));
}

pub async fn list<'e, E: Executor<'e, Database = Any>>(
    db: E,
    s: &Selection<'_>,
    c: &Page,
) -> sqlx::Result<Vec<NotificationRow>> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM notifications n"));
    select(&mut sql, s);
    super::paging::bound(&mut sql, "n.id", c);
    let rows: Vec<NotificationRow> = sql.query_as().fetch_all(db).await?;
    Ok(super::paging::newest_first(rows, c))
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

/// How many notifications the selection shows after `after` (the read marker), up to `cap`.
pub async fn count_after<'e, E: Executor<'e, Database = Any>>(
    db: E,
    s: &Selection<'_>,
    after: i64,
    cap: i64,
) -> sqlx::Result<i64> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM (SELECT n.id FROM notifications n");
    select(&mut sql, s);
    let after = sql.int(after);
    let cap = sql.int(cap);
    sql.push(&format!(" AND n.id > {after} LIMIT {cap}) x"));
    let (n,): (i64,) = sql.query_as().fetch_one(db).await?;
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
