//! OAuth applications, authorization codes and access tokens. Secrets are stored as SHA-256
//! hashes; the plain values exist only in the response that hands them out.

use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, FromRow, Row};

use super::accounts::{self, AccountRow, UserRow};

#[derive(Debug, Clone, FromRow)]
pub struct AppRow {
    pub id: i64,
    pub name: String,
    pub website: Option<String>,
    pub redirect_uris: String,
    pub scopes: String,
    pub client_id: String,
    pub client_secret_hash: String,
    pub created_at: i64,
}

impl AppRow {
    pub fn redirect_uri_list(&self) -> Vec<String> {
        self.redirect_uris
            .split('\n')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    }
}

const APP_COLUMNS: &str =
    "id, name, website, redirect_uris, scopes, client_id, client_secret_hash, created_at";

pub async fn insert_app<'e, E: Executor<'e, Database = Any>>(
    db: E,
    app: &AppRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO oauth_apps (id, name, website, redirect_uris, scopes, client_id, client_secret_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(app.id)
    .bind(&app.name)
    .bind(&app.website)
    .bind(&app.redirect_uris)
    .bind(&app.scopes)
    .bind(&app.client_id)
    .bind(&app.client_secret_hash)
    .bind(app.created_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn app_by_client_id<'e, E: Executor<'e, Database = Any>>(
    db: E,
    client_id: &str,
) -> sqlx::Result<Option<AppRow>> {
    sqlx::query_as(&format!(
        "SELECT {APP_COLUMNS} FROM oauth_apps WHERE client_id = $1"
    ))
    .bind(client_id)
    .fetch_optional(db)
    .await
}

/// The apps with these ids (in no particular order).
pub async fn apps_by_ids<'e, E: Executor<'e, Database = Any>>(
    db: E,
    ids: &[i64],
) -> sqlx::Result<Vec<AppRow>> {
    let mut sql = super::query::Sql::new(&format!(
        "SELECT {APP_COLUMNS} FROM oauth_apps WHERE id IN ("
    ));
    let list = sql.ints(ids);
    sql.push(&list).push(")");
    sql.query_as().fetch_all(db).await
}

pub async fn app_by_id<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<AppRow>> {
    sqlx::query_as(&format!(
        "SELECT {APP_COLUMNS} FROM oauth_apps WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct CodeRow {
    pub code_hash: String,
    pub app_id: i64,
    pub account_id: i64,
    pub redirect_uri: String,
    pub scopes: String,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

pub async fn insert_code<'e, E: Executor<'e, Database = Any>>(
    db: E,
    code: &CodeRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO oauth_codes (code_hash, app_id, account_id, redirect_uri, scopes, code_challenge, \
         code_challenge_method, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&code.code_hash)
    .bind(code.app_id)
    .bind(code.account_id)
    .bind(&code.redirect_uri)
    .bind(&code.scopes)
    .bind(&code.code_challenge)
    .bind(&code.code_challenge_method)
    .bind(code.created_at)
    .bind(code.expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks the code used and returns it, or None when it does not exist or was already used.
/// The UPDATE … WHERE used_at IS NULL makes a code single-use even under concurrent redemption.
pub async fn take_code(
    conn: &mut AnyConnection,
    code_hash: &str,
    now: i64,
) -> sqlx::Result<Option<CodeRow>> {
    let row: Option<CodeRow> = sqlx::query_as(
        "SELECT code_hash, app_id, account_id, redirect_uri, scopes, code_challenge, code_challenge_method, \
         created_at, expires_at, used_at FROM oauth_codes WHERE code_hash = $1",
    )
    .bind(code_hash)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row.used_at.is_some() {
        return Ok(Some(row));
    }
    let updated =
        sqlx::query("UPDATE oauth_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL")
            .bind(now)
            .bind(code_hash)
            .execute(&mut *conn)
            .await?;
    if updated.rows_affected() == 0 {
        return Ok(Some(CodeRow {
            used_at: Some(now),
            ..row
        }));
    }
    Ok(Some(row))
}

#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub app_id: i64,
    pub account_id: Option<i64>,
    pub scopes: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

pub async fn insert_token<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    token_hash: &str,
    app_id: i64,
    account_id: Option<i64>,
    scopes: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO oauth_tokens (id, token_hash, app_id, account_id, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(token_hash)
    .bind(app_id)
    .bind(account_id)
    .bind(scopes)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// A token with its account and login, read together because every API request needs them.
#[derive(Debug, Clone)]
pub struct TokenWithAccount {
    pub token: TokenRow,
    /// Absent for app-only (client_credentials) tokens.
    pub account: Option<AccountRow>,
    pub user: Option<UserRow>,
}

impl FromRow<'_, AnyRow> for TokenWithAccount {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        let token = TokenRow {
            id: row.try_get("t_id")?,
            app_id: row.try_get("t_app_id")?,
            account_id: row.try_get("t_account_id")?,
            scopes: row.try_get("t_scopes")?,
            created_at: row.try_get("t_created_at")?,
            revoked_at: row.try_get("t_revoked_at")?,
        };
        let account = match row.try_get::<Option<i64>, _>("id")? {
            Some(_) => Some(AccountRow::from_row(row)?),
            None => None,
        };
        let user = match row.try_get::<Option<i64>, _>("u_id")? {
            Some(_) => Some(accounts::user_from_prefixed(row, "u_")?),
            None => None,
        };
        Ok(TokenWithAccount {
            token,
            account,
            user,
        })
    }
}

pub async fn token_by_hash<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
) -> sqlx::Result<Option<TokenWithAccount>> {
    sqlx::query_as(&format!(
        "SELECT t.id AS t_id, t.app_id AS t_app_id, t.account_id AS t_account_id, \
         t.scopes AS t_scopes, t.created_at AS t_created_at, t.revoked_at AS t_revoked_at, \
         {}, {} FROM oauth_tokens t LEFT JOIN accounts a ON a.id = t.account_id \
         LEFT JOIN users u ON u.account_id = t.account_id WHERE t.token_hash = $1",
        accounts::qualified_account_columns("a"),
        accounts::prefixed_user_columns("u", "u_"),
    ))
    .bind(token_hash)
    .fetch_optional(db)
    .await
}

/// Revokes a token if it belongs to the app. Returns whether a live token was revoked.
pub async fn revoke_token<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
    app_id: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE oauth_tokens SET revoked_at = $1 WHERE token_hash = $2 AND app_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(token_hash)
    .bind(app_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Revokes every token of an account (password reset, account disabled).
pub async fn revoke_account_tokens<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE oauth_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(account_id)
    .execute(db)
    .await?;
    Ok(())
}
