//! Finding accounts: the profile directory and follow suggestions (with their dismissals).

use sqlx::{Any, Executor};

use super::query::Sql;

/// Accounts that may be shown to strangers: discoverable, not suspended nor silenced, and a
/// local one only with a confirmed, approved, enabled login (Mastodon's `discoverable`
/// scope). `a` is the accounts alias.
fn listable(a: &str) -> String {
    format!(
        "{a}.discoverable = 1 AND {a}.suspended_at IS NULL AND {a}.silenced_at IS NULL \
         AND ({a}.domain <> '' OR EXISTS (SELECT 1 FROM users u WHERE u.account_id = {a}.id \
              AND u.confirmed_at IS NOT NULL AND u.approved = 1 AND u.disabled = 0))"
    )
}

/// Nothing the viewer blocks, mutes or is blocked by (`v` a bound placeholder, -1 for none).
fn not_excluded_by(a: &str, v: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = {v} AND b.target_account_id = {a}.id) \
           OR (b.account_id = {a}.id AND b.target_account_id = {v})) \
         AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = {v} AND m.target_account_id = {a}.id)"
    )
}

/// Which accounts the directory lists, in what order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectoryOrder {
    /// Most recently posting first (Mastodon's `active`, the default).
    Active,
    /// Newest accounts first.
    New,
}

/// A page of the profile directory: account ids.
pub async fn directory<'e, E: Executor<'e, Database = Any>>(
    db: E,
    viewer: i64,
    local_only: bool,
    order: DirectoryOrder,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    let mut sql = Sql::new("SELECT a.id FROM accounts a WHERE ");
    let v = sql.int(viewer);
    sql.push(&format!(
        "{} AND {}",
        listable("a"),
        not_excluded_by("a", &v)
    ));
    if local_only {
        sql.push(" AND a.domain = ''");
    }
    sql.push(match order {
        // Accounts that never posted last, on both backends.
        DirectoryOrder::Active => " ORDER BY COALESCE(a.last_status_at, 0) DESC, a.id DESC",
        DirectoryOrder::New => " ORDER BY a.id DESC",
    });
    let l = sql.int(limit);
    let o = sql.int(offset);
    sql.push(&format!(" LIMIT {l} OFFSET {o}"));
    let rows: Vec<(i64,)> = sql.query_as().fetch_all(db).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Candidates the viewer does not follow, has not asked to follow, nor dismissed.
fn candidate(a: &str, v: &str) -> String {
    format!(
        "{a}.id <> {v} AND {} AND {} \
         AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.account_id = {v} AND f.target_account_id = {a}.id) \
         AND NOT EXISTS (SELECT 1 FROM follow_requests fr WHERE fr.account_id = {v} AND fr.target_account_id = {a}.id) \
         AND NOT EXISTS (SELECT 1 FROM suggestion_dismissals d WHERE d.account_id = {v} AND d.target_account_id = {a}.id)",
        listable(a),
        not_excluded_by(a, v)
    )
}

/// Accounts followed by those the viewer follows, the most shared first: (id, how many).
pub async fn friends_of_friends<'e, E: Executor<'e, Database = Any>>(
    db: E,
    viewer: i64,
    limit: i64,
) -> sqlx::Result<Vec<(i64, i64)>> {
    let mut sql = Sql::new("SELECT a.id, COUNT(*) AS n FROM follows mine JOIN follows theirs ON theirs.account_id = mine.target_account_id \
         JOIN accounts a ON a.id = theirs.target_account_id WHERE mine.account_id = ");
    let v = sql.int(viewer);
    sql.push(&v);
    sql.push(&format!(" AND {}", candidate("a", &v)));
    let l = sql.int(limit);
    sql.push(&format!(
        " GROUP BY a.id ORDER BY n DESC, a.id DESC LIMIT {l}"
    ));
    sql.query_as().fetch_all(db).await
}

/// The most followed local accounts the viewer could follow.
pub async fn most_followed<'e, E: Executor<'e, Database = Any>>(
    db: E,
    viewer: i64,
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    let mut sql = Sql::new("SELECT a.id FROM accounts a WHERE a.domain = '' AND ");
    let v = sql.int(viewer);
    sql.push(&candidate("a", &v));
    let l = sql.int(limit);
    sql.push(&format!(
        " ORDER BY a.followers_count DESC, a.id DESC LIMIT {l}"
    ));
    let rows: Vec<(i64,)> = sql.query_as().fetch_all(db).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The viewer no longer wants `target` suggested.
pub async fn dismiss<'e, E: Executor<'e, Database = Any>>(
    db: E,
    viewer: i64,
    target: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO suggestion_dismissals (account_id, target_account_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(viewer)
    .bind(target)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}
