//! account_pins: the accounts an account endorses (features on its profile).

use sqlx::{Any, Executor};

use super::query::Sql;
use crate::paging::Page;

/// Endorses `target`; true when it is new.
pub async fn pin<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    account_id: i64,
    target: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO account_pins (id, account_id, target_account_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(account_id)
    .bind(target)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn unpin<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    target: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM account_pins WHERE account_id = $1 AND target_account_id = $2")
        .bind(account_id)
        .bind(target)
        .execute(db)
        .await?;
    Ok(())
}

/// A page of the accounts `account_id` endorses and still follows, newest endorsement
/// first: (pin id, account id). Suspended accounts are left out.
pub async fn endorsed<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    page: &Page,
) -> sqlx::Result<Vec<(i64, i64)>> {
    let mut sql = Sql::new("SELECT p.id, p.target_account_id FROM account_pins p");
    let a = sql.int(account_id);
    sql.push(&format!(
        " WHERE p.account_id = {a} \
          AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = {a} AND f.target_account_id = p.target_account_id) \
          AND NOT EXISTS (SELECT 1 FROM accounts sus WHERE sus.id = p.target_account_id AND sus.suspended_at IS NOT NULL)"
    ));
    super::paging::bound(&mut sql, "p.id", page);
    let rows: Vec<(i64, i64)> = sql.query_as().fetch_all(db).await?;
    Ok(super::paging::newest_first(rows, page))
}
