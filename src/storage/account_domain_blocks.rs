//! A member's own domain blocks: one row per (account, domain), paged by row id.

use sqlx::{Any, Executor};

use super::accounts::AccountRow;
use super::paging::{bound, newest_first};
use super::query::Sql;
use crate::paging::Page;

/// SQL condition: the account `author` is not on a domain the viewer `v` has blocked.
pub fn not_blocked(author: &str, v: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM account_domain_blocks adb JOIN accounts ada ON ada.domain = adb.domain \
           WHERE adb.account_id = {v} AND ada.id = {author})"
    )
}

/// Adds the block; returns true when it is new.
pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    account_id: i64,
    domain: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO account_domain_blocks (id, account_id, domain, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, domain) DO NOTHING",
    )
    .bind(id)
    .bind(account_id)
    .bind(domain)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn remove<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    domain: &str,
) -> sqlx::Result<bool> {
    let done =
        sqlx::query("DELETE FROM account_domain_blocks WHERE account_id = $1 AND domain = $2")
            .bind(account_id)
            .bind(domain)
            .execute(db)
            .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn exists<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    domain: &str,
) -> sqlx::Result<bool> {
    if domain.is_empty() {
        return Ok(false);
    }
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM account_domain_blocks WHERE account_id = $1 AND domain = $2",
    )
    .bind(account_id)
    .bind(domain)
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}

/// (row id, domain), newest first, in Mastodon's paging.
pub async fn page<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    c: &Page,
) -> sqlx::Result<Vec<(i64, String)>> {
    let mut sql = Sql::new("SELECT id, domain FROM account_domain_blocks WHERE account_id = ");
    let a = sql.int(account_id);
    sql.push(&a);
    bound(&mut sql, "id", c);
    let rows: Vec<(i64, String)> = sql.query_as().fetch_all(db).await?;
    Ok(newest_first(rows, c))
}

/// Every blocked domain, alphabetically (the CSV export).
pub async fn all<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT domain FROM account_domain_blocks WHERE account_id = $1 ORDER BY domain",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Accounts on `domain` that `account_id` follows (`incoming` = that follow it), or, with
/// `requests`, the pending follow requests between them.
pub async fn related_on_domain<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    domain: &str,
    incoming: bool,
    requests: bool,
) -> sqlx::Result<Vec<AccountRow>> {
    let table = if requests {
        "follow_requests"
    } else {
        "follows"
    };
    let (mine, theirs) = if incoming {
        ("target_account_id", "account_id")
    } else {
        ("account_id", "target_account_id")
    };
    sqlx::query_as(&format!(
        "SELECT a.* FROM {table} r JOIN accounts a ON a.id = r.{theirs} WHERE r.{mine} = $1 AND a.domain = $2"
    ))
    .bind(account_id)
    .bind(domain)
    .fetch_all(db)
    .await
}
