//! The social graph: follows, follow requests, blocks, mutes.

use sqlx::{Any, Executor, FromRow};

use super::accounts::AccountRow;
use super::query::Sql;
use crate::paging::Page;

/// The relation tables that share the (id, account_id, target_account_id) shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Follow,
    FollowRequest,
    Block,
    Mute,
}

impl Relation {
    fn table(self) -> &'static str {
        match self {
            Relation::Follow => "follows",
            Relation::FollowRequest => "follow_requests",
            Relation::Block => "blocks",
            Relation::Mute => "mutes",
        }
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct FollowRow {
    pub id: i64,
    pub account_id: i64,
    pub target_account_id: i64,
    pub show_reblogs: i64,
    pub notify: i64,
}

pub async fn exists<'e, E: Executor<'e, Database = Any>>(
    db: E,
    rel: Relation,
    account_id: i64,
    target: i64,
) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = sqlx::query_as(&format!(
        "SELECT id FROM {} WHERE account_id = $1 AND target_account_id = $2",
        rel.table()
    ))
    .bind(account_id)
    .bind(target)
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}

/// Removes a relation; returns whether there was one.
pub async fn remove<'e, E: Executor<'e, Database = Any>>(
    db: E,
    rel: Relation,
    account_id: i64,
    target: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(&format!(
        "DELETE FROM {} WHERE account_id = $1 AND target_account_id = $2",
        rel.table()
    ))
    .bind(account_id)
    .bind(target)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn follow_row<'e, E: Executor<'e, Database = Any>>(
    db: E,
    rel: Relation,
    account_id: i64,
    target: i64,
) -> sqlx::Result<Option<FollowRow>> {
    sqlx::query_as(&format!(
        "SELECT id, account_id, target_account_id, show_reblogs, notify FROM {} WHERE account_id = $1 AND target_account_id = $2",
        rel.table()
    ))
    .bind(account_id)
    .bind(target)
    .fetch_optional(db)
    .await
}

/// Inserts a follow or follow request, or updates its options when it exists.
/// Returns true when a new row was made.
#[allow(clippy::too_many_arguments)] // one bound value per column or filter
pub async fn upsert_follow<'e, E: Executor<'e, Database = Any>>(
    db: E,
    rel: Relation,
    id: i64,
    account_id: i64,
    target: i64,
    show_reblogs: bool,
    notify: bool,
    now: i64,
) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = sqlx::query_as(&format!(
        "INSERT INTO {} (id, account_id, target_account_id, show_reblogs, notify, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (account_id, target_account_id) DO UPDATE SET show_reblogs = $4, notify = $5 RETURNING id",
        rel.table()
    ))
    .bind(id)
    .bind(account_id)
    .bind(target)
    .bind(super::flag(show_reblogs))
    .bind(super::flag(notify))
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.is_some_and(|(got,)| got == id))
}

pub async fn insert_block<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    account_id: i64,
    target: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO blocks (id, account_id, target_account_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, target_account_id) DO NOTHING",
    )
    .bind(id)
    .bind(account_id)
    .bind(target)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn upsert_mute<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    account_id: i64,
    target: i64,
    notifications: bool,
    expires_at: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO mutes (id, account_id, target_account_id, notifications, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (account_id, target_account_id) DO UPDATE SET notifications = $4, expires_at = $5",
    )
    .bind(id)
    .bind(account_id)
    .bind(target)
    .bind(super::flag(notifications))
    .bind(expires_at)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// What the viewer's relationship with each target is, in one pass per relation.
#[derive(Debug, Clone, Default)]
pub struct RelationshipRow {
    pub following: Option<FollowRow>,
    pub followed_by: bool,
    pub requested: bool,
    pub requested_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: Option<(bool, Option<i64>)>,
    /// The viewer blocks the target's whole domain.
    pub domain_blocking: bool,
}

pub async fn relationship<'e, E>(
    db: E,
    viewer: i64,
    target: i64,
    now: i64,
) -> sqlx::Result<RelationshipRow>
where
    E: Executor<'e, Database = Any> + Copy,
{
    let muting: Option<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT notifications, expires_at FROM mutes WHERE account_id = $1 AND target_account_id = $2 AND (expires_at IS NULL OR expires_at > $3)",
    )
    .bind(viewer)
    .bind(target)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(RelationshipRow {
        following: follow_row(db, Relation::Follow, viewer, target).await?,
        followed_by: exists(db, Relation::Follow, target, viewer).await?,
        requested: exists(db, Relation::FollowRequest, viewer, target).await?,
        requested_by: exists(db, Relation::FollowRequest, target, viewer).await?,
        blocking: exists(db, Relation::Block, viewer, target).await?,
        blocked_by: exists(db, Relation::Block, target, viewer).await?,
        muting: muting.map(|(n, e)| (n != 0, e)),
        domain_blocking: sqlx::query_as::<_, (i64,)>(
            "SELECT adb.id FROM account_domain_blocks adb JOIN accounts a ON a.domain = adb.domain \
             WHERE adb.account_id = $1 AND a.id = $2",
        )
        .bind(viewer)
        .bind(target)
        .fetch_optional(db)
        .await?
        .is_some(),
    })
}

/// Accounts on one side of a relation, newest relation first, paged by the relation row id
/// (as Mastodon: the `Link` cursors are the relation's ids, not the accounts').
/// `incoming` lists who points at `account_id` (followers, requesters); otherwise whom it points at.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    db: E,
    rel: Relation,
    account_id: i64,
    incoming: bool,
    page: &Page,
    now: i64,
) -> sqlx::Result<Vec<(i64, AccountRow, Option<i64>)>> {
    let (mine, theirs) = if incoming {
        ("target_account_id", "account_id")
    } else {
        ("account_id", "target_account_id")
    };
    let expires = if rel == Relation::Mute {
        "r.expires_at"
    } else {
        "NULL"
    };
    let mut sql = Sql::new(&format!(
        "SELECT r.id AS rel_id, {expires} AS expires_at, a.* FROM {table} r JOIN accounts a ON a.id = r.{theirs} \
         WHERE r.{mine} = ",
        table = rel.table()
    ));
    let a = sql.int(account_id);
    sql.push(&a);
    if rel == Relation::Mute {
        let n = sql.int(now);
        sql.push(&format!(
            " AND (r.expires_at IS NULL OR r.expires_at > {n})"
        ));
    }
    super::paging::bound(&mut sql, "r.id", page);
    let rows = sqlx::query_with(sql.sql(), sql.arguments())
        .fetch_all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        use sqlx::Row;
        let rel_id: i64 = row.try_get("rel_id")?;
        let expires_at: Option<i64> = row.try_get("expires_at")?;
        out.push((rel_id, AccountRow::from_row(&row)?, expires_at));
    }
    Ok(super::paging::newest_first(out, page))
}

/// Followers who asked to be notified of the account's posts (`notify`).
pub async fn notified_followers<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT account_id FROM follows WHERE target_account_id = $1 AND notify = 1",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Every follow the account makes, as (follower, followed) pairs.
pub async fn follows_made_by<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as("SELECT account_id, target_account_id FROM follows WHERE account_id = $1")
        .bind(account_id)
        .fetch_all(db)
        .await
}

/// Every follow of the account, as (follower, followed) pairs.
pub async fn follows_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as("SELECT account_id, target_account_id FROM follows WHERE target_account_id = $1")
        .bind(account_id)
        .fetch_all(db)
        .await
}

/// Local followers of an account (the audience of its posts on this server).
pub async fn local_follower_ids<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<(i64, bool)>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT f.account_id, f.show_reblogs FROM follows f JOIN accounts a ON a.id = f.account_id \
         WHERE f.target_account_id = $1 AND a.domain = ''",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id, r)| (id, r != 0)).collect())
}

/// Accounts followed by `viewer` that also follow `target`.
pub async fn familiar_followers<'e, E: Executor<'e, Database = Any>>(
    db: E,
    viewer: i64,
    target: i64,
) -> sqlx::Result<Vec<AccountRow>> {
    sqlx::query_as(
        "SELECT a.* FROM accounts a WHERE a.id IN (SELECT f1.target_account_id FROM follows f1 WHERE f1.account_id = $1) \
         AND a.id IN (SELECT f2.account_id FROM follows f2 WHERE f2.target_account_id = $2) ORDER BY a.id LIMIT 40",
    )
    .bind(viewer)
    .bind(target)
    .fetch_all(db)
    .await
}
