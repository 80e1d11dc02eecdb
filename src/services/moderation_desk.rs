//! What the moderation pages read, one call per page: the clauses in force that permit a
//! sanction (the only ones an action form offers), an account's moderation record, the
//! reports queue with its filters, and the admin dashboard's lists. Every read checks the
//! moderator role as the admin API does; the writes stay in `services::moderation` (the pages
//! call the same functions as the API, so the gate decides for both).

use herd_governance::bylaws::Sanction;
use serde::Serialize;
use serde_json::Value;

use crate::admin_queries::{AccountFilter, AccountOrigin, AccountStatus, ReportFilter};
use crate::entities::coop;
use crate::error::AppResult;
use crate::http::auth::CurrentUser;
use crate::paging::Page;
use crate::services::moderation as svc;
use crate::services::{admin, moderation};
use crate::state::AppState;
use crate::storage::moderation as store;

/// One clause an action may cite, as a select option shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ClauseOption {
    /// `code-of-conduct@1#2.1`, the value the form posts as `policy_clause`.
    pub citation: String,
    pub policy: String,
    pub policy_title: String,
    pub clause: String,
    pub title: String,
}

/// The clauses of the policies in force that permit every one of `sanctions`, in document
/// order. The gate re-checks whatever is posted; this only keeps the form honest.
pub async fn permitting(state: &AppState, sanctions: &[Sanction]) -> AppResult<Vec<ClauseOption>> {
    let docs = svc::documents_in_force(state).await?;
    let mut out = Vec::new();
    for doc in &docs {
        for c in &doc.clauses {
            if !sanctions.is_empty() && sanctions.iter().all(|s| c.permits(*s)) {
                out.push(ClauseOption {
                    citation: format!("{}@{}#{}", doc.slug, doc.version, c.id),
                    policy: doc.slug.clone(),
                    policy_title: doc.title.clone(),
                    clause: c.id.clone(),
                    title: c.title.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// Whether the account holds the moderator (or admin) role: pages offer their forms only then.
pub async fn is_moderator(state: &AppState, account_id: i64) -> AppResult<bool> {
    Ok(svc::require_moderator(state, account_id).await.is_ok())
}

/// One page of the reports queue (`open` or resolved), filtered by the reported account's
/// origin and the category.
pub async fn queue(
    state: &AppState,
    actor: i64,
    resolved: bool,
    origin: Option<AccountOrigin>,
    category: Option<&str>,
    page: &Page,
) -> AppResult<(Vec<Value>, Vec<i64>)> {
    let category = match category.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Some(
            *moderation::CATEGORIES
                .iter()
                .find(|k| **k == c)
                .ok_or_else(|| {
                    crate::error::AppError::validation(
                        "category",
                        "inclusion",
                        &format!("must be one of {}", moderation::CATEGORIES.join(", ")),
                    )
                })?,
        ),
        None => None,
    };
    let f = ReportFilter {
        resolved,
        target_origin: origin,
        category,
        ..ReportFilter::default()
    };
    admin::reports(state, actor, f, page).await
}

/// An account as a moderator reviews it.
#[derive(Debug, Serialize)]
pub struct AccountRecord {
    /// Mastodon's Admin::Account.
    pub account: Value,
    pub strikes: Vec<coop::Strike>,
    /// Open and resolved reports about it (the newest 40 of each).
    pub open_reports: Vec<Value>,
    pub resolved_reports: Vec<Value>,
    /// What moderators did to it, newest first (the newest 40).
    pub actions: Vec<coop::ModerationAction>,
}

pub async fn account_record(state: &AppState, actor: i64, id: i64) -> AppResult<AccountRecord> {
    svc::require_moderator(state, actor).await?;
    let account = admin::account(state, id).await?;
    let page = Page::first(40);
    let mut strikes = Vec::new();
    for s in store::strikes_of(&state.db.pool, id, &page).await? {
        let appeal = store::appeal_of_strike(&state.db.pool, s.id).await?;
        strikes.push(svc::strike_entity(state, &s, appeal.as_ref()).await?);
    }
    let about = |resolved| ReportFilter {
        resolved,
        target_account_id: Some(id),
        ..ReportFilter::default()
    };
    let (open_reports, _) = admin::reports(state, actor, about(false), &page).await?;
    let (resolved_reports, _) = admin::reports(state, actor, about(true), &page).await?;
    let mut actions = Vec::new();
    for a in store::actions(&state.db.pool, Some(id), &page).await? {
        actions.push(coop::ModerationAction::from_row(
            &a,
            svc::account_entity(state, a.target_account_id).await?,
            svc::account_entity(state, a.moderator_account_id).await?,
        ));
    }
    Ok(AccountRecord {
        account,
        strikes,
        open_reports,
        resolved_reports,
        actions,
    })
}

/// The member behind a web session who may read and appeal their own strikes: as the API's
/// `user_even_if_disabled`, a disabled login or a suspended account still may (a strike must
/// be appealable by the account it silenced), and nothing else is relaxed.
pub async fn strikes_reader(state: &AppState, account_id: i64) -> AppResult<CurrentUser> {
    let account = crate::storage::accounts::account_by_id(&state.db.pool, account_id)
        .await?
        .ok_or_else(crate::error::AppError::not_found)?;
    let user = crate::services::accounts::user(state, account_id).await?;
    let mut enabled = user.clone();
    enabled.disabled = 0;
    crate::http::auth::functional(state, &enabled)?;
    Ok(CurrentUser { account, user })
}

/// What the admin dashboard lists.
#[derive(Debug, Serialize)]
pub struct Dashboard {
    /// Local sign-ups waiting for approval (Admin::Account), the oldest 100.
    pub pending: Vec<Value>,
    /// Admin::DomainBlock, with its `policy_clause`.
    pub domain_blocks: Vec<Value>,
    pub user_count: i64,
    pub open_reports: usize,
    pub pending_appeals: usize,
}

pub async fn dashboard(state: &AppState, actor: i64) -> AppResult<Dashboard> {
    let f = AccountFilter {
        origin: Some(AccountOrigin::Local),
        status: Some(AccountStatus::Pending),
        ..AccountFilter::default()
    };
    let (pending, _) = admin::accounts(state, actor, &f, &Page::first(100), None).await?;
    let domain_blocks = admin::domain_blocks(state, actor).await?;
    let (reports, _) =
        admin::reports(state, actor, ReportFilter::default(), &Page::first(200)).await?;
    let (appeals, _) = svc::appeals(state, actor, Some("pending"), &Page::first(200)).await?;
    Ok(Dashboard {
        pending,
        domain_blocks,
        user_count: crate::services::accounts::local_user_count(state).await?,
        open_reports: reports.len(),
        pending_appeals: appeals.len(),
    })
}
