//! What the instance endpoints count: the domains it knows (`/api/v1/instance/peers`) and
//! its weekly activity (`/api/v1/instance/activity`).

use sqlx::{Any, Executor};

/// The domains of the remote accounts known here, but suspended ones, in order.
pub async fn peers<'e, E: Executor<'e, Database = Any>>(db: E) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT a.domain FROM accounts a WHERE a.domain <> '' \
         AND NOT EXISTS (SELECT 1 FROM domain_blocks b \
                         WHERE b.domain = a.domain AND b.severity = 'suspend') \
         ORDER BY a.domain",
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(d,)| d).collect())
}

/// Counts by week since `start` (week 0 starts at `start`, each `week` long): local posts
/// (boosts aside), sign-ins (distinct local accounts that opened a web session or got a
/// token that week), and local sign-ups. Rows are (week, count); empty weeks are absent.
pub struct Weekly {
    pub statuses: Vec<(i64, i64)>,
    pub logins: Vec<(i64, i64)>,
    pub registrations: Vec<(i64, i64)>,
}

pub async fn weekly<'e, E>(db: E, start: i64, week: i64) -> sqlx::Result<Weekly>
where
    E: Executor<'e, Database = Any> + Copy,
{
    let statuses = sqlx::query_as(
        "SELECT (created_at - $1) / $2 AS w, COUNT(*) FROM statuses \
         WHERE local = 1 AND reblog_of_id IS NULL AND created_at >= $1 GROUP BY w",
    )
    .bind(start)
    .bind(week)
    .fetch_all(db)
    .await?;
    let logins = sqlx::query_as(
        "SELECT w, COUNT(DISTINCT account_id) FROM ( \
           SELECT (created_at - $1) / $2 AS w, account_id FROM web_sessions WHERE created_at >= $1 \
           UNION ALL \
           SELECT (created_at - $1) / $2 AS w, account_id FROM oauth_tokens \
           WHERE created_at >= $1 AND account_id IS NOT NULL \
         ) s GROUP BY w",
    )
    .bind(start)
    .bind(week)
    .fetch_all(db)
    .await?;
    let registrations = sqlx::query_as(
        "SELECT (created_at - $1) / $2 AS w, COUNT(*) FROM users WHERE created_at >= $1 GROUP BY w",
    )
    .bind(start)
    .bind(week)
    .fetch_all(db)
    .await?;
    Ok(Weekly {
        statuses,
        logins,
        registrations,
    })
}
