//! Quote posts: which status quotes which and in what state, the stamps (quote
//! authorizations) issued for local posts, and who may quote a post.

use sqlx::{Any, AnyConnection, Executor, FromRow};

use super::query::Sql;
use crate::paging::Page;

#[derive(Debug, Clone, FromRow)]
pub struct QuoteRow {
    pub status_id: i64,
    pub account_id: i64,
    pub quoted_status_id: Option<i64>,
    pub quoted_account_id: Option<i64>,
    pub quoted_uri: String,
    pub state: String,
    pub authorization_uri: Option<String>,
    pub request_uri: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "status_id, account_id, quoted_status_id, quoted_account_id, quoted_uri, \
     state, authorization_uri, request_uri, created_at, updated_at";

pub async fn insert(conn: &mut AnyConnection, q: &QuoteRow) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO quotes ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (status_id) DO NOTHING"
    ))
    .bind(q.status_id)
    .bind(q.account_id)
    .bind(q.quoted_status_id)
    .bind(q.quoted_account_id)
    .bind(&q.quoted_uri)
    .bind(&q.state)
    .bind(&q.authorization_uri)
    .bind(&q.request_uri)
    .bind(q.created_at)
    .bind(q.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// What rendering needs about the quotes of each status in `ids`, one row per status (in one
/// query, since every page asks): its own quote if it quotes, its quote policy, its accepted
/// quotes, whether `viewer` follows its author, and its ready link card (so a page's cards
/// cost no query of their own).
#[derive(Debug, Clone, FromRow)]
pub struct QuoteFacts {
    pub id: i64,
    pub policy: Option<String>,
    pub quotes_count: i64,
    pub author_followed: i64,
    pub q_account_id: Option<i64>,
    pub q_quoted_status_id: Option<i64>,
    pub q_quoted_account_id: Option<i64>,
    pub q_quoted_uri: Option<String>,
    pub q_state: Option<String>,
    pub q_authorization_uri: Option<String>,
    pub q_request_uri: Option<String>,
    pub q_created_at: Option<i64>,
    pub q_updated_at: Option<i64>,
    /// The status's link preview card, when it has one that is ready.
    #[sqlx(flatten)]
    pub card: super::cards::LinkedCard,
}

impl QuoteFacts {
    /// The status's own quote, when it quotes.
    pub fn quote(&self) -> Option<QuoteRow> {
        Some(QuoteRow {
            status_id: self.id,
            account_id: self.q_account_id?,
            quoted_status_id: self.q_quoted_status_id,
            quoted_account_id: self.q_quoted_account_id,
            quoted_uri: self.q_quoted_uri.clone()?,
            state: self.q_state.clone()?,
            authorization_uri: self.q_authorization_uri.clone(),
            request_uri: self.q_request_uri.clone(),
            created_at: self.q_created_at?,
            updated_at: self.q_updated_at?,
        })
    }
}

pub async fn facts<'e, E: Executor<'e, Database = Any>>(
    db: E,
    viewer: i64,
    ids: &[i64],
) -> sqlx::Result<Vec<QuoteFacts>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("");
    let v = sql.int(viewer);
    let list = sql.ints(ids);
    sql.push(&format!(
        "SELECT s.id, \
         (SELECT p.policy FROM status_quote_policies p WHERE p.status_id = s.id) AS policy, \
         (SELECT COUNT(*) FROM quotes c WHERE c.quoted_status_id = s.id AND c.state = 'accepted') \
           AS quotes_count, \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM follows f WHERE f.account_id = {v} \
           AND f.target_account_id = s.account_id) THEN 1 ELSE 0 END AS BIGINT) AS author_followed, \
         q.account_id AS q_account_id, q.quoted_status_id AS q_quoted_status_id, \
         q.quoted_account_id AS q_quoted_account_id, q.quoted_uri AS q_quoted_uri, \
         q.state AS q_state, q.authorization_uri AS q_authorization_uri, \
         q.request_uri AS q_request_uri, q.created_at AS q_created_at, \
         q.updated_at AS q_updated_at, {card} \
         FROM statuses s LEFT JOIN quotes q ON q.status_id = s.id \
         LEFT JOIN status_cards sc ON sc.status_id = s.id \
         LEFT JOIN preview_cards c ON c.id = sc.card_id AND c.state = 'ready' \
         WHERE s.id IN ({list})",
        card = super::cards::linked_columns("c"),
    ));
    sql.query_as().fetch_all(db).await
}

pub async fn by_status<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
) -> sqlx::Result<Option<QuoteRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM quotes WHERE status_id = $1"
    ))
    .bind(status_id)
    .fetch_optional(db)
    .await
}

pub async fn by_request<'e, E: Executor<'e, Database = Any>>(
    db: E,
    request_uri: &str,
) -> sqlx::Result<Option<QuoteRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM quotes WHERE request_uri = $1"
    ))
    .bind(request_uri)
    .fetch_optional(db)
    .await
}

pub async fn by_authorization<'e, E: Executor<'e, Database = Any>>(
    db: E,
    uri: &str,
) -> sqlx::Result<Vec<QuoteRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM quotes WHERE authorization_uri = $1"
    ))
    .bind(uri)
    .fetch_all(db)
    .await
}

pub async fn set_state<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
    state: &str,
    authorization_uri: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE quotes SET state = $1, authorization_uri = $2, updated_at = $3 WHERE status_id = $4",
    )
    .bind(state)
    .bind(authorization_uri)
    .bind(now)
    .bind(status_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Quotes waiting for a post that was unknown here when they arrived.
pub async fn link_quoted<'e, E: Executor<'e, Database = Any>>(
    db: E,
    quoted_uri: &str,
    quoted_status_id: i64,
    quoted_account_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE quotes SET quoted_status_id = $1, quoted_account_id = $2 \
         WHERE quoted_uri = $3 AND quoted_status_id IS NULL",
    )
    .bind(quoted_status_id)
    .bind(quoted_account_id)
    .bind(quoted_uri)
    .execute(db)
    .await?;
    Ok(())
}

/// A status is gone: its own quote and policy go with it; quotes of it stay, pointing at
/// nothing (shown as `deleted`); the stamps it issued are withdrawn.
pub async fn on_status_deleted(conn: &mut AnyConnection, status_id: i64) -> sqlx::Result<()> {
    for sql in [
        "DELETE FROM quotes WHERE status_id = $1",
        "UPDATE quotes SET quoted_status_id = NULL WHERE quoted_status_id = $1",
        "DELETE FROM status_quote_policies WHERE status_id = $1",
        "DELETE FROM quote_authorizations WHERE quoted_status_id = $1",
    ] {
        sqlx::query(sql).bind(status_id).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The accepted quotes of a status, newest first, paged on the quoting status's id.
pub async fn quoting<'e, E: Executor<'e, Database = Any>>(
    db: E,
    quoted_status_id: i64,
    page: &Page,
) -> sqlx::Result<Vec<i64>> {
    let mut sql =
        Sql::new("SELECT status_id FROM quotes WHERE state = 'accepted' AND quoted_status_id = ");
    let p = sql.int(quoted_status_id);
    sql.push(&p);
    super::paging::bound(&mut sql, "status_id", page);
    let rows: Vec<(i64,)> = sql.query_as().fetch_all(db).await?;
    Ok(super::paging::newest_first(rows, page)
        .into_iter()
        .map(|(id,)| id)
        .collect())
}

/// Why `viewer` must not see posts of each of `authors`, for those it must not: a block
/// either way, a mute, or a block of the author's domain.
pub async fn hidden_authors<'e, E: Executor<'e, Database = Any>>(
    db: E,
    viewer: i64,
    authors: &[i64],
    now: i64,
) -> sqlx::Result<Vec<(i64, String)>> {
    if authors.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql =
        Sql::new("SELECT a.id, CASE WHEN EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = ");
    let v = sql.int(viewer);
    sql.push(&format!(
        "{v} AND b.target_account_id = a.id) OR (b.account_id = a.id AND b.target_account_id = {v})) \
         THEN 'blocked_account' \
         WHEN EXISTS (SELECT 1 FROM account_domain_blocks d WHERE d.account_id = {v} AND d.domain = a.domain AND a.domain <> '') \
         THEN 'blocked_domain' \
         WHEN EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = {v} AND m.target_account_id = a.id \
           AND (m.expires_at IS NULL OR m.expires_at > "
    ));
    let n = sql.int(now);
    sql.push(&format!(
        "{n})) THEN 'muted_account' ELSE '' END FROM accounts a WHERE a.id IN ("
    ));
    let list = sql.ints(authors);
    sql.push(&list).push(")");
    let rows: Vec<(i64, String)> = sql.query_as().fetch_all(db).await?;
    Ok(rows.into_iter().filter(|(_, s)| !s.is_empty()).collect())
}

/// Which of `authors` `viewer` follows.
pub async fn followed_among<'e, E: Executor<'e, Database = Any>>(
    db: E,
    viewer: i64,
    authors: &[i64],
) -> sqlx::Result<Vec<i64>> {
    if authors.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT target_account_id FROM follows WHERE account_id = ");
    let v = sql.int(viewer);
    sql.push(&v).push(" AND target_account_id IN (");
    let list = sql.ints(authors);
    sql.push(&list).push(")");
    let rows: Vec<(i64,)> = sql.query_as().fetch_all(db).await?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}

// --- policies -----------------------------------------------------------------------------

pub async fn set_policy<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
    policy: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO status_quote_policies (status_id, policy) VALUES ($1, $2) \
         ON CONFLICT (status_id) DO UPDATE SET policy = excluded.policy",
    )
    .bind(status_id)
    .bind(policy)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn policies_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    ids: &[i64],
) -> sqlx::Result<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql =
        Sql::new("SELECT status_id, policy FROM status_quote_policies WHERE status_id IN (");
    let list = sql.ints(ids);
    sql.push(&list).push(")");
    sql.query_as().fetch_all(db).await
}

pub async fn account_default<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT policy FROM account_quote_policies WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(p,)| p))
}

pub async fn set_account_default<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    policy: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO account_quote_policies (account_id, policy) VALUES ($1, $2) \
         ON CONFLICT (account_id) DO UPDATE SET policy = excluded.policy",
    )
    .bind(account_id)
    .bind(policy)
    .execute(db)
    .await?;
    Ok(())
}

// --- stamps -------------------------------------------------------------------------------

#[derive(Debug, Clone, FromRow)]
pub struct StampRow {
    pub id: i64,
    pub quoted_status_id: i64,
    pub quoting_uri: String,
    pub quoting_account_id: i64,
    pub created_at: i64,
}

/// Issues a stamp (or returns the one already issued for this pair).
pub async fn issue_stamp(
    conn: &mut AnyConnection,
    id: i64,
    quoted_status_id: i64,
    quoting_uri: &str,
    quoting_account_id: i64,
    now: i64,
) -> sqlx::Result<i64> {
    sqlx::query(
        "INSERT INTO quote_authorizations (id, quoted_status_id, quoting_uri, quoting_account_id, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (quoted_status_id, quoting_uri) DO NOTHING",
    )
    .bind(id)
    .bind(quoted_status_id)
    .bind(quoting_uri)
    .bind(quoting_account_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let (id,): (i64,) = sqlx::query_as(
        "SELECT id FROM quote_authorizations WHERE quoted_status_id = $1 AND quoting_uri = $2",
    )
    .bind(quoted_status_id)
    .bind(quoting_uri)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn stamp<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<StampRow>> {
    sqlx::query_as(
        "SELECT id, quoted_status_id, quoting_uri, quoting_account_id, created_at \
         FROM quote_authorizations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn stamp_for<'e, E: Executor<'e, Database = Any>>(
    db: E,
    quoted_status_id: i64,
    quoting_uri: &str,
) -> sqlx::Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM quote_authorizations WHERE quoted_status_id = $1 AND quoting_uri = $2",
    )
    .bind(quoted_status_id)
    .bind(quoting_uri)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id,)| id))
}

pub async fn delete_stamp<'e, E: Executor<'e, Database = Any>>(db: E, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM quote_authorizations WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// The accepted quotes of a status written by local accounts: (quoting status, its author).
pub async fn local_quoting<'e, E: Executor<'e, Database = Any>>(
    db: E,
    quoted_status_id: i64,
) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as(
        "SELECT q.status_id, q.account_id FROM quotes q JOIN accounts a ON a.id = q.account_id \
         WHERE q.quoted_status_id = $1 AND q.state = 'accepted' AND a.domain = ''",
    )
    .bind(quoted_status_id)
    .fetch_all(db)
    .await
}
