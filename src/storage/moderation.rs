//! Moderation: account sanctions, reports, the append-only moderation log, strikes, appeals,
//! domain blocks and allows.

use sqlx::{Any, Executor, FromRow};

use super::paging::{bound, newest_first};
use super::query::Sql;
use crate::admin_queries::{AccountFilter, AccountOrigin, AccountStatus, ReportFilter};
use crate::paging::Page;

/// The sanction columns on `accounts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountFlag {
    Suspended,
    Silenced,
    Sensitized,
}

impl AccountFlag {
    fn column(self) -> &'static str {
        match self {
            AccountFlag::Suspended => "suspended_at",
            AccountFlag::Silenced => "silenced_at",
            AccountFlag::Sensitized => "sensitized_at",
        }
    }
}

/// Sets (`Some(now)`) or clears (`None`) a sanction on an account.
pub async fn set_account_flag<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    flag: AccountFlag,
    at: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "UPDATE accounts SET {} = $1 WHERE id = $2",
        flag.column()
    ))
    .bind(at)
    .bind(account_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_user_disabled<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    disabled: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET disabled = $1 WHERE account_id = $2")
        .bind(super::flag(disabled))
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_user_approved<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET approved = 1 WHERE account_id = $1")
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Revokes every token of an account (a rejected sign-up).
pub async fn revoke_tokens<'e, E: Executor<'e, Database = Any>>(
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

// ---- reports ----

#[derive(Debug, Clone, FromRow)]
pub struct ReportRow {
    pub id: i64,
    pub account_id: i64,
    pub target_account_id: i64,
    pub category: String,
    pub comment: String,
    pub status_ids_json: String,
    pub rule_ids_json: String,
    pub rule_citations_json: String,
    pub forward: i64,
    pub forwarded_at: Option<i64>,
    pub assigned_account_id: Option<i64>,
    pub action_taken_at: Option<i64>,
    pub action_taken_by_account_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const REPORT_COLUMNS: &str = "id, account_id, target_account_id, category, comment, status_ids_json, \
     rule_ids_json, rule_citations_json, forward, forwarded_at, assigned_account_id, action_taken_at, \
     action_taken_by_account_id, created_at, updated_at";

pub async fn insert_report<'e, E: Executor<'e, Database = Any>>(
    db: E,
    r: &ReportRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO reports (id, account_id, target_account_id, category, comment, status_ids_json, rule_ids_json, \
         rule_citations_json, forward, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(r.id)
    .bind(r.account_id)
    .bind(r.target_account_id)
    .bind(&r.category)
    .bind(&r.comment)
    .bind(&r.status_ids_json)
    .bind(&r.rule_ids_json)
    .bind(&r.rule_citations_json)
    .bind(r.forward)
    .bind(r.created_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn report<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<ReportRow>> {
    sqlx::query_as(&format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn reports<'e, E: Executor<'e, Database = Any>>(
    db: E,
    f: ReportFilter,
    c: &Page,
) -> sqlx::Result<Vec<ReportRow>> {
    let mut sql = Sql::new(&format!("SELECT {REPORT_COLUMNS} FROM reports WHERE "));
    sql.push(if f.resolved {
        "action_taken_at IS NOT NULL"
    } else {
        "action_taken_at IS NULL"
    });
    if let Some(a) = f.account_id {
        let p = sql.int(a);
        sql.push(&format!(" AND account_id = {p}"));
    }
    if let Some(t) = f.target_account_id {
        let p = sql.int(t);
        sql.push(&format!(" AND target_account_id = {p}"));
    }
    match f.target_origin {
        Some(AccountOrigin::Local) => {
            sql.push(" AND target_account_id IN (SELECT id FROM accounts WHERE domain = '')")
        }
        Some(AccountOrigin::Remote) => {
            sql.push(" AND target_account_id IN (SELECT id FROM accounts WHERE domain <> '')")
        }
        None => &mut sql,
    };
    if let Some(category) = f.category {
        let p = sql.text(category);
        sql.push(&format!(" AND category = {p}"));
    }
    bound(&mut sql, "id", c);
    let rows: Vec<ReportRow> = sql.query_as().fetch_all(db).await?;
    Ok(newest_first(rows, c))
}

pub async fn assign_report<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    assignee: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE reports SET assigned_account_id = $1, updated_at = $2 WHERE id = $3")
        .bind(assignee)
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Marks a report resolved (`Some(by)`) or reopens it (`None`).
pub async fn set_report_resolved<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    by: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE reports SET action_taken_at = $1, action_taken_by_account_id = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(by.map(|_| now))
    .bind(by)
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Resolves every open report about an account (an account action does, as in Mastodon).
pub async fn resolve_reports_on<'e, E: Executor<'e, Database = Any>>(
    db: E,
    target: i64,
    by: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE reports SET action_taken_at = $1, action_taken_by_account_id = $2, updated_at = $1 \
         WHERE target_account_id = $3 AND action_taken_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(target)
    .execute(db)
    .await?;
    Ok(())
}

// ---- the moderation log ----

#[derive(Debug, Clone, FromRow)]
pub struct ActionRow {
    pub id: i64,
    pub action: String,
    pub target_account_id: Option<i64>,
    pub target_status_id: Option<i64>,
    pub target_domain: Option<String>,
    pub citation: Option<String>,
    pub reason: String,
    pub moderator_account_id: Option<i64>,
    pub report_id: Option<i64>,
    pub strike_id: Option<i64>,
    pub appeal_id: Option<i64>,
    pub proposal_id: Option<i64>,
    pub created_at: i64,
}

const ACTION_COLUMNS: &str =
    "id, action, target_account_id, target_status_id, target_domain, citation, \
     reason, moderator_account_id, report_id, strike_id, appeal_id, proposal_id, created_at";

/// Appends to the log. There is no update or delete for this table.
pub async fn insert_action<'e, E: Executor<'e, Database = Any>>(
    db: E,
    a: &ActionRow,
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO moderation_actions ({ACTION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(a.id)
    .bind(&a.action)
    .bind(a.target_account_id)
    .bind(a.target_status_id)
    .bind(&a.target_domain)
    .bind(&a.citation)
    .bind(&a.reason)
    .bind(a.moderator_account_id)
    .bind(a.report_id)
    .bind(a.strike_id)
    .bind(a.appeal_id)
    .bind(a.proposal_id)
    .bind(a.created_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn actions<'e, E: Executor<'e, Database = Any>>(
    db: E,
    target_account_id: Option<i64>,
    c: &Page,
) -> sqlx::Result<Vec<ActionRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {ACTION_COLUMNS} FROM moderation_actions WHERE 1 = 1"
    ));
    if let Some(t) = target_account_id {
        let p = sql.int(t);
        sql.push(&format!(" AND target_account_id = {p}"));
    }
    bound(&mut sql, "id", c);
    let rows: Vec<ActionRow> = sql.query_as().fetch_all(db).await?;
    Ok(newest_first(rows, c))
}

pub async fn action<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<ActionRow>> {
    sqlx::query_as(&format!(
        "SELECT {ACTION_COLUMNS} FROM moderation_actions WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

// ---- strikes ----

#[derive(Debug, Clone, FromRow)]
pub struct StrikeRow {
    pub id: i64,
    pub account_id: i64,
    pub action: String,
    pub citation: String,
    pub text: String,
    pub statuses_json: String,
    pub report_id: Option<i64>,
    pub moderation_action_id: i64,
    pub moderator_account_id: i64,
    pub appealable_until: Option<i64>,
    pub overruled_at: Option<i64>,
    pub created_at: i64,
}

const STRIKE_COLUMNS: &str = "id, account_id, action, citation, text, statuses_json, report_id, \
     moderation_action_id, moderator_account_id, appealable_until, overruled_at, created_at";

pub async fn insert_strike<'e, E: Executor<'e, Database = Any>>(
    db: E,
    s: &StrikeRow,
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO strikes ({STRIKE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(s.id)
    .bind(s.account_id)
    .bind(&s.action)
    .bind(&s.citation)
    .bind(&s.text)
    .bind(&s.statuses_json)
    .bind(s.report_id)
    .bind(s.moderation_action_id)
    .bind(s.moderator_account_id)
    .bind(s.appealable_until)
    .bind(s.overruled_at)
    .bind(s.created_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn strike<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<StrikeRow>> {
    sqlx::query_as(&format!(
        "SELECT {STRIKE_COLUMNS} FROM strikes WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn strikes_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    c: &Page,
) -> sqlx::Result<Vec<StrikeRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {STRIKE_COLUMNS} FROM strikes WHERE account_id = "
    ));
    let a = sql.int(account_id);
    sql.push(&a);
    bound(&mut sql, "id", c);
    let rows: Vec<StrikeRow> = sql.query_as().fetch_all(db).await?;
    Ok(newest_first(rows, c))
}

/// Overturns a strike; `false` when it already was (a concurrent decision).
pub async fn overrule_strike<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done =
        sqlx::query("UPDATE strikes SET overruled_at = $1 WHERE id = $2 AND overruled_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(db)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether another strike (not `except`) with this action is still standing on the account.
pub async fn other_standing_strike<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    action: &str,
    except: i64,
) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM strikes WHERE account_id = $1 AND action = $2 AND id <> $3 AND overruled_at IS NULL LIMIT 1",
    )
    .bind(account_id)
    .bind(action)
    .bind(except)
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}

// ---- appeals ----

#[derive(Debug, Clone, FromRow)]
pub struct AppealRow {
    pub id: i64,
    pub strike_id: i64,
    pub account_id: i64,
    pub text: String,
    pub state: String,
    pub decided_at: Option<i64>,
    pub decided_by_account_id: Option<i64>,
    pub decision_reason: Option<String>,
    pub proposal_id: Option<i64>,
    pub created_at: i64,
}

const APPEAL_COLUMNS: &str =
    "id, strike_id, account_id, text, state, decided_at, decided_by_account_id, \
     decision_reason, proposal_id, created_at";

pub async fn insert_appeal<'e, E: Executor<'e, Database = Any>>(
    db: E,
    a: &AppealRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO appeals (id, strike_id, account_id, text, state, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(a.id)
    .bind(a.strike_id)
    .bind(a.account_id)
    .bind(&a.text)
    .bind(&a.state)
    .bind(a.created_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn appeal<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<AppealRow>> {
    sqlx::query_as(&format!(
        "SELECT {APPEAL_COLUMNS} FROM appeals WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn appeal_of_strike<'e, E: Executor<'e, Database = Any>>(
    db: E,
    strike_id: i64,
) -> sqlx::Result<Option<AppealRow>> {
    sqlx::query_as(&format!(
        "SELECT {APPEAL_COLUMNS} FROM appeals WHERE strike_id = $1"
    ))
    .bind(strike_id)
    .fetch_optional(db)
    .await
}

pub async fn appeals<'e, E: Executor<'e, Database = Any>>(
    db: E,
    state: Option<&str>,
    c: &Page,
) -> sqlx::Result<Vec<AppealRow>> {
    let mut sql = Sql::new(&format!("SELECT {APPEAL_COLUMNS} FROM appeals WHERE 1 = 1"));
    if let Some(s) = state {
        let p = sql.text(s);
        sql.push(&format!(" AND state = {p}"));
    }
    bound(&mut sql, "id", c);
    let rows: Vec<AppealRow> = sql.query_as().fetch_all(db).await?;
    Ok(newest_first(rows, c))
}

/// Records the decision on a pending appeal; `false` when it was no longer pending.
pub async fn decide_appeal<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    state: &str,
    by: Option<i64>,
    reason: &str,
    proposal_id: Option<i64>,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE appeals SET state = $1, decided_at = $2, decided_by_account_id = $3, decision_reason = $4, proposal_id = $5 \
         WHERE id = $6 AND state = 'pending'",
    )
    .bind(state)
    .bind(now)
    .bind(by)
    .bind(reason)
    .bind(proposal_id)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

// ---- domain blocks and allows ----

#[derive(Debug, Clone, FromRow)]
pub struct DomainBlockRow {
    pub id: i64,
    pub domain: String,
    pub severity: String,
    pub reject_media: i64,
    pub reject_reports: i64,
    pub private_comment: String,
    pub public_comment: String,
    pub obfuscate: i64,
    pub citation: String,
    pub moderator_account_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const BLOCK_COLUMNS: &str = "id, domain, severity, reject_media, reject_reports, private_comment, \
     public_comment, obfuscate, citation, moderator_account_id, created_at, updated_at";

pub async fn insert_domain_block<'e, E: Executor<'e, Database = Any>>(
    db: E,
    b: &DomainBlockRow,
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO domain_blocks ({BLOCK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(b.id)
    .bind(&b.domain)
    .bind(&b.severity)
    .bind(b.reject_media)
    .bind(b.reject_reports)
    .bind(&b.private_comment)
    .bind(&b.public_comment)
    .bind(b.obfuscate)
    .bind(&b.citation)
    .bind(b.moderator_account_id)
    .bind(b.created_at)
    .bind(b.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update_domain_block<'e, E: Executor<'e, Database = Any>>(
    db: E,
    b: &DomainBlockRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE domain_blocks SET severity = $1, reject_media = $2, reject_reports = $3, private_comment = $4, \
         public_comment = $5, obfuscate = $6, citation = $7, moderator_account_id = $8, updated_at = $9 WHERE id = $10",
    )
    .bind(&b.severity)
    .bind(b.reject_media)
    .bind(b.reject_reports)
    .bind(&b.private_comment)
    .bind(&b.public_comment)
    .bind(b.obfuscate)
    .bind(&b.citation)
    .bind(b.moderator_account_id)
    .bind(b.updated_at)
    .bind(b.id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn domain_block<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<DomainBlockRow>> {
    sqlx::query_as(&format!(
        "SELECT {BLOCK_COLUMNS} FROM domain_blocks WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn domain_block_by_domain<'e, E: Executor<'e, Database = Any>>(
    db: E,
    domain: &str,
) -> sqlx::Result<Option<DomainBlockRow>> {
    sqlx::query_as(&format!(
        "SELECT {BLOCK_COLUMNS} FROM domain_blocks WHERE domain = $1"
    ))
    .bind(domain)
    .fetch_optional(db)
    .await
}

pub async fn domain_blocks<'e, E: Executor<'e, Database = Any>>(
    db: E,
) -> sqlx::Result<Vec<DomainBlockRow>> {
    sqlx::query_as(&format!(
        "SELECT {BLOCK_COLUMNS} FROM domain_blocks ORDER BY domain"
    ))
    .fetch_all(db)
    .await
}

pub async fn delete_domain_block<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM domain_blocks WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct DomainAllowRow {
    pub id: i64,
    pub domain: String,
    pub citation: String,
    pub moderator_account_id: Option<i64>,
    pub created_at: i64,
}

pub async fn insert_domain_allow<'e, E: Executor<'e, Database = Any>>(
    db: E,
    a: &DomainAllowRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO domain_allows (id, domain, citation, moderator_account_id, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(a.id)
    .bind(&a.domain)
    .bind(&a.citation)
    .bind(a.moderator_account_id)
    .bind(a.created_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn domain_allow<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<DomainAllowRow>> {
    sqlx::query_as(
        "SELECT id, domain, citation, moderator_account_id, created_at FROM domain_allows WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn domain_allow_by_domain<'e, E: Executor<'e, Database = Any>>(
    db: E,
    domain: &str,
) -> sqlx::Result<Option<DomainAllowRow>> {
    sqlx::query_as(
        "SELECT id, domain, citation, moderator_account_id, created_at FROM domain_allows WHERE domain = $1",
    )
    .bind(domain)
    .fetch_optional(db)
    .await
}

pub async fn domain_allows<'e, E: Executor<'e, Database = Any>>(
    db: E,
) -> sqlx::Result<Vec<DomainAllowRow>> {
    sqlx::query_as(
        "SELECT id, domain, citation, moderator_account_id, created_at FROM domain_allows ORDER BY domain",
    )
    .fetch_all(db)
    .await
}

pub async fn delete_domain_allow<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM domain_allows WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Local accounts awaiting approval (registrations in approval mode).
pub async fn is_pending<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Option<bool>> {
    // A rejected sign-up stays unapproved but suspended: it is no longer waiting (as the
    // `pending` list filter says).
    let row: Option<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT u.approved, a.suspended_at FROM users u JOIN accounts a ON a.id = u.account_id \
         WHERE u.account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(approved, suspended_at)| approved == 0 && suspended_at.is_none()))
}

// ---------------------------------------------------------------- admin account lists

fn escape_like(s: &str) -> String {
    s.to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The ids of the accounts matching `f`, newest first, paged by account id.
pub async fn account_ids<'e, E: Executor<'e, Database = Any>>(
    db: E,
    f: &AccountFilter,
    c: &Page,
) -> sqlx::Result<Vec<i64>> {
    let mut sql = Sql::new(
        "SELECT a.id FROM accounts a LEFT JOIN users u ON u.account_id = a.id WHERE 1 = 1",
    );
    match f.origin {
        Some(AccountOrigin::Local) => sql.push(" AND a.domain = ''"),
        Some(AccountOrigin::Remote) => sql.push(" AND a.domain <> ''"),
        None => &mut sql,
    };
    if let Some(d) = &f.by_domain {
        let p = sql.text(&d.trim().to_lowercase());
        sql.push(&format!(" AND LOWER(a.domain) = {p}"));
    }
    if let Some(s) = f.status {
        sql.push(match s {
            AccountStatus::Active => " AND a.suspended_at IS NULL",
            AccountStatus::Pending => " AND u.approved = 0 AND a.suspended_at IS NULL",
            AccountStatus::Disabled => " AND u.disabled = 1",
            AccountStatus::Silenced => " AND a.silenced_at IS NOT NULL",
            AccountStatus::Suspended => " AND a.suspended_at IS NOT NULL",
            AccountStatus::Sensitized => " AND a.sensitized_at IS NOT NULL",
        });
    }
    if !f.roles.is_empty() {
        let list = f
            .roles
            .iter()
            .map(|r| sql.text(r))
            .collect::<Vec<_>>()
            .join(", ");
        sql.push(&format!(
            " AND EXISTS (SELECT 1 FROM role_grants rg WHERE rg.account_id = a.id AND rg.revoked_at IS NULL AND rg.role IN ({list}))"
        ));
    }
    if let Some(v) = &f.username {
        let p = sql.text(&format!("{}%", escape_like(v.trim())));
        sql.push(&format!(" AND a.username_lower LIKE {p} ESCAPE '\\'"));
    }
    if let Some(v) = &f.display_name {
        let p = sql.text(&format!("%{}%", escape_like(v.trim())));
        sql.push(&format!(" AND LOWER(a.display_name) LIKE {p} ESCAPE '\\'"));
    }
    if let Some(v) = &f.email {
        let p = sql.text(&format!("{}%", escape_like(v.trim())));
        sql.push(&format!(" AND u.email_lower LIKE {p} ESCAPE '\\'"));
    }
    bound(&mut sql, "a.id", c);
    let rows: Vec<(i64,)> = sql.query_as().fetch_all(db).await?;
    Ok(newest_first(rows, c).into_iter().map(|r| r.0).collect())
}
