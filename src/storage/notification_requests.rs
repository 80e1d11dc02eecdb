//! notification_policies, notification_requests, notification_permissions: what an account
//! lets through from strangers (Mastodon 4.3's notification policy), the requests its filter
//! holds back, and the senders it accepted.

use sqlx::{Any, Executor, FromRow};

use super::query::Sql;
use crate::paging::Page;

/// An account's policy: each column is `accept`, `filter` or `drop`.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct PolicyRow {
    pub for_not_following: String,
    pub for_not_followers: String,
    pub for_new_accounts: String,
    pub for_private_mentions: String,
    pub for_limited_accounts: String,
}

pub async fn policy<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Option<PolicyRow>> {
    sqlx::query_as(
        "SELECT for_not_following, for_not_followers, for_new_accounts, for_private_mentions, for_limited_accounts \
         FROM notification_policies WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(db)
    .await
}

pub async fn set_policy<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    p: &PolicyRow,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notification_policies (account_id, for_not_following, for_not_followers, for_new_accounts, \
         for_private_mentions, for_limited_accounts, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (account_id) DO UPDATE SET for_not_following = excluded.for_not_following, \
         for_not_followers = excluded.for_not_followers, for_new_accounts = excluded.for_new_accounts, \
         for_private_mentions = excluded.for_private_mentions, for_limited_accounts = excluded.for_limited_accounts, \
         updated_at = excluded.updated_at",
    )
    .bind(account_id)
    .bind(&p.for_not_following)
    .bind(&p.for_not_followers)
    .bind(&p.for_new_accounts)
    .bind(&p.for_private_mentions)
    .bind(&p.for_limited_accounts)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// What the policy weighs about a sender, from the recipient's side.
#[derive(Debug, Clone, FromRow)]
pub struct SenderFacts {
    /// The recipient follows the sender (1) or not (0).
    pub following: i64,
    /// Since when the sender follows the recipient, if it does.
    pub follower_since: Option<i64>,
    pub sender_created_at: i64,
    pub sender_silenced_at: Option<i64>,
    /// The recipient accepted a request from the sender (1) or not (0).
    pub permitted: i64,
}

pub async fn sender_facts<'e, E: Executor<'e, Database = Any>>(
    db: E,
    recipient: i64,
    sender: i64,
) -> sqlx::Result<Option<SenderFacts>> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM follows f WHERE f.account_id = $1 AND f.target_account_id = $2) AS following, \
         (SELECT MIN(f.created_at) FROM follows f WHERE f.account_id = $2 AND f.target_account_id = $1) AS follower_since, \
         a.created_at AS sender_created_at, a.silenced_at AS sender_silenced_at, \
         (SELECT COUNT(*) FROM notification_permissions p WHERE p.account_id = $1 AND p.from_account_id = $2) AS permitted \
         FROM accounts a WHERE a.id = $2",
    )
    .bind(recipient)
    .bind(sender)
    .fetch_optional(db)
    .await
}

/// Whether status `status_id` is a direct message that does not answer a post of the
/// recipient's mentioning the sender (Mastodon's "private mention not in response").
pub async fn unsolicited_private_mention<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
    recipient: i64,
    sender: i64,
) -> sqlx::Result<bool> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT s.visibility, (SELECT COUNT(*) FROM statuses p JOIN mentions m ON m.status_id = p.id \
         WHERE p.id = s.in_reply_to_id AND p.account_id = $2 AND m.account_id = $3) \
         FROM statuses s WHERE s.id = $1",
    )
    .bind(status_id)
    .bind(recipient)
    .bind(sender)
    .fetch_optional(db)
    .await?;
    Ok(matches!(row, Some((v, 0)) if v == "direct"))
}

/// Opens or refreshes the request of `from` to `account_id` (a filtered mention).
pub async fn touch_request<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    account_id: i64,
    from: i64,
    last_status_id: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notification_requests (id, account_id, from_account_id, last_status_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (account_id, from_account_id) DO UPDATE SET \
         last_status_id = excluded.last_status_id, updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(account_id)
    .bind(from)
    .bind(last_status_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub account_id: i64,
    pub from_account_id: i64,
    pub last_status_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The sender's notifications still held back.
    pub notifications_count: i64,
}

const REQUEST_COLUMNS: &str =
    "r.id, r.account_id, r.from_account_id, r.last_status_id, r.created_at, r.updated_at, \
     (SELECT COUNT(*) FROM notifications n WHERE n.account_id = r.account_id \
      AND n.from_account_id = r.from_account_id AND n.filtered = 1) AS notifications_count";

/// A page of the account's pending requests, newest first. Requests from accounts it blocks
/// or that are suspended are left out.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    page: &Page,
) -> sqlx::Result<Vec<RequestRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {REQUEST_COLUMNS} FROM notification_requests r"
    ));
    let a = sql.int(account_id);
    sql.push(&format!(
        " WHERE r.account_id = {a} AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = {a} \
          AND b.target_account_id = r.from_account_id) \
          AND NOT EXISTS (SELECT 1 FROM accounts sus WHERE sus.id = r.from_account_id AND sus.suspended_at IS NOT NULL)"
    ));
    super::paging::bound(&mut sql, "r.id", page);
    let rows: Vec<RequestRow> = sql.query_as().fetch_all(db).await?;
    Ok(super::paging::newest_first(rows, page))
}

/// The account's requests among `ids` (any order).
pub async fn by_ids<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    ids: &[i64],
) -> sqlx::Result<Vec<RequestRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {REQUEST_COLUMNS} FROM notification_requests r"
    ));
    let a = sql.int(account_id);
    let list = sql.ints(ids);
    sql.push(&format!(" WHERE r.account_id = {a} AND r.id IN ({list})"));
    sql.query_as().fetch_all(db).await
}

pub async fn delete<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM notification_requests WHERE account_id = $1 AND id = $2")
        .bind(account_id)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Lets `from`'s notifications past the account's policy from now on.
pub async fn permit<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    from: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notification_permissions (account_id, from_account_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(account_id)
    .bind(from)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// The policy summary: pending requests and the notifications they hold back.
pub async fn pending<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM notification_requests r WHERE r.account_id = $1), \
         (SELECT COUNT(*) FROM notifications n WHERE n.account_id = $1 AND n.filtered = 1 AND n.from_account_id IN \
          (SELECT r.from_account_id FROM notification_requests r WHERE r.account_id = $1))",
    )
    .bind(account_id)
    .fetch_one(db)
    .await
}
