//! accounts and users.

use super::{Change, WriteTx};
use sqlx::{Any, AnyConnection, Executor, FromRow};

#[derive(Debug, Clone, Default, FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub domain: String,
    pub display_name: String,
    pub note: String,
    pub actor_type: String,
    pub locked: i64,
    pub bot: i64,
    pub discoverable: i64,
    pub fields_json: String,
    pub uri: String,
    pub url: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub statuses_count: i64,
    pub followers_count: i64,
    pub following_count: i64,
    pub last_status_at: Option<i64>,
    /// Moderation sanctions in force (see `storage::moderation`).
    pub suspended_at: Option<i64>,
    pub silenced_at: Option<i64>,
    pub sensitized_at: Option<i64>,
    /// A local account's avatar and header: media-store keys, empty for none.
    pub avatar_file: String,
    pub header_file: String,
    /// A remote account's avatar and header: the URLs of its actor document, empty for none.
    pub avatar_remote_url: String,
    pub header_remote_url: String,
    /// A local account's `noindex` setting (0/1).
    pub noindex: i64,
}

pub(crate) const ACCOUNT_COLUMNS: &str =
    "id, username, domain, display_name, note, actor_type, locked, bot, \
     discoverable, fields_json, uri, url, created_at, updated_at, statuses_count, followers_count, \
     following_count, last_status_at, suspended_at, silenced_at, sensitized_at, avatar_file, header_file, \
     avatar_remote_url, header_remote_url, noindex";

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: i64,
    pub account_id: i64,
    pub email: String,
    pub password_hash: String,
    pub locale: String,
    pub sign_up_reason: String,
    pub confirmed_at: Option<i64>,
    pub approved: i64,
    pub disabled: i64,
    pub created_at: i64,
    pub default_privacy: String,
    pub default_sensitive: i64,
    pub default_language: String,
}

const USER_COLUMNS: &str = "id, account_id, email, password_hash, locale, sign_up_reason, \
     confirmed_at, approved, disabled, created_at, default_privacy, default_sensitive, default_language";

/// `ACCOUNT_COLUMNS` qualified by a table alias (for joins).
pub(crate) fn qualified_account_columns(alias: &str) -> String {
    ACCOUNT_COLUMNS
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `USER_COLUMNS` of table alias `alias`, each renamed with `prefix` (for joins that also read
/// account columns, whose names overlap).
pub(crate) fn prefixed_user_columns(alias: &str, prefix: &str) -> String {
    USER_COLUMNS
        .split(',')
        .map(|c| format!("{alias}.{c} AS {prefix}{c}", c = c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A `UserRow` read from columns renamed by `prefixed_user_columns`.
pub(crate) fn user_from_prefixed(row: &sqlx::any::AnyRow, prefix: &str) -> sqlx::Result<UserRow> {
    use sqlx::Row;
    let col = |c: &str| format!("{prefix}{c}");
    Ok(UserRow {
        id: row.try_get(col("id").as_str())?,
        account_id: row.try_get(col("account_id").as_str())?,
        email: row.try_get(col("email").as_str())?,
        password_hash: row.try_get(col("password_hash").as_str())?,
        locale: row.try_get(col("locale").as_str())?,
        sign_up_reason: row.try_get(col("sign_up_reason").as_str())?,
        confirmed_at: row.try_get(col("confirmed_at").as_str())?,
        approved: row.try_get(col("approved").as_str())?,
        disabled: row.try_get(col("disabled").as_str())?,
        created_at: row.try_get(col("created_at").as_str())?,
        default_privacy: row.try_get(col("default_privacy").as_str())?,
        default_sensitive: row.try_get(col("default_sensitive").as_str())?,
        default_language: row.try_get(col("default_language").as_str())?,
    })
}

pub struct NewLocalAccount<'a> {
    pub account_id: i64,
    pub user_id: i64,
    pub username: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub locale: &'a str,
    pub reason: &'a str,
    pub uri: &'a str,
    pub url: &'a str,
    pub confirmed_at: Option<i64>,
    pub approved: bool,
    pub actor_type: &'a str,
    pub now: i64,
}

/// Inserts the account and its user. The unique indexes on `username_lower` and `email_lower`
/// make case-insensitive duplicates fail here even when two sign-ups race.
pub async fn insert_local(conn: &mut AnyConnection, new: &NewLocalAccount<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO accounts (id, username, username_lower, domain, actor_type, uri, url, created_at, updated_at) \
         VALUES ($1, $2, $3, '', $4, $5, $6, $7, $7)",
    )
    .bind(new.account_id)
    .bind(new.username)
    .bind(new.username.to_lowercase())
    .bind(new.actor_type)
    .bind(new.uri)
    .bind(new.url)
    .bind(new.now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO users (id, account_id, email, email_lower, password_hash, locale, sign_up_reason, \
         confirmed_at, approved, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(new.user_id)
    .bind(new.account_id)
    .bind(new.email)
    .bind(new.email.to_lowercase())
    .bind(new.password_hash)
    .bind(new.locale)
    .bind(new.reason)
    .bind(new.confirmed_at)
    .bind(super::flag(new.approved))
    .bind(new.now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn username_taken<'e, E: Executor<'e, Database = Any>>(
    db: E,
    username: &str,
) -> sqlx::Result<bool> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM accounts WHERE username_lower = $1 AND domain = ''")
            .bind(username.to_lowercase())
            .fetch_optional(db)
            .await?;
    Ok(row.is_some())
}

pub async fn email_taken<'e, E: Executor<'e, Database = Any>>(
    db: E,
    email: &str,
) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE email_lower = $1")
        .bind(email.to_lowercase())
        .fetch_optional(db)
        .await?;
    Ok(row.is_some())
}

pub async fn account_by_id<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn local_account_by_username<'e, E: Executor<'e, Database = Any>>(
    db: E,
    username: &str,
) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username_lower = $1 AND domain = ''"
    ))
    .bind(username.to_lowercase())
    .fetch_optional(db)
    .await
}

pub async fn user_by_account<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE account_id = $1"
    ))
    .bind(account_id)
    .fetch_optional(db)
    .await
}

/// A user by email or by local username, both case-insensitive.
pub async fn user_by_login<'e, E: Executor<'e, Database = Any>>(
    db: E,
    login: &str,
) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE email_lower = $1 OR account_id IN \
         (SELECT id FROM accounts WHERE username_lower = $1 AND domain = '')"
    ))
    .bind(login.to_lowercase())
    .fetch_optional(db)
    .await
}

pub async fn set_confirmation_token<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET confirmation_token_hash = $1, confirmation_sent_at = $2, updated_at = $2 WHERE id = $3",
    )
    .bind(token_hash)
    .bind(now)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Confirms the user holding this token if it was sent after `not_before`; returns its account id.
pub async fn confirm_by_token<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
    not_before: i64,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(
        "UPDATE users SET confirmed_at = $1, confirmation_token_hash = NULL, updated_at = $1 \
         WHERE confirmation_token_hash = $2 AND confirmation_sent_at >= $3 RETURNING account_id",
    )
    .bind(now)
    .bind(token_hash)
    .bind(not_before)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| r.0))
}

pub async fn set_reset_token<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET reset_token_hash = $1, reset_sent_at = $2, updated_at = $2 WHERE id = $3",
    )
    .bind(token_hash)
    .bind(now)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The user id a live reset token belongs to.
pub async fn user_by_reset_token<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
    not_before: i64,
) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE reset_token_hash = $1 AND reset_sent_at >= $2"
    ))
    .bind(token_hash)
    .bind(not_before)
    .fetch_optional(db)
    .await
}

/// Sets a new password and spends the reset token. A reset also proves the email address.
pub async fn set_password<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    password_hash: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, reset_token_hash = NULL, \
         confirmed_at = COALESCE(confirmed_at, $2), confirmation_token_hash = NULL, updated_at = $2 WHERE id = $3",
    )
    .bind(password_hash)
    .bind(now)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn count_local_users<'e, E: Executor<'e, Database = Any>>(db: E) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(db)
        .await?;
    Ok(n)
}

#[derive(Debug, Clone, Copy)]
pub enum AccountCounter {
    Statuses,
    Followers,
    Following,
}

/// Adds `delta` to an account's counter, never going below zero. The counters' writers take
/// the transaction to record [`Change::AccountChanged`] themselves: cached account rows carry
/// the counters, and these writes are too many to leave to each caller.
pub async fn bump(
    tx: &mut WriteTx,
    account_id: i64,
    counter: AccountCounter,
    delta: i64,
) -> sqlx::Result<()> {
    let c = match counter {
        AccountCounter::Statuses => "statuses_count",
        AccountCounter::Followers => "followers_count",
        AccountCounter::Following => "following_count",
    };
    sqlx::query(&format!(
        "UPDATE accounts SET {c} = CASE WHEN {c} + $1 < 0 THEN 0 ELSE {c} + $1 END WHERE id = $2"
    ))
    .bind(delta)
    .bind(account_id)
    .execute(&mut ***tx)
    .await?;
    tx.record(Change::AccountChanged(account_id));
    Ok(())
}

pub async fn set_last_status_at(tx: &mut WriteTx, account_id: i64, at: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET last_status_at = $1 WHERE id = $2")
        .bind(at)
        .bind(account_id)
        .execute(&mut ***tx)
        .await?;
    tx.record(Change::AccountChanged(account_id));
    Ok(())
}

/// A new status by `account_id` created at `at`: its last-status time, and its statuses
/// count when `counted` (direct messages are not counted), in one statement.
pub async fn status_posted(
    tx: &mut WriteTx,
    account_id: i64,
    counted: bool,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET statuses_count = statuses_count + $1, last_status_at = $2 WHERE id = $3",
    )
    .bind(i64::from(counted))
    .bind(at)
    .bind(account_id)
    .execute(&mut ***tx)
    .await?;
    tx.record(Change::AccountChanged(account_id));
    Ok(())
}

pub async fn accounts_by_ids<'e, E: Executor<'e, Database = Any>>(
    db: E,
    ids: &[i64],
) -> sqlx::Result<Vec<AccountRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = super::query::Sql::new(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id IN ("
    ));
    let list = sql.ints(ids);
    sql.push(&list).push(")");
    sql.query_as().fetch_all(db).await
}

/// Accounts whose username or display name starts with `prefix`, local ones first. Suspended
/// accounts never match; silenced ones only for their followers (`viewer`, -1 for nobody).
pub async fn search<'e, E: Executor<'e, Database = Any>>(
    db: E,
    viewer: i64,
    prefix: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<AccountRow>> {
    let pattern = format!(
        "{}%",
        prefix.to_lowercase().replace('%', "").replace('_', "\\_")
    );
    sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE (username_lower LIKE $1 ESCAPE '\\' OR LOWER(display_name) LIKE $1 ESCAPE '\\') \
         AND suspended_at IS NULL AND (silenced_at IS NULL OR id = $4 OR EXISTS (SELECT 1 FROM follows f WHERE f.account_id = $4 AND f.target_account_id = accounts.id)) \
         ORDER BY CASE WHEN domain = '' THEN 0 ELSE 1 END, followers_count DESC, id LIMIT $2 OFFSET $3"
    ))
    .bind(pattern)
    .bind(limit)
    .bind(offset)
    .bind(viewer)
    .fetch_all(db)
    .await
}

pub async fn update_profile<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    p: &ProfileUpdate,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET display_name = $1, note = $2, locked = $3, bot = $4, discoverable = $5, fields_json = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(&p.display_name)
    .bind(&p.note)
    .bind(super::flag(p.locked))
    .bind(super::flag(p.bot))
    .bind(super::flag(p.discoverable))
    .bind(&p.fields_json)
    .bind(now)
    .bind(account_id)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct ProfileUpdate {
    pub display_name: String,
    pub note: String,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub fields_json: String,
}

pub async fn update_posting_defaults<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    privacy: &str,
    sensitive: bool,
    language: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET default_privacy = $1, default_sensitive = $2, default_language = $3 WHERE id = $4")
        .bind(privacy)
        .bind(super::flag(sensitive))
        .bind(language)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Which file column of a local account (a closed set, so the column name in the SQL is never
/// caller text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageColumn {
    AvatarFile,
    HeaderFile,
}

impl ImageColumn {
    fn name(self) -> &'static str {
        match self {
            ImageColumn::AvatarFile => "avatar_file",
            ImageColumn::HeaderFile => "header_file",
        }
    }
}

/// Replaces a local account's avatar or header key, if it is still `old` (compare and swap:
/// two concurrent replacements cannot both believe they own the old file). False when it was
/// changed meanwhile.
pub async fn swap_image_file<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    column: ImageColumn,
    old: &str,
    new: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let column = column.name();
    let done = sqlx::query(&format!(
        "UPDATE accounts SET {column} = $1, updated_at = $2 WHERE id = $3 AND {column} = $4"
    ))
    .bind(new)
    .bind(now)
    .bind(account_id)
    .bind(old)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}
