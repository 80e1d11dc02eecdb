//! Policy versions, role grants, memberships and the governance log.

use sqlx::{Any, Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct PolicyVersionRow {
    pub id: i64,
    pub slug: String,
    pub version: i64,
    pub title: String,
    pub source: String,
    pub adopted_by_proposal_id: Option<i64>,
    pub effective_at: i64,
    pub created_at: i64,
}

const POLICY_COLUMNS: &str =
    "id, slug, version, title, source, adopted_by_proposal_id, effective_at, created_at";

pub async fn insert_policy_version<'e, E: Executor<'e, Database = Any>>(
    db: E,
    row: &PolicyVersionRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO policy_versions (id, slug, version, title, source, adopted_by_proposal_id, effective_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(row.id)
    .bind(&row.slug)
    .bind(row.version)
    .bind(&row.title)
    .bind(&row.source)
    .bind(row.adopted_by_proposal_id)
    .bind(row.effective_at)
    .bind(row.created_at)
    .execute(db)
    .await?;
    Ok(())
}

/// The version of each policy in force at `now`: the highest version already effective.
pub async fn policies_in_force<'e, E: Executor<'e, Database = Any>>(
    db: E,
    now: i64,
) -> sqlx::Result<Vec<PolicyVersionRow>> {
    sqlx::query_as(&format!(
        "SELECT {POLICY_COLUMNS} FROM policy_versions p WHERE effective_at <= $1 AND version = \
         (SELECT MAX(version) FROM policy_versions q WHERE q.slug = p.slug AND q.effective_at <= $1) \
         ORDER BY slug"
    ))
    .bind(now)
    .fetch_all(db)
    .await
}

pub async fn policy_in_force<'e, E: Executor<'e, Database = Any>>(
    db: E,
    slug: &str,
    now: i64,
) -> sqlx::Result<Option<PolicyVersionRow>> {
    sqlx::query_as(&format!(
        "SELECT {POLICY_COLUMNS} FROM policy_versions WHERE slug = $1 AND effective_at <= $2 \
         ORDER BY version DESC LIMIT 1"
    ))
    .bind(slug)
    .bind(now)
    .fetch_optional(db)
    .await
}

pub async fn policy_slugs<'e, E: Executor<'e, Database = Any>>(db: E) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT slug FROM policy_versions")
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

pub async fn insert_role_grant<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    account_id: i64,
    role: &str,
    source: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO role_grants (id, account_id, role, source, granted_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(account_id)
    .bind(role)
    .bind(source)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// The roles an account holds now, sorted.
pub async fn active_roles<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT role FROM role_grants WHERE account_id = $1 AND revoked_at IS NULL ORDER BY role",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

pub async fn upsert_membership<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    state: &str,
    joined_at: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO memberships (account_id, state, applied_at, joined_at, updated_at) VALUES ($1, $2, $3, $4, $3) \
         ON CONFLICT (account_id) DO UPDATE SET state = $2, joined_at = COALESCE(memberships.joined_at, $4), updated_at = $3",
    )
    .bind(account_id)
    .bind(state)
    .bind(now)
    .bind(joined_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn membership_state<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT state FROM memberships WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|r| r.0))
}

pub struct NewEvent<'a> {
    pub id: i64,
    pub kind: &'a str,
    pub actor_account_id: Option<i64>,
    pub subject_account_id: Option<i64>,
    pub detail_json: &'a str,
    pub now: i64,
}

pub async fn insert_event<'e, E: Executor<'e, Database = Any>>(
    db: E,
    e: &NewEvent<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO governance_events (id, kind, actor_account_id, subject_account_id, detail_json, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(e.id)
    .bind(e.kind)
    .bind(e.actor_account_id)
    .bind(e.subject_account_id)
    .bind(e.detail_json)
    .bind(e.now)
    .execute(db)
    .await?;
    Ok(())
}
