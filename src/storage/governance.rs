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

/// One grant of a role: held from `granted_at` until `term_ends_at` (NULL: a grant made before
/// terms existed), then, when `holding_over` is 1, kept as the role's last holder until an
/// election fills the seat; `revoked_at` ends it.
#[derive(Debug, Clone, FromRow)]
pub struct RoleGrantRow {
    pub id: i64,
    pub account_id: i64,
    pub role: String,
    pub source: String,
    pub granted_at: i64,
    pub revoked_at: Option<i64>,
    pub term_ends_at: Option<i64>,
    pub holding_over: i64,
}

const GRANT_COLUMNS: &str =
    "id, account_id, role, source, granted_at, revoked_at, term_ends_at, holding_over";

/// A grant whose term ends at `term_ends_at`.
pub async fn insert_role_grant_until<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    account_id: i64,
    role: &str,
    source: &str,
    now: i64,
    term_ends_at: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO role_grants (id, account_id, role, source, granted_at, term_ends_at, holding_over) \
         VALUES ($1, $2, $3, $4, $5, $6, 0)",
    )
    .bind(id)
    .bind(account_id)
    .bind(role)
    .bind(source)
    .bind(now)
    .bind(term_ends_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn role_grant<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<RoleGrantRow>> {
    sqlx::query_as(&format!(
        "SELECT {GRANT_COLUMNS} FROM role_grants WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The grants an account holds now, by role.
pub async fn active_grants_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<RoleGrantRow>> {
    sqlx::query_as(&format!(
        "SELECT {GRANT_COLUMNS} FROM role_grants WHERE account_id = $1 AND revoked_at IS NULL \
         ORDER BY role, granted_at"
    ))
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// The grants of a role held now, oldest first.
pub async fn active_grants_of_role<'e, E: Executor<'e, Database = Any>>(
    db: E,
    role: &str,
) -> sqlx::Result<Vec<RoleGrantRow>> {
    sqlx::query_as(&format!(
        "SELECT {GRANT_COLUMNS} FROM role_grants WHERE role = $1 AND revoked_at IS NULL \
         ORDER BY granted_at, id"
    ))
    .bind(role)
    .fetch_all(db)
    .await
}

/// Takes the row locks of a role's current grants until the transaction ends (a no-op UPDATE,
/// as `proposals::lock_proposal`): the end of a term, an election and a recall of the same
/// role are serialised, so two terms ending together cannot both see the other as a holder.
pub async fn lock_role<'e, E: Executor<'e, Database = Any>>(db: E, role: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE role_grants SET holding_over = holding_over WHERE role = $1 AND revoked_at IS NULL",
    )
    .bind(role)
    .execute(db)
    .await?;
    Ok(())
}

/// Ends one grant; false when it had already ended.
pub async fn revoke_grant<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let r =
        sqlx::query("UPDATE role_grants SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(db)
            .await?;
    Ok(r.rows_affected() == 1)
}

/// Marks a grant whose term ended as holding over.
pub async fn set_holding_over<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE role_grants SET holding_over = 1 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Gives a grant without a term its end (once: only while it has none).
pub async fn set_term_end<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    term_ends_at: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE role_grants SET term_ends_at = $2 WHERE id = $1 AND term_ends_at IS NULL AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(term_ends_at)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Current grants made before terms existed.
pub async fn grants_without_term<'e, E: Executor<'e, Database = Any>>(
    db: E,
) -> sqlx::Result<Vec<RoleGrantRow>> {
    sqlx::query_as(&format!(
        "SELECT {GRANT_COLUMNS} FROM role_grants WHERE revoked_at IS NULL AND term_ends_at IS NULL ORDER BY id"
    ))
    .fetch_all(db)
    .await
}

/// Current grants whose term ended by `now` and that do not hold over yet.
pub async fn grants_past_term<'e, E: Executor<'e, Database = Any>>(
    db: E,
    now: i64,
) -> sqlx::Result<Vec<RoleGrantRow>> {
    sqlx::query_as(&format!(
        "SELECT {GRANT_COLUMNS} FROM role_grants WHERE revoked_at IS NULL AND holding_over = 0 \
         AND term_ends_at <= $1 ORDER BY term_ends_at, id"
    ))
    .bind(now)
    .fetch_all(db)
    .await
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
