//! lists and list_accounts.

use sqlx::{Any, AnyConnection, Executor, FromRow};

use super::accounts::AccountRow;
use super::query::Sql;
use crate::paging::Page;

#[derive(Debug, Clone, FromRow)]
pub struct ListRow {
    pub id: i64,
    pub account_id: i64,
    pub title: String,
    pub replies_policy: String,
    pub exclusive: i64,
    pub created_at: i64,
}

const COLUMNS: &str = "id, account_id, title, replies_policy, exclusive, created_at";

pub async fn insert<'e, E: Executor<'e, Database = Any>>(db: E, l: &ListRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO lists (id, account_id, title, replies_policy, exclusive, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(l.id)
    .bind(l.account_id)
    .bind(&l.title)
    .bind(&l.replies_policy)
    .bind(l.exclusive)
    .bind(l.created_at)
    .execute(db)
    .await?;
    Ok(())
}

/// An owner's lists, alphabetically as Mastodon shows them.
pub async fn by_owner<'e, E: Executor<'e, Database = Any>>(
    db: E,
    owner: i64,
) -> sqlx::Result<Vec<ListRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM lists WHERE account_id = $1 ORDER BY LOWER(title), id"
    ))
    .bind(owner)
    .fetch_all(db)
    .await
}

/// One of the owner's lists (another owner's list is not found).
pub async fn get<'e, E: Executor<'e, Database = Any>>(
    db: E,
    owner: i64,
    id: i64,
) -> sqlx::Result<Option<ListRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM lists WHERE id = $1 AND account_id = $2"
    ))
    .bind(id)
    .bind(owner)
    .fetch_optional(db)
    .await
}

pub async fn update<'e, E: Executor<'e, Database = Any>>(db: E, l: &ListRow) -> sqlx::Result<()> {
    sqlx::query("UPDATE lists SET title = $1, replies_policy = $2, exclusive = $3 WHERE id = $4")
        .bind(&l.title)
        .bind(&l.replies_policy)
        .bind(l.exclusive)
        .bind(l.id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM list_accounts WHERE list_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM lists WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn add_account<'e, E: Executor<'e, Database = Any>>(
    db: E,
    list_id: i64,
    account_id: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO list_accounts (list_id, account_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(list_id)
    .bind(account_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn remove_account<'e, E: Executor<'e, Database = Any>>(
    db: E,
    list_id: i64,
    account_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM list_accounts WHERE list_id = $1 AND account_id = $2")
        .bind(list_id)
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Drops an account from every list of `owner` (after an unfollow or a block).
pub async fn remove_from_owner_lists<'e, E: Executor<'e, Database = Any>>(
    db: E,
    owner: i64,
    account_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM list_accounts WHERE account_id = $1 AND list_id IN (SELECT id FROM lists WHERE account_id = $2)",
    )
    .bind(account_id)
    .bind(owner)
    .execute(db)
    .await?;
    Ok(())
}

/// A list's members, paged by account id (`limit` 0 gives them all, as Mastodon).
pub async fn members<'e, E: Executor<'e, Database = Any>>(
    db: E,
    list_id: i64,
    c: &Page,
) -> sqlx::Result<Vec<AccountRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {} FROM accounts a WHERE a.id IN (SELECT account_id FROM list_accounts WHERE list_id = ",
        super::accounts::ACCOUNT_COLUMNS
    ));
    let l = sql.int(list_id);
    sql.push(&l);
    sql.push(")");
    super::paging::bound(&mut sql, "a.id", c);
    let rows: Vec<AccountRow> = sql.query_as().fetch_all(db).await?;
    Ok(super::paging::newest_first(rows, c))
}

/// The lists of `owner` that hold `account_id`.
pub async fn holding<'e, E: Executor<'e, Database = Any>>(
    db: E,
    owner: i64,
    account_id: i64,
) -> sqlx::Result<Vec<ListRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM lists WHERE account_id = $1 AND id IN (SELECT list_id FROM list_accounts WHERE account_id = $2) \
         ORDER BY LOWER(title), id"
    ))
    .bind(owner)
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// Every list (of any owner) that holds `account_id`: (list id, owner).
pub async fn containing<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as(
        "SELECT l.id, l.account_id FROM lists l JOIN list_accounts la ON la.list_id = l.id WHERE la.account_id = $1",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
}
