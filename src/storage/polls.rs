//! polls, poll_voters and poll_votes.

use sqlx::{Any, Executor, FromRow};

use super::query::Sql;

#[derive(Debug, Clone, FromRow)]
pub struct PollRow {
    pub id: i64,
    pub status_id: i64,
    pub account_id: i64,
    /// JSON array of option titles.
    pub options: String,
    pub multiple: i64,
    pub hide_totals: i64,
    pub expires_at: Option<i64>,
    pub closed: i64,
    pub created_at: i64,
}

impl PollRow {
    pub fn titles(&self) -> Vec<String> {
        serde_json::from_str(&self.options).unwrap_or_default()
    }

    pub fn expired(&self, now: i64) -> bool {
        self.closed != 0 || self.expires_at.is_some_and(|at| at <= now)
    }
}

const COLUMNS: &str =
    "id, status_id, account_id, options, multiple, hide_totals, expires_at, closed, created_at";

pub async fn insert<'e, E: Executor<'e, Database = Any>>(db: E, p: &PollRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO polls (id, status_id, account_id, options, multiple, hide_totals, expires_at, closed, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(p.id)
    .bind(p.status_id)
    .bind(p.account_id)
    .bind(&p.options)
    .bind(p.multiple)
    .bind(p.hide_totals)
    .bind(p.expires_at)
    .bind(p.closed)
    .bind(p.created_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn by_id<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<PollRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM polls WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn of_statuses<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_ids: &[i64],
) -> sqlx::Result<Vec<PollRow>> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM polls WHERE status_id IN ("));
    let list = sql.ints(status_ids);
    sql.push(&list);
    sql.push(")");
    sql.query_as().fetch_all(db).await
}

/// (poll id, choice, votes) for these polls.
pub async fn tallies<'e, E: Executor<'e, Database = Any>>(
    db: E,
    poll_ids: &[i64],
) -> sqlx::Result<Vec<(i64, i64, i64)>> {
    let mut sql = Sql::new("SELECT poll_id, choice, COUNT(*) FROM poll_votes WHERE poll_id IN (");
    let list = sql.ints(poll_ids);
    sql.push(&list);
    sql.push(") GROUP BY poll_id, choice");
    sql.query_as().fetch_all(db).await
}

/// (poll id, voters) for these polls.
pub async fn voter_counts<'e, E: Executor<'e, Database = Any>>(
    db: E,
    poll_ids: &[i64],
) -> sqlx::Result<Vec<(i64, i64)>> {
    let mut sql = Sql::new("SELECT poll_id, COUNT(*) FROM poll_voters WHERE poll_id IN (");
    let list = sql.ints(poll_ids);
    sql.push(&list);
    sql.push(") GROUP BY poll_id");
    sql.query_as().fetch_all(db).await
}

/// (poll id, choice) of one account's votes in these polls.
pub async fn votes_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    poll_ids: &[i64],
) -> sqlx::Result<Vec<(i64, i64)>> {
    let mut sql = Sql::new("SELECT poll_id, choice FROM poll_votes WHERE account_id = ");
    let a = sql.int(account_id);
    sql.push(&a);
    let list = sql.ints(poll_ids);
    sql.push(&format!(
        " AND poll_id IN ({list}) ORDER BY poll_id, choice"
    ));
    sql.query_as().fetch_all(db).await
}

/// Records that `account_id` voted; fails with a unique violation on a second vote.
pub async fn insert_voter<'e, E: Executor<'e, Database = Any>>(
    db: E,
    poll_id: i64,
    account_id: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO poll_voters (poll_id, account_id, created_at) VALUES ($1, $2, $3)")
        .bind(poll_id)
        .bind(account_id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn insert_vote<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    poll_id: i64,
    account_id: i64,
    choice: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO poll_votes (id, poll_id, account_id, choice, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(poll_id)
    .bind(account_id)
    .bind(choice)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// The accounts that voted in a poll.
pub async fn voters<'e, E: Executor<'e, Database = Any>>(
    db: E,
    poll_id: i64,
) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64,)> =
        sqlx::query_as("SELECT account_id FROM poll_voters WHERE poll_id = $1 ORDER BY account_id")
            .bind(poll_id)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Marks a poll closed; returns false when it already was (the close runs once).
pub async fn close<'e, E: Executor<'e, Database = Any>>(db: E, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE polls SET closed = 1 WHERE id = $1 AND closed = 0")
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a status's poll with its votes.
pub async fn delete_for_status(conn: &mut sqlx::AnyConnection, status_id: i64) -> sqlx::Result<()> {
    for table in ["poll_votes", "poll_voters", "remote_polls"] {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE poll_id IN (SELECT id FROM polls WHERE status_id = $1)"
        ))
        .bind(status_id)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("DELETE FROM polls WHERE status_id = $1")
        .bind(status_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
