//! Policy-gated moderation: reports, account actions and their reversals, sign-up decisions,
//! status deletion, domain blocks and allows, strikes and appeals, the moderation log.
//!
//! Every write asks `governance::moderation` first (the gate: role, own account, a citation of a
//! clause in force that permits the sanction); a refusal writes nothing and answers 403 (role) or
//! 422 (naming the failed check). An accepted action, its strike and its log entry are written in
//! one transaction. The log (`moderation_actions`) is append-only.
//!
//! Federation: a status deletion queues Delete(Note); a suspension queues the actor's Update
//! (local) or Rejects of its follows (remote); a forwarded report queues a Flag; a domain block
//! marks the domain's accounts and stops delivery and ingestion (see [`federation_hooks`] and
//! `services::federation`), each inside the action's transaction.

use herd_governance::bylaws::{
    self, Citation, PolicyDocument, Sanction, CODE_OF_CONDUCT_SLUG, MODERATION_POLICY_SLUG,
};
use herd_governance::moderation::{
    self as gate, Act, AppealRefusal, Refusal, Request, StrikeFacts,
};
use serde_json::json;

use crate::admin_queries::{AccountFilter, ReportFilter};
use crate::entities::coop;
use crate::entities::Account;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::paging::Page;
use crate::state::AppState;
use crate::storage::accounts::{self as account_store, AccountRow};
use crate::storage::governance as gov_store;
use crate::storage::moderation::{
    self as store, AccountFlag, ActionRow, AppealRow, DomainAllowRow, DomainBlockRow, ReportRow,
    StrikeRow,
};
use crate::storage::statuses as status_store;
use crate::storage::WriteTx;

/// What moderation hands to federation, inside each action's transaction.
pub mod federation_hooks {
    use crate::error::AppResult;
    use crate::jobs::{self, Job};
    use crate::storage::moderation::DomainBlockRow;
    use crate::storage::WriteTx;

    /// A suspension here (or its lifting) is federated by a queued job: a local account's
    /// actor is re-sent with `suspended` (Mastodon's Update on suspension); a remote account's
    /// follows of local accounts are Rejected and removed. A suspension here also takes over
    /// from one its own server had announced.
    pub async fn account_suspended(
        tx: &mut WriteTx,
        account_id: i64,
        suspended: bool,
        now: i64,
    ) -> AppResult<()> {
        if suspended {
            crate::storage::federation::clear_suspension_origin(&mut ***tx, account_id).await?;
            tx.record(crate::storage::Change::AccountChanged(account_id));
        }
        jobs::enqueue(
            tx,
            &Job::SuspensionChanged {
                account_id,
                suspended,
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// A block created, changed or lifted: the accounts of the domain are marked (or cleared)
    /// and a suspension severs follows. Delivery and ingestion consult the block itself
    /// (`domain_block_for`).
    pub async fn domain_block_changed(
        tx: &mut WriteTx,
        old: Option<&DomainBlockRow>,
        new: Option<&DomainBlockRow>,
    ) -> AppResult<()> {
        tx.record(crate::storage::Change::DomainBlocksChanged);
        crate::services::federation::domain_block_applied(tx, old, new).await
    }
}

/// A gate refusal as an HTTP error: 403 for the role, 422 otherwise, naming the failed check.
pub fn refused(r: &Refusal) -> AppError {
    let mut e = if r.is_forbidden() {
        AppError::forbidden(r.to_string())
    } else {
        AppError::unprocessable(r.to_string())
    };
    e.details =
        Some(json!({ "policy_clause": [{ "error": r.code(), "description": r.to_string() }] }));
    e
}

fn appeal_refused(r: &AppealRefusal) -> AppError {
    let mut e = match r {
        AppealRefusal::NotAffected => AppError::not_found(),
        r if r.is_forbidden() => AppError::forbidden(r.to_string()),
        r => AppError::unprocessable(r.to_string()),
    };
    e.details = Some(json!({ "appeal": [{ "error": r.code(), "description": r.to_string() }] }));
    e
}

/// Every policy in force, parsed.
pub async fn documents_in_force(state: &AppState) -> AppResult<Vec<PolicyDocument>> {
    let now = state.clock.now_micros();
    gov_store::policies_in_force(&state.db.pool, now)
        .await?
        .iter()
        .map(|row| bylaws::parse_document(&row.source).map_err(AppError::internal))
        .collect()
}

async fn roles(state: &AppState, account_id: i64) -> AppResult<Vec<String>> {
    Ok(gov_store::active_roles(&state.db.pool, account_id).await?)
}

/// 403 unless the account holds the moderator (or admin) role.
pub async fn require_moderator(state: &AppState, account_id: i64) -> AppResult<()> {
    if gate::is_moderator(&roles(state, account_id).await?) {
        Ok(())
    } else {
        Err(refused(&Refusal::NotModerator))
    }
}

/// Asks the gate; the citation to record on success.
pub async fn check_gate(
    state: &AppState,
    actor: i64,
    target: Option<i64>,
    act: Act,
    citation: Option<&str>,
) -> AppResult<Citation> {
    let actor_roles = roles(state, actor).await?;
    let docs = documents_in_force(state).await?;
    gate::check(
        &docs,
        &Request {
            citation,
            act,
            actor,
            actor_roles: &actor_roles,
            target,
        },
    )
    .map_err(|r| refused(&r))
}

/// Opens the action's write transaction and asks the gate's time-sensitive questions again
/// inside it: the actor still holds the role and the cited version is still the one in force
/// (an amendment enacted, or a role removed, between the gate's reads and this transaction would
/// otherwise let a superseded citation be recorded). On SQLite the transaction holds the write
/// lock from BEGIN, so nothing can change until it commits.
async fn begin_gated(
    state: &AppState,
    actor: i64,
    citation: &Citation,
    now: i64,
) -> AppResult<WriteTx> {
    let mut tx = state.db.begin_write().await?;
    let actor_roles = gov_store::active_roles(&mut **tx, actor).await?;
    if !gate::is_moderator(&actor_roles) {
        return Err(refused(&Refusal::NotModerator));
    }
    let in_force = gov_store::policy_in_force(&mut **tx, &citation.slug, now)
        .await?
        .map(|row| row.version);
    match in_force {
        Some(v) if v == i64::from(citation.version) => Ok(tx),
        Some(v) => {
            let cited = citation.clone();
            let in_force = u32::try_from(v).unwrap_or(u32::MAX);
            Err(refused(&if cited.version < in_force {
                Refusal::Superseded { cited, in_force }
            } else {
                Refusal::NotInForce { cited, in_force }
            }))
        }
        None => Err(refused(&Refusal::UnknownPolicy {
            slug: citation.slug.clone(),
            known: Vec::new(),
        })),
    }
}

/// Mastodon's obfuscation of a blocked domain: every other character of the name starred, dots
/// kept. The public list and the moderation log show an `obfuscate` block's domain this way.
pub fn obfuscate_domain(domain: &str) -> String {
    domain
        .chars()
        .enumerate()
        .map(|(i, c)| if c != '.' && i % 2 == 1 { '*' } else { c })
        .collect()
}

async fn target_account(state: &AppState, id: i64) -> AppResult<AccountRow> {
    account_store::account_by_id(&state.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)
}

fn log_row(action: &str, actor: Option<i64>, now: i64) -> ActionRow {
    ActionRow {
        id: ids::next_id_at(now / 1000),
        action: action.to_string(),
        target_account_id: None,
        target_status_id: None,
        target_domain: None,
        citation: None,
        reason: String::new(),
        moderator_account_id: actor,
        report_id: None,
        strike_id: None,
        appeal_id: None,
        proposal_id: None,
        created_at: now,
    }
}

fn check_text(field: &str, text: &str, max: usize) -> AppResult<()> {
    if text.chars().count() > max {
        return Err(AppError::validation(
            field,
            "too_long",
            &format!("is too long (maximum is {max} characters)"),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------- reports

pub const CATEGORIES: &[&str] = &["spam", "legal", "violation", "other"];

pub struct NewReport {
    pub account_id: String,
    pub status_ids: Vec<String>,
    pub comment: String,
    pub forward: bool,
    pub category: Option<String>,
    pub rule_ids: Vec<String>,
}

/// `POST /api/v1/reports`. `rule_ids` are top-level clauses of the code of conduct in force
/// (the ids `/api/v1/instance/rules` serves); they are stored with their citations.
pub async fn report(state: &AppState, reporter: i64, r: NewReport) -> AppResult<ReportRow> {
    let target_id: i64 = r
        .account_id
        .trim()
        .parse()
        .map_err(|_| AppError::not_found())?;
    let target = target_account(state, target_id).await?;
    if target.id == reporter {
        return Err(AppError::validation(
            "account_id",
            "invalid",
            "cannot be your own account",
        ));
    }
    check_text("comment", &r.comment, 1000)?;
    let mut status_ids = Vec::new();
    for id in &r.status_ids {
        let sid: i64 = id.trim().parse().map_err(|_| AppError::not_found())?;
        let s = status_store::visible_by_id(&state.db.pool, sid, reporter)
            .await?
            .filter(|s| s.account_id == target.id)
            .ok_or_else(|| {
                AppError::validation(
                    "status_ids",
                    "invalid",
                    &format!("must be statuses of the reported account you can see ({id} is not)"),
                )
            })?;
        if !status_ids.contains(&s.id) {
            status_ids.push(s.id);
        }
    }
    let now = state.clock.now_micros();
    let coc = crate::services::policies::in_force(&state.db, CODE_OF_CONDUCT_SLUG, now)
        .await?
        .ok_or_else(|| AppError::internal_msg("no code of conduct in force"))?;
    let mut rule_ids: Vec<String> = Vec::new();
    let mut citations: Vec<String> = Vec::new();
    for id in &r.rule_ids {
        let id = id.trim();
        match coc.clause(id).filter(|c| c.is_top_level()) {
            Some(c) => {
                if !rule_ids.contains(&c.id) {
                    rule_ids.push(c.id.clone());
                    citations.push(Citation::new(&coc.slug, coc.version, &c.id).to_string());
                }
            }
            None => {
                let rules: Vec<&str> = coc.top_level_clauses().map(|c| c.id.as_str()).collect();
                return Err(AppError::validation(
                    "rule_ids",
                    "invalid",
                    &format!(
                        "must be rules of {}@{} (one of {}); {id:?} is not",
                        coc.slug,
                        coc.version,
                        rules.join(", ")
                    ),
                ));
            }
        }
    }
    let category = match r
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        // Mastodon: rules given make it a violation report.
        _ if !rule_ids.is_empty() => "violation".to_string(),
        Some(c) if CATEGORIES.contains(&c) => c.to_string(),
        Some(c) => {
            return Err(AppError::validation(
                "category",
                "inclusion",
                &format!("must be one of {} (got {c:?})", CATEGORIES.join(", ")),
            ))
        }
        None => "other".to_string(),
    };
    let row = ReportRow {
        id: ids::next_id_at(now / 1000),
        account_id: reporter,
        target_account_id: target.id,
        category,
        comment: r.comment,
        status_ids_json: json!(status_ids).to_string(),
        rule_ids_json: json!(rule_ids).to_string(),
        rule_citations_json: json!(citations).to_string(),
        forward: crate::storage::flag(r.forward && !target.domain.is_empty()),
        forwarded_at: None,
        assigned_account_id: None,
        action_taken_at: None,
        action_taken_by_account_id: None,
        created_at: now,
        updated_at: now,
    };
    let mut tx = state.db.begin_write().await?;
    store::insert_report(&mut **tx, &row).await?;
    if row.forward == 1 {
        crate::services::federation::report_forwarded(&mut tx, state, &row, now).await?;
    }
    tx.commit().await?;
    Ok(row)
}

/// Which reports the queue lists (Mastodon's `GET /api/v1/admin/reports` filters).
pub async fn reports(
    state: &AppState,
    actor: i64,
    f: ReportFilter,
    page: &Page,
) -> AppResult<Vec<ReportRow>> {
    require_moderator(state, actor).await?;
    Ok(store::reports(&state.db.pool, f, page).await?)
}

pub async fn get_report(state: &AppState, actor: i64, id: i64) -> AppResult<ReportRow> {
    require_moderator(state, actor).await?;
    store::report(&state.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportChange {
    AssignToSelf,
    Unassign,
    Resolve,
    Reopen,
}

/// Assign, unassign, resolve, reopen. Resolving without an action is a decision too: it is logged.
pub async fn change_report(
    state: &AppState,
    actor: i64,
    id: i64,
    change: ReportChange,
) -> AppResult<ReportRow> {
    let report = get_report(state, actor, id).await?;
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    match change {
        ReportChange::AssignToSelf => store::assign_report(&mut **tx, id, Some(actor), now).await?,
        ReportChange::Unassign => store::assign_report(&mut **tx, id, None, now).await?,
        ReportChange::Resolve | ReportChange::Reopen => {
            let resolve = change == ReportChange::Resolve;
            store::set_report_resolved(&mut **tx, id, resolve.then_some(actor), now).await?;
            let mut entry = log_row(
                if resolve {
                    "resolve_report"
                } else {
                    "reopen_report"
                },
                Some(actor),
                now,
            );
            entry.target_account_id = Some(report.target_account_id);
            entry.report_id = Some(id);
            store::insert_action(&mut **tx, &entry).await?;
        }
    }
    let row = store::report(&mut **tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok(row)
}

// ---------------------------------------------------------------- admin account lists

/// `GET /api/v1|v2/admin/accounts`: the ids of the accounts matching `f`, for moderators.
pub async fn admin_accounts(
    state: &AppState,
    actor: i64,
    f: &AccountFilter,
    page: &Page,
) -> AppResult<Vec<i64>> {
    require_moderator(state, actor).await?;
    Ok(store::account_ids(&state.db.pool, f, page).await?)
}

// ---------------------------------------------------------------- account actions

/// Mastodon's `POST /api/v1/admin/accounts/:id/action` types (plus `warn`, the same as `none`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    Warn,
    Sensitive,
    Disable,
    Silence,
    Suspend,
}

impl AccountAction {
    pub fn parse(s: &str) -> AppResult<AccountAction> {
        Ok(match s.trim() {
            "none" | "warn" => AccountAction::Warn,
            "sensitive" => AccountAction::Sensitive,
            "disable" => AccountAction::Disable,
            "silence" => AccountAction::Silence,
            "suspend" => AccountAction::Suspend,
            other => {
                return Err(AppError::validation(
                    "type",
                    "inclusion",
                    &format!(
                        "must be one of none, warn, sensitive, disable, silence, suspend (got {other:?})"
                    ),
                ))
            }
        })
    }

    pub fn sanction(self) -> Sanction {
        match self {
            AccountAction::Warn => Sanction::Warn,
            AccountAction::Sensitive => Sanction::Sensitive,
            AccountAction::Disable => Sanction::Disable,
            AccountAction::Silence => Sanction::Silence,
            AccountAction::Suspend => Sanction::Suspend,
        }
    }

    /// The strike's action, as Mastodon names account warnings.
    pub fn strike_action(self) -> &'static str {
        match self {
            AccountAction::Warn => "none",
            AccountAction::Sensitive => "sensitive",
            AccountAction::Disable => "disable",
            AccountAction::Silence => "silence",
            AccountAction::Suspend => "suspend",
        }
    }
}

pub struct ActionInput {
    pub action: AccountAction,
    pub report_id: Option<String>,
    pub text: String,
    pub policy_clause: Option<String>,
}

/// What `appealable_until` a strike taken now gets, from the moderation policy in force.
async fn appeal_deadline(state: &AppState, now: i64) -> AppResult<Option<i64>> {
    let window = crate::services::policies::in_force(&state.db, MODERATION_POLICY_SLUG, now)
        .await?
        .and_then(|d| d.appeal_window_days);
    Ok(gate::appeal_deadline(now, window))
}

async fn report_about(state: &AppState, id: Option<&str>, target: i64) -> AppResult<Option<i64>> {
    let Some(id) = id.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let report = match id.parse::<i64>() {
        Ok(n) => store::report(&state.db.pool, n).await?,
        Err(_) => None,
    };
    match report {
        Some(r) if r.target_account_id == target => Ok(Some(r.id)),
        _ => Err(AppError::validation(
            "report_id",
            "invalid",
            "must be a report about this account",
        )),
    }
}

/// Imposes a sanction on an account: gate, then the effect, the strike and the log entry in one
/// transaction. Returns the strike.
pub async fn act_on_account(
    state: &AppState,
    actor: i64,
    target_id: i64,
    input: ActionInput,
) -> AppResult<StrikeRow> {
    let target = target_account(state, target_id).await?;
    let citation = check_gate(
        state,
        actor,
        Some(target.id),
        Act::Impose(input.action.sanction()),
        input.policy_clause.as_deref(),
    )
    .await?;
    check_text("text", &input.text, 5000)?;
    let report_id = report_about(state, input.report_id.as_deref(), target.id).await?;
    if input.action == AccountAction::Disable
        && account_store::user_by_account(&state.db.pool, target.id)
            .await?
            .is_none()
    {
        return Err(AppError::validation(
            "type",
            "invalid",
            "disable applies to local accounts only (their login)",
        ));
    }
    let now = state.clock.now_micros();
    let deadline = appeal_deadline(state, now).await?;
    let mut tx = begin_gated(state, actor, &citation, now).await?;
    apply(&mut tx, target.id, input.action, true, now).await?;
    let mut entry = log_row(input.action.sanction().as_str(), Some(actor), now);
    let strike = StrikeRow {
        id: ids::next_id_at(now / 1000),
        account_id: target.id,
        action: input.action.strike_action().to_string(),
        citation: citation.to_string(),
        text: input.text.clone(),
        statuses_json: "[]".into(),
        report_id,
        moderation_action_id: entry.id,
        moderator_account_id: actor,
        appealable_until: deadline,
        overruled_at: None,
        created_at: now,
    };
    entry.target_account_id = Some(target.id);
    entry.citation = Some(citation.to_string());
    entry.reason = input.text;
    entry.report_id = report_id;
    entry.strike_id = Some(strike.id);
    store::insert_action(&mut **tx, &entry).await?;
    store::insert_strike(&mut **tx, &strike).await?;
    warn_account(&mut tx, &target, strike.id, now).await?;
    // Mastodon: the report acted on is resolved; any sanction beyond a warning resolves every
    // open report about the account.
    if let Some(r) = report_id {
        store::set_report_resolved(&mut **tx, r, Some(actor), now).await?;
    }
    if input.action != AccountAction::Warn {
        store::resolve_reports_on(&mut **tx, target.id, actor, now).await?;
    }
    tx.commit().await?;
    Ok(strike)
}

/// Tells a local account of its strike with a `moderation_warning` notification (Mastodon
/// 4.3), streamed once the action commits. Remote accounts are not told: their server is.
async fn warn_account(
    tx: &mut WriteTx,
    account: &AccountRow,
    strike_id: i64,
    now: i64,
) -> AppResult<()> {
    if !account.domain.is_empty() {
        return Ok(());
    }
    let id = ids::next_id_at(now / 1000);
    crate::storage::notifications::insert_warning(&mut ***tx, id, account.id, strike_id, now)
        .await?;
    tx.record(crate::storage::Change::Notification(id));
    Ok(())
}

/// Mastodon's AccountWarning for a strike (a `moderation_warning` notification's payload);
/// `None` when the strike is gone.
pub async fn account_warning(
    state: &AppState,
    strike_id: i64,
    target: &crate::entities::Account,
) -> AppResult<Option<serde_json::Value>> {
    let Some(s) = store::strike(&state.db.pool, strike_id).await? else {
        return Ok(None);
    };
    let appeal = store::appeal_of_strike(&state.db.pool, s.id).await?;
    let status_ids: Vec<String> = serde_json::from_str::<Vec<serde_json::Value>>(&s.statuses_json)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v["id"].as_str().map(str::to_string))
        .collect();
    Ok(Some(json!({
        "id": s.id.to_string(),
        "action": s.action,
        "text": s.text,
        "status_ids": status_ids,
        "target_account": target,
        "appeal": appeal.map(|a| json!({ "text": a.text, "state": a.state })),
        "created_at": crate::time::iso(s.created_at),
        "policy_clause": s.citation,
    })))
}

/// Sets (`on`) or lifts the effect of an account action.
async fn apply(
    tx: &mut WriteTx,
    account_id: i64,
    action: AccountAction,
    on: bool,
    now: i64,
) -> AppResult<()> {
    let at = on.then_some(now);
    match action {
        AccountAction::Warn => {}
        AccountAction::Sensitive => {
            store::set_account_flag(&mut ***tx, account_id, AccountFlag::Sensitized, at).await?
        }
        AccountAction::Silence => {
            store::set_account_flag(&mut ***tx, account_id, AccountFlag::Silenced, at).await?
        }
        AccountAction::Suspend => {
            store::set_account_flag(&mut ***tx, account_id, AccountFlag::Suspended, at).await?;
            federation_hooks::account_suspended(tx, account_id, on, now).await?;
        }
        AccountAction::Disable => store::set_user_disabled(&mut ***tx, account_id, on).await?,
    }
    tx.record(crate::storage::Change::AccountChanged(account_id));
    Ok(())
}

/// Mastodon's reversals: `unsilence`, `unsuspend`, `unsensitive`, `enable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reversal {
    Unsilence,
    Unsuspend,
    Unsensitive,
    Enable,
}

impl Reversal {
    fn undoes(self) -> AccountAction {
        match self {
            Reversal::Unsilence => AccountAction::Silence,
            Reversal::Unsuspend => AccountAction::Suspend,
            Reversal::Unsensitive => AccountAction::Sensitive,
            Reversal::Enable => AccountAction::Disable,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Reversal::Unsilence => "unsilence",
            Reversal::Unsuspend => "unsuspend",
            Reversal::Unsensitive => "unsensitive",
            Reversal::Enable => "enable",
        }
    }
}

/// Lifts a sanction. It cites a clause in force too (the one it is lifted under), which is
/// recorded in the log; no clause needs to permit lifting.
pub async fn reverse(
    state: &AppState,
    actor: i64,
    target_id: i64,
    reversal: Reversal,
    policy_clause: Option<&str>,
    text: &str,
) -> AppResult<()> {
    let target = target_account(state, target_id).await?;
    let action = reversal.undoes();
    let citation = check_gate(
        state,
        actor,
        Some(target.id),
        Act::Lift(action.sanction()),
        policy_clause,
    )
    .await?;
    check_text("text", text, 5000)?;
    let now = state.clock.now_micros();
    let mut tx = begin_gated(state, actor, &citation, now).await?;
    apply(&mut tx, target.id, action, false, now).await?;
    let mut entry = log_row(reversal.name(), Some(actor), now);
    entry.target_account_id = Some(target.id);
    entry.citation = Some(citation.to_string());
    entry.reason = text.to_string();
    store::insert_action(&mut **tx, &entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Approves a pending sign-up (registrations in approval mode), citing the clause that permits
/// `approve_signup` (every admin action carries its citation; admitting someone is a decision
/// the members' policy must allow like any other).
pub async fn approve(
    state: &AppState,
    actor: i64,
    target_id: i64,
    policy_clause: Option<&str>,
    text: &str,
) -> AppResult<()> {
    let target = target_account(state, target_id).await?;
    let citation = check_gate(
        state,
        actor,
        Some(target.id),
        Act::Impose(Sanction::ApproveSignup),
        policy_clause,
    )
    .await?;
    check_text("text", text, 5000)?;
    let now = state.clock.now_micros();
    let mut tx = begin_gated(state, actor, &citation, now).await?;
    pending(&mut tx, target.id).await?;
    store::set_user_approved(&mut **tx, target.id).await?;
    tx.record(crate::storage::Change::AccountChanged(target.id));
    let mut entry = log_row("approve", Some(actor), now);
    entry.target_account_id = Some(target.id);
    entry.citation = Some(citation.to_string());
    entry.reason = text.to_string();
    store::insert_action(&mut **tx, &entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Read inside the decision's transaction, so two moderators deciding the same sign-up at once
/// cannot both succeed.
async fn pending(tx: &mut WriteTx, account_id: i64) -> AppResult<()> {
    match store::is_pending(&mut ***tx, account_id).await? {
        Some(true) => Ok(()),
        _ => Err(AppError::forbidden("This account is not pending approval")),
    }
}

/// Rejects a pending sign-up, citing a clause that permits `reject_signup`. Mastodon deletes the
/// account; Herd keeps the row (ids stay stable in the log) but suspends it, disables the login
/// and revokes its tokens.
pub async fn reject(
    state: &AppState,
    actor: i64,
    target_id: i64,
    policy_clause: Option<&str>,
    text: &str,
) -> AppResult<()> {
    let target = target_account(state, target_id).await?;
    let citation = check_gate(
        state,
        actor,
        Some(target.id),
        Act::Impose(Sanction::RejectSignup),
        policy_clause,
    )
    .await?;
    check_text("text", text, 5000)?;
    let now = state.clock.now_micros();
    let mut tx = begin_gated(state, actor, &citation, now).await?;
    pending(&mut tx, target.id).await?;
    store::set_user_disabled(&mut **tx, target.id, true).await?;
    store::set_account_flag(&mut **tx, target.id, AccountFlag::Suspended, Some(now)).await?;
    store::revoke_tokens(&mut **tx, target.id, now).await?;
    tx.record(crate::storage::Change::AccountChanged(target.id));
    tx.record(crate::storage::Change::TokensRevoked);
    let mut entry = log_row("reject", Some(actor), now);
    entry.target_account_id = Some(target.id);
    entry.citation = Some(citation.to_string());
    entry.reason = text.to_string();
    store::insert_action(&mut **tx, &entry).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------- statuses

/// Deletes a status under a clause that permits `delete_status`. The author gets a strike that
/// keeps a copy of the deleted text (deleted posts cannot be restored, even on appeal).
pub async fn delete_status(
    state: &AppState,
    actor: i64,
    status_id: &str,
    policy_clause: Option<&str>,
    text: &str,
    report_id: Option<&str>,
) -> AppResult<StrikeRow> {
    let id: i64 = status_id
        .trim()
        .parse()
        .map_err(|_| AppError::not_found())?;
    let status = status_store::by_id(&state.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let citation = check_gate(
        state,
        actor,
        Some(status.account_id),
        Act::Impose(Sanction::DeleteStatus),
        policy_clause,
    )
    .await?;
    check_text("text", text, 5000)?;
    let report_id = report_about(state, report_id, status.account_id).await?;
    let now = state.clock.now_micros();
    let deadline = appeal_deadline(state, now).await?;
    let mut tx = begin_gated(state, actor, &citation, now).await?;
    // Delete(Note) to its audience, queued before the rows go (a local status only).
    crate::services::federation::status_changed(
        &mut tx,
        state,
        &status,
        crate::services::federation::StatusEvent::Deleted,
        now,
    )
    .await?;
    crate::services::statuses::remove(&mut tx, &status, now).await?;
    let mut entry = log_row(Sanction::DeleteStatus.as_str(), Some(actor), now);
    let strike = StrikeRow {
        id: ids::next_id_at(now / 1000),
        account_id: status.account_id,
        action: "delete_statuses".into(),
        citation: citation.to_string(),
        text: text.to_string(),
        statuses_json: json!([{
            "id": status.id.to_string(),
            "created_at": crate::time::iso(status.created_at),
            "content": status.content,
            "spoiler_text": status.spoiler_text,
        }])
        .to_string(),
        report_id,
        moderation_action_id: entry.id,
        moderator_account_id: actor,
        appealable_until: deadline,
        overruled_at: None,
        created_at: now,
    };
    entry.target_account_id = Some(status.account_id);
    entry.target_status_id = Some(status.id);
    entry.citation = Some(citation.to_string());
    entry.reason = text.to_string();
    entry.report_id = report_id;
    entry.strike_id = Some(strike.id);
    store::insert_action(&mut **tx, &entry).await?;
    store::insert_strike(&mut **tx, &strike).await?;
    let author = target_account(state, status.account_id).await?;
    warn_account(&mut tx, &author, strike.id, now).await?;
    if let Some(r) = report_id {
        store::set_report_resolved(&mut **tx, r, Some(actor), now).await?;
    }
    tx.commit().await?;
    Ok(strike)
}

// ---------------------------------------------------------------- domains

/// A domain as Mastodon stores it: lower-case host (with optional port), no scheme or path.
pub fn normalize_domain(raw: &str) -> AppResult<String> {
    let d = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let ok = !d.is_empty()
        && d.len() <= 253
        && d.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'*'))
        && !d.starts_with(['.', '-', ':']);
    if !ok {
        return Err(AppError::validation(
            "domain",
            "invalid",
            "must be a domain name such as example.org",
        ));
    }
    Ok(d)
}

pub struct DomainBlockInput {
    pub domain: Option<String>,
    pub severity: Option<String>,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub private_comment: String,
    pub public_comment: String,
    pub obfuscate: bool,
    pub policy_clause: Option<String>,
}

/// The sanctions a block imposes, the first being the one it is logged as.
fn block_sanctions(severity: &str, reject_media: bool) -> AppResult<Vec<Sanction>> {
    let mut out = match severity {
        "suspend" => vec![Sanction::DomainBlock],
        "silence" => vec![Sanction::DomainSilence],
        "noop" => vec![],
        other => {
            return Err(AppError::validation(
                "severity",
                "inclusion",
                &format!("must be one of silence, suspend, noop (got {other:?})"),
            ))
        }
    };
    if reject_media && severity != "suspend" {
        out.push(Sanction::RejectMedia);
    }
    Ok(out)
}

async fn gate_block(
    state: &AppState,
    actor: i64,
    severity: &str,
    reject_media: bool,
    clause: Option<&str>,
) -> AppResult<Citation> {
    let sanctions = block_sanctions(severity, reject_media)?;
    if sanctions.is_empty() {
        return check_gate(state, actor, None, Act::Decide, clause).await;
    }
    let mut citation = None;
    for s in sanctions {
        citation = Some(check_gate(state, actor, None, Act::Impose(s), clause).await?);
    }
    citation.ok_or_else(|| AppError::internal_msg("no sanction checked"))
}

pub async fn create_domain_block(
    state: &AppState,
    actor: i64,
    input: DomainBlockInput,
) -> AppResult<DomainBlockRow> {
    let severity = input
        .severity
        .as_deref()
        .unwrap_or("silence")
        .trim()
        .to_string();
    let citation = gate_block(
        state,
        actor,
        &severity,
        input.reject_media,
        input.policy_clause.as_deref(),
    )
    .await?;
    let domain = normalize_domain(input.domain.as_deref().unwrap_or(""))?;
    if domain == state.config.domain.to_ascii_lowercase() {
        return Err(AppError::validation(
            "domain",
            "invalid",
            "cannot be this server's own domain",
        ));
    }
    check_text("public_comment", &input.public_comment, 1000)?;
    check_text("private_comment", &input.private_comment, 1000)?;
    if let Some(existing) = store::domain_block_by_domain(&state.db.pool, &domain).await? {
        let mut e = AppError::unprocessable(format!(
            "{domain} is already blocked (domain block {}): update it instead",
            existing.id
        ));
        e.details = Some(
            json!({ "existing_domain_block": { "id": existing.id.to_string(), "domain": existing.domain } }),
        );
        return Err(e);
    }
    let now = state.clock.now_micros();
    let row = DomainBlockRow {
        id: ids::next_id_at(now / 1000),
        domain: domain.clone(),
        severity,
        reject_media: crate::storage::flag(input.reject_media),
        reject_reports: crate::storage::flag(input.reject_reports),
        private_comment: input.private_comment,
        public_comment: input.public_comment,
        obfuscate: crate::storage::flag(input.obfuscate),
        citation: citation.to_string(),
        moderator_account_id: Some(actor),
        created_at: now,
        updated_at: now,
    };
    let mut tx = begin_gated(state, actor, &citation, now).await?;
    store::insert_domain_block(&mut **tx, &row)
        .await
        .map_err(|e| {
            if crate::storage::is_unique_violation(&e) {
                AppError::unprocessable(format!("{domain} is already blocked"))
            } else {
                e.into()
            }
        })?;
    log_domain(&mut tx, actor, &row, "domain_block", now).await?;
    federation_hooks::domain_block_changed(&mut tx, None, Some(&row)).await?;
    tx.commit().await?;
    Ok(row)
}

async fn log_domain(
    tx: &mut WriteTx,
    actor: i64,
    row: &DomainBlockRow,
    action: &str,
    now: i64,
) -> AppResult<()> {
    let mut entry = log_row(action, Some(actor), now);
    // The log is read by members (or everyone): it names the domain as the public list does.
    entry.target_domain = Some(if row.obfuscate != 0 {
        obfuscate_domain(&row.domain)
    } else {
        row.domain.clone()
    });
    entry.citation = Some(row.citation.clone());
    entry.reason = if row.public_comment.is_empty() {
        format!("severity {}", row.severity)
    } else {
        format!("severity {}: {}", row.severity, row.public_comment)
    };
    store::insert_action(&mut ***tx, &entry).await?;
    Ok(())
}

pub async fn update_domain_block(
    state: &AppState,
    actor: i64,
    id: i64,
    input: DomainBlockInput,
) -> AppResult<DomainBlockRow> {
    require_moderator(state, actor).await?;
    let mut row = store::domain_block(&state.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let before = row.clone();
    let severity = input
        .severity
        .as_deref()
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| row.severity.clone());
    let citation = gate_block(
        state,
        actor,
        &severity,
        input.reject_media,
        input.policy_clause.as_deref(),
    )
    .await?;
    check_text("public_comment", &input.public_comment, 1000)?;
    check_text("private_comment", &input.private_comment, 1000)?;
    let now = state.clock.now_micros();
    row.severity = severity;
    row.reject_media = crate::storage::flag(input.reject_media);
    row.reject_reports = crate::storage::flag(input.reject_reports);
    row.private_comment = input.private_comment;
    row.public_comment = input.public_comment;
    row.obfuscate = crate::storage::flag(input.obfuscate);
    row.citation = citation.to_string();
    row.moderator_account_id = Some(actor);
    row.updated_at = now;
    let mut tx = begin_gated(state, actor, &citation, now).await?;
    store::update_domain_block(&mut **tx, &row).await?;
    log_domain(&mut tx, actor, &row, "domain_block_update", now).await?;
    federation_hooks::domain_block_changed(&mut tx, Some(&before), Some(&row)).await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn delete_domain_block(
    state: &AppState,
    actor: i64,
    id: i64,
    policy_clause: Option<&str>,
) -> AppResult<DomainBlockRow> {
    require_moderator(state, actor).await?;
    let row = store::domain_block(&state.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let citation = check_gate(
        state,
        actor,
        None,
        Act::Lift(Sanction::DomainBlock),
        policy_clause,
    )
    .await?;
    let now = state.clock.now_micros();
    let mut tx = begin_gated(state, actor, &citation, now).await?;
    store::delete_domain_block(&mut **tx, id).await?;
    let lifted = DomainBlockRow {
        citation: citation.to_string(),
        public_comment: String::new(),
        ..row.clone()
    };
    log_domain(&mut tx, actor, &lifted, "domain_unblock", now).await?;
    federation_hooks::domain_block_changed(&mut tx, Some(&row), None).await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn domain_blocks(state: &AppState, actor: i64) -> AppResult<Vec<DomainBlockRow>> {
    require_moderator(state, actor).await?;
    Ok(store::domain_blocks(&state.db.pool).await?)
}

pub async fn domain_block(state: &AppState, actor: i64, id: i64) -> AppResult<DomainBlockRow> {
    require_moderator(state, actor).await?;
    store::domain_block(&state.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// The public list (`GET /api/v1/instance/domain_blocks`): every block with its citation.
pub async fn public_domain_blocks(state: &AppState) -> AppResult<Vec<DomainBlockRow>> {
    Ok(store::domain_blocks(&state.db.pool).await?)
}

/// For federation: the block on a domain, if any (delivery and ingestion are to consult it).
/// A block covers its subdomains too (as Mastodon's do); an IP address is matched as a whole.
pub async fn domain_block_for(state: &AppState, domain: &str) -> AppResult<Option<DomainBlockRow>> {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    if domain.is_empty() {
        return Ok(None);
    }
    let host = match domain.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => domain.as_str(),
    };
    let is_ip = host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[');
    // Every inbox POST asks: the answer (mostly "none") is kept until a block changes.
    let cache = &state.read_cache;
    if let Some(known) = cache.domain_block(&domain) {
        return Ok(known.map(|b| (*b).clone()));
    }
    let ticket = cache.ticket();
    let mut candidate = domain.as_str();
    let found = loop {
        if let Some(b) = store::domain_block_by_domain(&state.db.pool, candidate).await? {
            break Some(b);
        }
        match candidate.split_once('.') {
            Some((_, parent)) if !is_ip && parent.contains('.') => candidate = parent,
            _ => break None,
        }
    };
    cache.put_domain_block(ticket, &domain, found.clone().map(std::sync::Arc::new));
    Ok(found)
}

pub async fn create_domain_allow(
    state: &AppState,
    actor: i64,
    domain: Option<&str>,
    policy_clause: Option<&str>,
) -> AppResult<DomainAllowRow> {
    let citation = check_gate(state, actor, None, Act::Decide, policy_clause).await?;
    let domain = normalize_domain(domain.unwrap_or(""))?;
    if let Some(existing) = store::domain_allow_by_domain(&state.db.pool, &domain).await? {
        return Ok(existing); // Mastodon answers the existing allow
    }
    let now = state.clock.now_micros();
    let row = DomainAllowRow {
        id: ids::next_id_at(now / 1000),
        domain,
        citation: citation.to_string(),
        moderator_account_id: Some(actor),
        created_at: now,
    };
    let mut tx = begin_gated(state, actor, &citation, now).await?;
    store::insert_domain_allow(&mut **tx, &row).await?;
    let mut entry = log_row("domain_allow", Some(actor), now);
    entry.target_domain = Some(row.domain.clone());
    entry.citation = Some(row.citation.clone());
    store::insert_action(&mut **tx, &entry).await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn delete_domain_allow(
    state: &AppState,
    actor: i64,
    id: i64,
    policy_clause: Option<&str>,
) -> AppResult<DomainAllowRow> {
    require_moderator(state, actor).await?;
    let row = store::domain_allow(&state.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let citation = check_gate(state, actor, None, Act::Decide, policy_clause).await?;
    let now = state.clock.now_micros();
    let mut tx = begin_gated(state, actor, &citation, now).await?;
    store::delete_domain_allow(&mut **tx, id).await?;
    let mut entry = log_row("domain_disallow", Some(actor), now);
    entry.target_domain = Some(row.domain.clone());
    entry.citation = Some(citation.to_string());
    store::insert_action(&mut **tx, &entry).await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn domain_allows(state: &AppState, actor: i64) -> AppResult<Vec<DomainAllowRow>> {
    require_moderator(state, actor).await?;
    Ok(store::domain_allows(&state.db.pool).await?)
}

pub async fn domain_allow(state: &AppState, actor: i64, id: i64) -> AppResult<DomainAllowRow> {
    require_moderator(state, actor).await?;
    store::domain_allow(&state.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)
}

// ---------------------------------------------------------------- strikes and appeals

/// The caller's own strikes, newest first (readable while suspended).
pub async fn my_strikes(
    state: &AppState,
    account_id: i64,
    page: &Page,
) -> AppResult<(Vec<coop::Strike>, Vec<i64>)> {
    let rows = store::strikes_of(&state.db.pool, account_id, page).await?;
    let mut out = Vec::with_capacity(rows.len());
    for s in &rows {
        let appeal = store::appeal_of_strike(&state.db.pool, s.id).await?;
        out.push(strike_entity(state, s, appeal.as_ref()).await?);
    }
    Ok((out, rows.iter().map(|s| s.id).collect()))
}

pub async fn strike(state: &AppState, id: i64) -> AppResult<StrikeRow> {
    store::strike(&state.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)
}

fn facts(s: &StrikeRow, appealed: bool) -> StrikeFacts {
    StrikeFacts {
        account: s.account_id,
        moderator: s.moderator_account_id,
        appealable_until: s.appealable_until,
        overruled: s.overruled_at.is_some(),
        appealed,
    }
}

/// The affected account appeals a strike within the window the policy set when it was taken.
pub async fn appeal(
    state: &AppState,
    account_id: i64,
    strike_id: i64,
    text: &str,
) -> AppResult<coop::Appeal> {
    let s = strike(state, strike_id).await?;
    let existing = store::appeal_of_strike(&state.db.pool, s.id).await?;
    let now = state.clock.now_micros();
    gate::check_appeal(&facts(&s, existing.is_some()), account_id, now)
        .map_err(|r| appeal_refused(&r))?;
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::validation("text", "blank", "can't be blank"));
    }
    check_text("text", text, 2000)?;
    let row = AppealRow {
        id: ids::next_id_at(now / 1000),
        strike_id: s.id,
        account_id,
        text: text.to_string(),
        state: "pending".into(),
        decided_at: None,
        decided_by_account_id: None,
        decision_reason: None,
        proposal_id: None,
        created_at: now,
    };
    let mut tx = state.db.begin_write().await?;
    store::insert_appeal(&mut **tx, &row).await.map_err(|e| {
        if crate::storage::is_unique_violation(&e) {
            appeal_refused(&AppealRefusal::AlreadyAppealed)
        } else {
            e.into()
        }
    })?;
    tx.commit().await?;
    Ok(coop::Appeal::from(&row))
}

/// The appeal queue (moderators), newest first; with the page's cursor ids.
pub async fn appeals(
    state: &AppState,
    actor: i64,
    filter: Option<&str>,
    page: &Page,
) -> AppResult<(Vec<coop::AppealDetail>, Vec<i64>)> {
    require_moderator(state, actor).await?;
    if let Some(f) = filter {
        if !matches!(f, "pending" | "approved" | "rejected") {
            return Err(AppError::validation(
                "state",
                "inclusion",
                "must be one of pending, approved, rejected",
            ));
        }
    }
    let rows = store::appeals(&state.db.pool, filter, page).await?;
    let mut out = Vec::with_capacity(rows.len());
    for a in &rows {
        out.push(appeal_entity(state, a).await?);
    }
    Ok((out, rows.iter().map(|a| a.id).collect()))
}

/// A moderator other than the one who acted (and other than the appellant) decides an appeal.
/// Approving overturns the strike and reverses its action, in one transaction with the log entry.
pub async fn decide_appeal(
    state: &AppState,
    actor: i64,
    appeal_id: i64,
    approve: bool,
    reason: &str,
) -> AppResult<coop::AppealDetail> {
    let a = store::appeal(&state.db.pool, appeal_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let s = strike(state, a.strike_id).await?;
    let actor_roles = roles(state, actor).await?;
    gate::check_appeal_decision(&facts(&s, true), actor, &actor_roles, a.state != "pending")
        .map_err(|r| appeal_refused(&r))?;
    check_text("reason", reason, 2000)?;
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    settle_appeal(&mut tx, &a, &s, approve, Some(actor), None, reason, now).await?;
    let row = store::appeal(&mut **tx, appeal_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    appeal_entity(state, &row).await
}

/// Records a decision on an appeal (by a moderator, or by the members through an enacted
/// proposal) and, when approved, overturns the strike and reverses its effect.
#[allow(clippy::too_many_arguments)] // one value per column the decision writes
pub async fn settle_appeal(
    tx: &mut WriteTx,
    a: &AppealRow,
    s: &StrikeRow,
    approve: bool,
    by: Option<i64>,
    proposal_id: Option<i64>,
    reason: &str,
    now: i64,
) -> AppResult<()> {
    let state_name = if approve { "approved" } else { "rejected" };
    if !store::decide_appeal(&mut ***tx, a.id, state_name, by, reason, proposal_id, now).await? {
        return Err(appeal_refused(&AppealRefusal::AlreadyDecided));
    }
    if approve && store::overrule_strike(&mut ***tx, s.id, now).await? {
        let action = match s.action.as_str() {
            "sensitive" => Some(AccountAction::Sensitive),
            "silence" => Some(AccountAction::Silence),
            "suspend" => Some(AccountAction::Suspend),
            "disable" => Some(AccountAction::Disable),
            _ => None, // a warning or a deletion: the strike is overturned, nothing to lift
        };
        if let Some(action) = action {
            // Another standing strike of the same kind keeps the sanction in place.
            if !store::other_standing_strike(&mut ***tx, s.account_id, &s.action, s.id).await? {
                apply(tx, s.account_id, action, false, now).await?;
            }
        }
    }
    let mut entry = log_row(
        if approve {
            "appeal_approved"
        } else {
            "appeal_rejected"
        },
        by,
        now,
    );
    entry.target_account_id = Some(s.account_id);
    entry.citation = Some(s.citation.clone());
    entry.reason = reason.to_string();
    entry.strike_id = Some(s.id);
    entry.appeal_id = Some(a.id);
    entry.proposal_id = proposal_id;
    store::insert_action(&mut ***tx, &entry).await?;
    Ok(())
}

/// The appeal a `general` proposal's payload decides: `{appeal_id, decision: approve|reject}`.
fn appeal_payload(payload: &serde_json::Value) -> Result<Option<(i64, bool)>, String> {
    let Some(v) = payload.get("appeal_id") else {
        return Ok(None);
    };
    let id = match v {
        serde_json::Value::String(s) => s.trim().parse::<i64>().ok(),
        serde_json::Value::Number(n) => n.as_i64(),
        _ => None,
    }
    .ok_or_else(|| "appeal_id must be an appeal id".to_string())?;
    let approve = match payload.get("decision").and_then(|d| d.as_str()) {
        None | Some("approve") => true,
        Some("reject") => false,
        Some(other) => {
            return Err(format!(
                "decision must be approve or reject (got {other:?})"
            ))
        }
    };
    Ok(Some((id, approve)))
}

/// Checks a `general` proposal that decides an appeal: the appeal exists and is pending.
pub async fn check_appeal_payload(state: &AppState, payload: &serde_json::Value) -> AppResult<()> {
    let invalid = |m: &str| AppError::validation("payload", "ERR_INVALID", m);
    let Some((id, _)) = appeal_payload(payload).map_err(|m| invalid(&m))? else {
        return Ok(());
    };
    match store::appeal(&state.db.pool, id).await? {
        Some(a) if a.state == "pending" => Ok(()),
        Some(_) => Err(invalid("appeal_id names an appeal already decided")),
        None => Err(invalid("appeal_id names no appeal")),
    }
}

/// Enacts a passed `general` proposal deciding an appeal (inside the closing transaction). The
/// inner error is why it could not be applied (e.g. a moderator decided it meanwhile).
pub async fn enact_appeal_decision(
    tx: &mut WriteTx,
    proposal_id: i64,
    payload: &serde_json::Value,
    now: i64,
) -> AppResult<Result<serde_json::Value, String>> {
    let (id, approve) = match appeal_payload(payload) {
        Ok(Some(x)) => x,
        Ok(None) => return Ok(Err("no appeal_id".into())),
        Err(m) => return Ok(Err(m)),
    };
    let Some(a) = store::appeal(&mut ***tx, id).await? else {
        return Ok(Err(format!("appeal {id} no longer exists")));
    };
    if a.state != "pending" {
        return Ok(Err(format!("appeal {id} was already {}", a.state)));
    }
    let Some(s) = store::strike(&mut ***tx, a.strike_id).await? else {
        return Ok(Err(format!("the strike of appeal {id} no longer exists")));
    };
    let reason = format!("Decided by the members (proposal {proposal_id})");
    settle_appeal(tx, &a, &s, approve, None, Some(proposal_id), &reason, now).await?;
    Ok(Ok(json!({
        "kind": "general",
        "appeal_id": id.to_string(),
        "decision": if approve { "approved" } else { "rejected" },
    })))
}

// ---------------------------------------------------------------- the log

/// Who may read the moderation log now: the moderation policy in force's `log_visibility`.
pub async fn log_visibility(state: &AppState) -> AppResult<bylaws::LogVisibility> {
    let now = state.clock.now_micros();
    Ok(
        crate::services::policies::in_force(&state.db, MODERATION_POLICY_SLUG, now)
            .await?
            .and_then(|d| d.log_visibility)
            .unwrap_or_default(),
    )
}

/// The moderation log. Who may read it is the moderation policy's `log_visibility`: `members`
/// (the default: active or lapsed members and moderators; anonymous callers get 401) or
/// `public` (anyone, signed in or not).
pub async fn log(
    state: &AppState,
    viewer: Option<i64>,
    page: &Page,
) -> AppResult<(Vec<coop::ModerationAction>, Vec<i64>)> {
    if log_visibility(state).await? != bylaws::LogVisibility::Public {
        let Some(viewer) = viewer else {
            return Err(AppError::unauthorized(
                "The moderation log is visible to members only: sign in",
            ));
        };
        if !gate::is_moderator(&roles(state, viewer).await?) {
            crate::services::membership::require_reader(state, viewer).await?;
        }
    }
    let rows = store::actions(&state.db.pool, None, page).await?;
    let mut out = Vec::with_capacity(rows.len());
    for a in &rows {
        out.push(coop::ModerationAction::from_row(
            a,
            account_entity(state, a.target_account_id).await?,
            account_entity(state, a.moderator_account_id).await?,
        ));
    }
    Ok((out, rows.iter().map(|a| a.id).collect()))
}

/// An account as a moderator reviews it: its row, its user (local accounts only) and its
/// active co-op roles (moved here from `api/mastodon/admin.rs`).
pub async fn account_under_review(
    state: &AppState,
    id: i64,
) -> AppResult<(
    AccountRow,
    Option<crate::storage::accounts::UserRow>,
    Vec<String>,
)> {
    let a = account_store::account_by_id(&state.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let user = account_store::user_by_account(&state.db.pool, id).await?;
    let roles = gov_store::active_roles(&state.db.pool, id).await?;
    Ok((a, user, roles))
}

/// The statuses a report cites, rendered for a moderator whoever their audience was (moved
/// here from `api/mastodon/admin.rs`).
pub async fn reported_statuses(
    state: &AppState,
    viewer: i64,
    ids: &[i64],
) -> AppResult<Vec<crate::entities::Status>> {
    let rows = status_store::by_ids(&state.db.pool, ids).await?;
    crate::services::render::statuses_for_moderators(state, viewer, &rows).await
}

// ---------------------------------------------------------------- entities

/// An account as the client API shows it (None when it is gone).
pub async fn account_entity(state: &AppState, id: Option<i64>) -> AppResult<Option<Account>> {
    Ok(match id {
        Some(id) => crate::services::render::account_list(state, &[id])
            .await?
            .into_iter()
            .next(),
        None => None,
    })
}

/// The clause a citation names, as the cited version words it (null if it cannot be read).
async fn cited_clause(state: &AppState, citation: &str) -> serde_json::Value {
    let Ok(c) = citation.parse::<Citation>() else {
        return serde_json::Value::Null;
    };
    let Ok(view) =
        crate::services::policies::version(state, &c.slug, Some(i64::from(c.version))).await
    else {
        return serde_json::Value::Null;
    };
    match view.doc.clause(&c.clause) {
        Some(cl) => json!({
            "policy": c.slug,
            "version": c.version,
            "id": cl.id,
            "title": cl.title,
            "text": cl.text.trim(),
            "sanctions": cl.sanctions,
        }),
        None => serde_json::Value::Null,
    }
}

pub async fn strike_entity(
    state: &AppState,
    s: &StrikeRow,
    appeal: Option<&AppealRow>,
) -> AppResult<coop::Strike> {
    Ok(coop::Strike::from_row(
        s,
        cited_clause(state, &s.citation).await,
        appeal,
    ))
}

/// An appeal as moderators see it: the appellant, the decider, the strike and its moderator.
async fn appeal_entity(state: &AppState, a: &AppealRow) -> AppResult<coop::AppealDetail> {
    let s = strike(state, a.strike_id).await?;
    let mut strike = strike_entity(state, &s, None).await?;
    strike.moderator = Some(account_entity(state, Some(s.moderator_account_id)).await?);
    Ok(coop::AppealDetail {
        appeal: coop::Appeal::from(a),
        account: account_entity(state, Some(a.account_id)).await?,
        decided_by: account_entity(state, a.decided_by_account_id).await?,
        strike,
    })
}
