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
    /// The group a favourite, boost or follow belongs to (NULL: ungrouped).
    pub group_key: Option<String>,
}

const COLUMNS: &str =
    "n.id, n.account_id, n.from_account_id, n.type, n.status_id, n.created_at, n.strike_id, \
     n.group_key";

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

/// Records an ungrouped, unfiltered notification once; true when it is new.
pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    account_id: i64,
    from: i64,
    kind: &str,
    status_id: Option<i64>,
    now: i64,
) -> sqlx::Result<bool> {
    insert_new(
        db,
        &NewNotification {
            id,
            account_id,
            from,
            kind,
            status_id,
            group_key: None,
            filtered: false,
            now,
        },
    )
    .await
}

/// A notification to record.
#[derive(Debug, Clone, Copy)]
pub struct NewNotification<'a> {
    pub id: i64,
    pub account_id: i64,
    pub from: i64,
    pub kind: &'a str,
    pub status_id: Option<i64>,
    pub group_key: Option<&'a str>,
    pub filtered: bool,
    pub now: i64,
}

/// Records a notification once (a repeated favourite does not notify twice); true when it
/// is new.
pub async fn insert_new<'e, E: Executor<'e, Database = Any>>(
    db: E,
    n: &NewNotification<'_>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO notifications (id, account_id, from_account_id, type, status_id, created_at, group_key, filtered) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(n.id)
    .bind(n.account_id)
    .bind(n.from)
    .bind(n.kind)
    .bind(n.status_id)
    .bind(n.now)
    .bind(n.group_key)
    .bind(super::flag(n.filtered))
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The newest group key starting with `prefix` among the account's notifications created
/// since `since`: the group a new favourite, boost or follow may join.
pub async fn latest_group_key<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    prefix: &str,
    since: i64,
) -> sqlx::Result<Option<String>> {
    // The prefix is built from a type name and ids, so it holds no LIKE wildcard.
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT group_key FROM notifications WHERE account_id = $1 AND group_key LIKE $2 \
         AND created_at >= $3 ORDER BY id DESC LIMIT 1",
    )
    .bind(account_id)
    .bind(format!("{prefix}%"))
    .bind(since)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| r.0))
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
/// from silenced ones the viewer does not follow (as Mastodon does), and none the policy
/// filtered unless `include_filtered`.
pub struct Selection<'a> {
    pub account_id: i64,
    pub types: &'a [String],
    pub exclude: &'a [String],
    pub from_account: Option<i64>,
    pub include_filtered: bool,
    pub now: i64,
}

fn select(sql: &mut Sql, s: &Selection<'_>) {
    let a = sql.int(s.account_id);
    sql.push(&format!(" WHERE n.account_id = {a}"));
    conditions(sql, s, "n", &a);
}

/// The selection's conditions (` AND …`) on the notification aliased `t` whose recipient is
/// the bound placeholder `a`; used for the listed rows and again inside the group queries so a
/// group counts only what the list would show.
fn conditions(sql: &mut Sql, s: &Selection<'_>, t: &str, a: &str) {
    if !s.types.is_empty() {
        let list = s
            .types
            .iter()
            .map(|ty| sql.text(ty))
            .collect::<Vec<_>>()
            .join(", ");
        sql.push(&format!(" AND {t}.type IN ({list})"));
    }
    if !s.exclude.is_empty() {
        let list = s
            .exclude
            .iter()
            .map(|ty| sql.text(ty))
            .collect::<Vec<_>>()
            .join(", ");
        sql.push(&format!(" AND {t}.type NOT IN ({list})"));
    }
    if let Some(from) = s.from_account {
        let f = sql.int(from);
        sql.push(&format!(" AND {t}.from_account_id = {f}"));
    }
    if !s.include_filtered {
        sql.push(&format!(" AND {t}.filtered = 0"));
    }
    let n = sql.int(s.now);
    let from = format!("{t}.from_account_id");
    sql.push(&format!(
        " AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = {a} AND mu.target_account_id = {from} \
           AND mu.notifications = 1 AND (mu.expires_at IS NULL OR mu.expires_at > {n})) \
          AND NOT EXISTS (SELECT 1 FROM blocks bl WHERE bl.account_id = {a} AND bl.target_account_id = {from}) \
          AND {} AND {}",
        super::statuses::not_sanctioned(&from, a),
        super::account_domain_blocks::not_blocked(&from, a)
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

/// Appends the condition that keeps only the notification that stands for its group in a
/// page: the newest of its group within the page's bounds (the oldest when paging up from
/// `min_id`), as Mastodon's grouped pages. `grouped` lists the types grouped in this request;
/// others are each their own group.
fn group_head(sql: &mut Sql, s: &Selection<'_>, grouped: &[&str], page: &Page, a: &str) {
    if grouped.is_empty() {
        return;
    }
    let list = grouped
        .iter()
        .map(|t| sql.text(t))
        .collect::<Vec<_>>()
        .join(", ");
    let beyond = if page.ascending() { "<" } else { ">" };
    sql.push(&format!(
        " AND (n.group_key IS NULL OR n.type NOT IN ({list}) OR NOT EXISTS (SELECT 1 FROM notifications m \
           WHERE m.account_id = {a} AND m.group_key = n.group_key AND m.id {beyond} n.id"
    ));
    super::paging::bounds(sql, "m.id", page);
    conditions(sql, s, "m", a);
    sql.push("))");
}

fn group_heads_sql(s: &Selection<'_>, grouped: &[&str], page: &Page) -> Sql {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM notifications n"));
    let a = sql.int(s.account_id);
    sql.push(&format!(" WHERE n.account_id = {a}"));
    conditions(&mut sql, s, "n", &a);
    super::paging::bounds(&mut sql, "n.id", page);
    group_head(&mut sql, s, grouped, page, &a);
    super::paging::order_limit(&mut sql, "n.id", page);
    sql
}

/// One page of notification groups: the notification that stands for each group, newest
/// first. The grouping is done by the database through the group-key index, one row per
/// group, however many notifications a group holds.
pub async fn group_heads<'e, E: Executor<'e, Database = Any>>(
    db: E,
    s: &Selection<'_>,
    grouped: &[&str],
    page: &Page,
) -> sqlx::Result<Vec<NotificationRow>> {
    let sql = group_heads_sql(s, grouped, page);
    let rows: Vec<NotificationRow> = sql.query_as().fetch_all(db).await?;
    Ok(super::paging::newest_first(rows, page))
}

/// How many groups the selection shows after `after` (the read marker), up to `cap`.
pub async fn count_groups_after<'e, E: Executor<'e, Database = Any>>(
    db: E,
    s: &Selection<'_>,
    grouped: &[&str],
    after: i64,
    cap: i64,
) -> sqlx::Result<i64> {
    let page = Page {
        max_id: None,
        since_id: None,
        min_id: Some(after),
        limit: cap,
    };
    let mut sql = group_heads_sql(s, grouped, &page);
    sql.wrap("SELECT COUNT(*) FROM (", ") x");
    let (n,): (i64,) = sql.query_as().fetch_one(db).await?;
    Ok(n)
}

/// What a page says of one group: how many notifications it holds up to the page's newest,
/// the newest of them, the oldest within the page and when the newest came.
#[derive(Debug, Clone, FromRow)]
pub struct GroupStats {
    pub group_key: String,
    pub count: i64,
    pub most_recent_id: i64,
    pub page_min_id: Option<i64>,
    pub latest_at: i64,
}

fn in_groups(sql: &mut Sql, s: &Selection<'_>, keys: &[String], end: Option<i64>) {
    let a = sql.int(s.account_id);
    let list = keys
        .iter()
        .map(|k| sql.text(k))
        .collect::<Vec<_>>()
        .join(", ");
    sql.push(&format!(
        " WHERE n.account_id = {a} AND n.group_key IN ({list})"
    ));
    if let Some(end) = end {
        let e = sql.int(end);
        sql.push(&format!(" AND n.id <= {e}"));
    }
    conditions(sql, s, "n", &a);
}

/// The stats of the groups `keys` (one query for a page), counting up to `end` and finding
/// each group's oldest at or after `start`.
pub async fn group_stats<'e, E: Executor<'e, Database = Any>>(
    db: E,
    s: &Selection<'_>,
    keys: &[String],
    start: i64,
    end: Option<i64>,
) -> sqlx::Result<Vec<GroupStats>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("");
    let st = sql.int(start);
    sql.push(&format!(
        "SELECT n.group_key, COUNT(*) AS count, MAX(n.id) AS most_recent_id, \
         MIN(CASE WHEN n.id >= {st} THEN n.id END) AS page_min_id, MAX(n.created_at) AS latest_at \
         FROM notifications n"
    ));
    in_groups(&mut sql, s, keys, end);
    sql.push(" GROUP BY n.group_key");
    sql.query_as().fetch_all(db).await
}

/// The accounts behind the newest `per_group` notifications of each group `keys` up to
/// `end`: (group key, account id), newest first within a group.
pub async fn group_samples<'e, E: Executor<'e, Database = Any>>(
    db: E,
    s: &Selection<'_>,
    keys: &[String],
    end: Option<i64>,
    per_group: i64,
) -> sqlx::Result<Vec<(String, i64)>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT x.group_key, x.from_account_id FROM (SELECT n.group_key, n.from_account_id, n.id, \
         ROW_NUMBER() OVER (PARTITION BY n.group_key ORDER BY n.id DESC) AS rn FROM notifications n",
    );
    in_groups(&mut sql, s, keys, end);
    let cap = sql.int(per_group);
    sql.push(&format!(
        ") x WHERE x.rn <= {cap} ORDER BY x.group_key, x.id DESC"
    ));
    sql.query_as().fetch_all(db).await
}

/// The notifications of one group (`ungrouped-ID` is that one notification) the selection
/// shows, paged by notification id.
pub async fn in_group<'e, E: Executor<'e, Database = Any>>(
    db: E,
    s: &Selection<'_>,
    group_key: &str,
    page: &Page,
) -> sqlx::Result<Vec<NotificationRow>> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM notifications n"));
    let a = sql.int(s.account_id);
    sql.push(&format!(" WHERE n.account_id = {a}"));
    match ungrouped_id(group_key) {
        Some(id) => {
            let i = sql.int(id);
            sql.push(&format!(" AND n.id = {i}"));
        }
        None => {
            let k = sql.text(group_key);
            sql.push(&format!(" AND n.group_key = {k}"));
        }
    }
    conditions(&mut sql, s, "n", &a);
    super::paging::bound(&mut sql, "n.id", page);
    let rows: Vec<NotificationRow> = sql.query_as().fetch_all(db).await?;
    Ok(super::paging::newest_first(rows, page))
}

/// The id in an `ungrouped-ID` key.
pub fn ungrouped_id(group_key: &str) -> Option<i64> {
    group_key.strip_prefix("ungrouped-")?.parse().ok()
}

/// Dismisses every notification of a group; false when the account had none in it.
pub async fn dismiss_group<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    group_key: &str,
) -> sqlx::Result<bool> {
    let done = match ungrouped_id(group_key) {
        Some(id) => {
            sqlx::query("DELETE FROM notifications WHERE account_id = $1 AND id = $2")
                .bind(account_id)
                .bind(id)
                .execute(db)
                .await?
        }
        None => {
            sqlx::query("DELETE FROM notifications WHERE account_id = $1 AND group_key = $2")
                .bind(account_id)
                .bind(group_key)
                .execute(db)
                .await?
        }
    };
    Ok(done.rows_affected() > 0)
}

/// Lets the filtered notifications from `from` through (its request was accepted).
/// The statuses of `from`'s mentions of `account` that its policy held back.
pub async fn filtered_mentions_from<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    from: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT status_id FROM notifications WHERE account_id = $1 AND from_account_id = $2 \
         AND filtered = 1 AND type = 'mention' AND status_id IS NOT NULL",
    )
    .bind(account_id)
    .bind(from)
    .fetch_all(db)
    .await
}

pub async fn unfilter_from<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    from: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE notifications SET filtered = 0 WHERE account_id = $1 AND from_account_id = $2 AND filtered = 1",
    )
    .bind(account_id)
    .bind(from)
    .execute(db)
    .await?;
    Ok(())
}
