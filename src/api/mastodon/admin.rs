//! Moderation through Mastodon's API: `POST /api/v1/reports`, the admin reports queue, account
//! actions and reversals, sign-up approval, status deletion, domain blocks and allows, and the
//! public `GET /api/v1/instance/domain_blocks`. Every action takes one extra field,
//! `policy_clause` (`code-of-conduct@2#4.1`), checked by the moderation gate.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::coop::parse_id;
use crate::entities::{role_entity, Account};
use crate::error::{AppError, AppResult};
use crate::http::auth::{Auth, CurrentUser, MaybeAuth};
use crate::http::body::Payload;
use crate::http::lenient;
use crate::http::pagination::{link_for, PageParams, Paged};
use crate::services::moderation::{
    self as svc, AccountAction, ActionInput, DomainBlockInput, NewReport, ReportChange, Reversal,
};
use crate::services::{policies, render};
use crate::state::AppState;
use crate::storage::moderation::{
    AccountListFilter, AccountStatus, DomainAllowRow, DomainBlockRow, Origin, ReportFilter,
    ReportRow,
};
use crate::time;

fn json_ids(text: &str) -> Vec<String> {
    serde_json::from_str::<Vec<Value>>(text)
        .unwrap_or_default()
        .into_iter()
        .map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        })
        .collect()
}

// ---------------------------------------------------------------- entities

/// Mastodon's Admin::Account.
pub async fn admin_account(state: &AppState, id: i64) -> AppResult<Value> {
    let (a, user, roles) = svc::account_under_review(state, id).await?;
    let role = roles
        .iter()
        .filter_map(|r| role_entity(r))
        .next()
        .map(|r| json!(r));
    Ok(json!({
        "id": a.id.to_string(),
        "username": a.username,
        "domain": if a.domain.is_empty() { Value::Null } else { json!(a.domain) },
        "created_at": time::iso(a.created_at),
        "email": user.as_ref().map(|u| u.email.clone()),
        "ip": null,
        "ips": [],
        "locale": user.as_ref().map(|u| u.locale.clone()),
        "invite_request": user.as_ref().map(|u| u.sign_up_reason.clone()).filter(|r| !r.is_empty()),
        "role": role,
        "confirmed": user.as_ref().is_some_and(|u| u.confirmed_at.is_some()),
        "approved": user.as_ref().is_none_or(|u| u.approved != 0),
        "disabled": user.as_ref().is_some_and(|u| u.disabled != 0),
        "silenced": a.silenced_at.is_some(),
        "suspended": a.suspended_at.is_some(),
        "sensitized": a.sensitized_at.is_some(),
        "account": Account::from_row(state, &a, &roles),
        "created_by_application_id": null,
        "invited_by_account_id": null,
    }))
}

async fn rules_of(state: &AppState, r: &ReportRow) -> AppResult<Vec<Value>> {
    // The rules as the version cited when the report was filed worded them.
    let mut out = Vec::new();
    for c in json_ids(&r.rule_citations_json) {
        let Ok(cite) = c.parse::<herd_governance::bylaws::Citation>() else {
            continue;
        };
        let view = policies::version(state, &cite.slug, Some(i64::from(cite.version))).await?;
        if let Some(clause) = view.doc.clause(&cite.clause) {
            out.push(json!({
                "id": clause.id,
                "text": clause.title,
                "hint": clause.text.trim(),
                "translations": {},
                "citation": c,
            }));
        }
    }
    Ok(out)
}

async fn statuses_of(state: &AppState, viewer: i64, r: &ReportRow) -> AppResult<Vec<Value>> {
    let ids: Vec<i64> = json_ids(&r.status_ids_json)
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let rendered = svc::reported_statuses(state, viewer, &ids).await?;
    Ok(rendered.into_iter().map(|s| json!(s)).collect())
}

/// Mastodon's Report (for the reporter).
async fn report_entity(state: &AppState, r: &ReportRow) -> AppResult<Value> {
    let target = render::account_list(state, &[r.target_account_id]).await?;
    Ok(json!({
        "id": r.id.to_string(),
        "action_taken": r.action_taken_at.is_some(),
        "action_taken_at": r.action_taken_at.map(time::iso),
        "category": r.category,
        "comment": r.comment,
        "forwarded": r.forwarded_at.is_some(),
        "created_at": time::iso(r.created_at),
        "status_ids": json_ids(&r.status_ids_json),
        "rule_ids": json_ids(&r.rule_ids_json),
        "rule_citations": json_ids(&r.rule_citations_json),
        "target_account": target.first(),
    }))
}

async fn maybe_admin_account(state: &AppState, id: Option<i64>) -> AppResult<Value> {
    match id {
        Some(id) => admin_account(state, id).await,
        None => Ok(Value::Null),
    }
}

/// Mastodon's Admin::Report, plus `rule_citations` and `forward_requested`.
async fn admin_report(state: &AppState, viewer: i64, r: &ReportRow) -> AppResult<Value> {
    Ok(json!({
        "id": r.id.to_string(),
        "action_taken": r.action_taken_at.is_some(),
        "action_taken_at": r.action_taken_at.map(time::iso),
        "category": r.category,
        "comment": r.comment,
        "forwarded": r.forwarded_at.is_some(),
        "forward_requested": r.forward != 0,
        "created_at": time::iso(r.created_at),
        "updated_at": time::iso(r.updated_at),
        "account": admin_account(state, r.account_id).await?,
        "target_account": admin_account(state, r.target_account_id).await?,
        "assigned_account": maybe_admin_account(state, r.assigned_account_id).await?,
        "action_taken_by_account": maybe_admin_account(state, r.action_taken_by_account_id).await?,
        "statuses": statuses_of(state, viewer, r).await?,
        "rules": rules_of(state, r).await?,
        "rule_citations": json_ids(&r.rule_citations_json),
    }))
}

fn domain_block_entity(b: &DomainBlockRow) -> Value {
    json!({
        "id": b.id.to_string(),
        "domain": b.domain,
        "digest": sha256_hex(&b.domain),
        "created_at": time::iso(b.created_at),
        "severity": b.severity,
        "reject_media": b.reject_media != 0,
        "reject_reports": b.reject_reports != 0,
        "private_comment": b.private_comment,
        "public_comment": b.public_comment,
        "obfuscate": b.obfuscate != 0,
        "policy_clause": b.citation,
    })
}

fn domain_allow_entity(a: &DomainAllowRow) -> Value {
    json!({
        "id": a.id.to_string(),
        "domain": a.domain,
        "created_at": time::iso(a.created_at),
        "policy_clause": a.citation,
    })
}

fn sha256_hex(s: &str) -> String {
    crate::secrets::token_hash(s)
}

// ---------------------------------------------------------------- access

async fn moderator(state: &AppState, auth: &Auth, scope: &str) -> AppResult<CurrentUser> {
    let me = auth.user(state, scope).await?;
    svc::require_moderator(state, me.account.id).await?;
    Ok(me)
}

// ---------------------------------------------------------------- reports (users)

#[derive(Debug, Deserialize)]
pub struct ReportParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::strings")]
    status_ids: Vec<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    comment: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    forward: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    category: Option<String>,
    #[serde(default, deserialize_with = "lenient::strings")]
    rule_ids: Vec<String>,
}

/// `POST /api/v1/reports`.
pub async fn create_report(
    State(state): State<AppState>,
    auth: Auth,
    Payload { data, .. }: Payload<ReportParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:reports").await?;
    let account_id = data
        .account_id
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| AppError::validation("account_id", "blank", "can't be blank"))?;
    let r = svc::report(
        &state,
        me.account.id,
        NewReport {
            account_id,
            status_ids: data.status_ids,
            comment: data.comment.unwrap_or_default(),
            forward: data.forward.unwrap_or(false),
            category: data.category,
            rule_ids: data.rule_ids,
        },
    )
    .await?;
    Ok(Json(report_entity(&state, &r).await?))
}

// ---------------------------------------------------------------- admin reports

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    resolved: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    target_account_id: Option<String>,
}

pub async fn reports(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ReportQuery>,
) -> AppResult<Paged<Value>> {
    let me = moderator(&state, &auth, "admin:read:reports").await?;
    let page = q.page.page(100, 200);
    let id = |s: &Option<String>| s.as_deref().and_then(|v| v.trim().parse::<i64>().ok());
    let rows = svc::reports(
        &state,
        me.account.id,
        ReportFilter {
            resolved: q.resolved.unwrap_or(false),
            account_id: id(&q.account_id),
            target_account_id: id(&q.target_account_id),
        },
        &page,
    )
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        out.push(admin_report(&state, me.account.id, r).await?);
    }
    let cursors: Vec<i64> = rows.iter().map(|r| r.id).collect();
    Ok(Paged(
        out,
        link_for(&state.base_url(), &uri, &page, &cursors),
    ))
}

pub async fn report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = moderator(&state, &auth, "admin:read:reports").await?;
    let r = svc::get_report(&state, me.account.id, parse_id(&id)?).await?;
    Ok(Json(admin_report(&state, me.account.id, &r).await?))
}

async fn change(
    state: AppState,
    auth: Auth,
    id: String,
    c: ReportChange,
) -> AppResult<Json<Value>> {
    let me = moderator(&state, &auth, "admin:write:reports").await?;
    let r = svc::change_report(&state, me.account.id, parse_id(&id)?, c).await?;
    Ok(Json(admin_report(&state, me.account.id, &r).await?))
}

pub async fn assign_to_self(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    change(state, auth, id, ReportChange::AssignToSelf).await
}

pub async fn unassign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    change(state, auth, id, ReportChange::Unassign).await
}

pub async fn resolve(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    change(state, auth, id, ReportChange::Resolve).await
}

pub async fn reopen(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    change(state, auth, id, ReportChange::Reopen).await
}

// ---------------------------------------------------------------- admin accounts

pub async fn account(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    moderator(&state, &auth, "admin:read:accounts").await?;
    Ok(Json(admin_account(&state, parse_id(&id)?).await?))
}

/// `GET /api/v1/admin/accounts`: Mastodon's v1 filters, which default to local, active accounts.
#[derive(Debug, Deserialize)]
pub struct AccountsV1Query {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    local: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    remote: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    by_domain: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    active: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    pending: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    disabled: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    sensitized: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    silenced: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    suspended: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    username: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    email: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    ip: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    staff: Option<bool>,
}

fn non_blank(s: Option<String>) -> Option<String> {
    s.filter(|v| !v.trim().is_empty())
}

const STAFF_ROLES: [&str; 2] = ["moderator", "admin"];

/// Renders a page of accounts as Admin::Account with its `Link` header.
async fn account_page(
    state: &AppState,
    me: i64,
    uri: &axum::http::Uri,
    filter: &AccountListFilter,
    page: &crate::paging::Page,
    ip: Option<&str>,
) -> AppResult<Paged<Value>> {
    // Herd records no sign-in addresses, so no account matches an `ip` filter.
    let ids = if ip.is_some_and(|v| !v.trim().is_empty()) {
        svc::require_moderator(state, me).await?;
        Vec::new()
    } else {
        svc::admin_accounts(state, me, filter, page).await?
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in &ids {
        out.push(admin_account(state, *id).await?);
    }
    Ok(Paged(out, link_for(&state.base_url(), uri, page, &ids)))
}

pub async fn accounts_v1(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<AccountsV1Query>,
) -> AppResult<Paged<Value>> {
    let me = moderator(&state, &auth, "admin:read:accounts").await?;
    let page = q.page.page(100, 200);
    // Mastodon's translation of v1 flags: local and active unless said otherwise; the last
    // status flag given wins.
    let mut status = AccountStatus::Active;
    for (flag, s) in [
        (q.active, AccountStatus::Active),
        (q.pending, AccountStatus::Pending),
        (q.disabled, AccountStatus::Disabled),
        (q.sensitized, AccountStatus::Sensitized),
        (q.silenced, AccountStatus::Silenced),
        (q.suspended, AccountStatus::Suspended),
    ] {
        if flag == Some(true) {
            status = s;
        }
    }
    let filter = AccountListFilter {
        origin: Some(if q.remote == Some(true) {
            Origin::Remote
        } else {
            Origin::Local
        }),
        by_domain: non_blank(q.by_domain),
        status: Some(status),
        roles: if q.staff == Some(true) {
            STAFF_ROLES.iter().map(|r| r.to_string()).collect()
        } else {
            Vec::new()
        },
        username: non_blank(q.username),
        display_name: non_blank(q.display_name),
        email: non_blank(q.email),
    };
    let _ = q.local; // local is the default
    account_page(&state, me.account.id, &uri, &filter, &page, q.ip.as_deref()).await
}

/// `GET /api/v2/admin/accounts`.
#[derive(Debug, Deserialize)]
pub struct AccountsV2Query {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    origin: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    status: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    permissions: Option<String>,
    #[serde(default, deserialize_with = "lenient::strings")]
    role_ids: Vec<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    invited_by: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    username: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    by_domain: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    email: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    ip: Option<String>,
}

pub async fn accounts_v2(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
) -> AppResult<Paged<Value>> {
    let me = moderator(&state, &auth, "admin:read:accounts").await?;
    // role_ids[] uses brackets: parse the query with the bracket-aware parser.
    let q: AccountsV2Query = serde_json::from_value(crate::http::body::parse_form(
        uri.query().unwrap_or("").as_bytes(),
    )?)
    .map_err(|e| AppError::bad_request(format!("Invalid query: {e}")))?;
    let page = q.page.page(100, 200);
    // Unknown values are refused as Mastodon does (InvalidParameterError: 400).
    let origin = match non_blank(q.origin).as_deref().map(str::trim) {
        None => None,
        Some("local") => Some(Origin::Local),
        Some("remote") => Some(Origin::Remote),
        Some(other) => return Err(AppError::bad_request(format!("Unknown origin: {other}"))),
    };
    let status = match non_blank(q.status).as_deref().map(str::trim) {
        None => None,
        Some("active") => Some(AccountStatus::Active),
        Some("pending") => Some(AccountStatus::Pending),
        Some("disabled") => Some(AccountStatus::Disabled),
        Some("silenced") => Some(AccountStatus::Silenced),
        Some("suspended") => Some(AccountStatus::Suspended),
        Some("sensitized") => Some(AccountStatus::Sensitized),
        Some(other) => return Err(AppError::bad_request(format!("Unknown status: {other}"))),
    };
    let mut roles: Vec<String> = match non_blank(q.permissions).as_deref().map(str::trim) {
        None => Vec::new(),
        Some("staff") => STAFF_ROLES.iter().map(|r| r.to_string()).collect(),
        Some(other) => {
            return Err(AppError::bad_request(format!(
                "Unknown permissions: {other}"
            )))
        }
    };
    for id in &q.role_ids {
        // The ids Role entities carry (see `role_entity`).
        let role = match id.trim() {
            "3" => "admin",
            "2" => "moderator",
            "4" => "treasurer",
            other => return Err(AppError::bad_request(format!("Unknown role id: {other}"))),
        };
        if !roles.iter().any(|r| r == role) {
            roles.push(role.to_string());
        }
    }
    if non_blank(q.invited_by).is_some() {
        // Herd does not record who invited whom: nobody matches.
        svc::require_moderator(&state, me.account.id).await?;
        return Ok(Paged(Vec::new(), None));
    }
    let filter = AccountListFilter {
        origin,
        by_domain: non_blank(q.by_domain),
        status,
        roles,
        username: non_blank(q.username),
        display_name: non_blank(q.display_name),
        email: non_blank(q.email),
    };
    account_page(&state, me.account.id, &uri, &filter, &page, q.ip.as_deref()).await
}

#[derive(Debug, Deserialize)]
pub struct ActionParams {
    #[serde(default, rename = "type", deserialize_with = "lenient::string_opt")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    report_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    text: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    policy_clause: Option<String>,
}

/// `POST /api/v1/admin/accounts/:id/action` → `{}` as Mastodon answers, plus the strike.
pub async fn action(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<ActionParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:write:accounts").await?;
    let kind = AccountAction::parse(data.kind.as_deref().unwrap_or("none"))?;
    let strike = svc::act_on_account(
        &state,
        me.account.id,
        parse_id(&id)?,
        ActionInput {
            action: kind,
            report_id: data.report_id,
            text: data.text.unwrap_or_default(),
            policy_clause: data.policy_clause,
        },
    )
    .await?;
    Ok(Json(json!({
        "strike_id": strike.id.to_string(),
        "policy_clause": strike.citation,
    })))
}

#[derive(Debug, Deserialize)]
pub struct ClauseParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    policy_clause: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    text: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    report_id: Option<String>,
}

async fn reversal(
    state: AppState,
    auth: Auth,
    id: String,
    data: ClauseParams,
    r: Reversal,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:write:accounts").await?;
    let target = parse_id(&id)?;
    svc::reverse(
        &state,
        me.account.id,
        target,
        r,
        data.policy_clause.as_deref(),
        data.text.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(admin_account(&state, target).await?))
}

pub async fn unsilence(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<ClauseParams>,
) -> AppResult<Json<Value>> {
    reversal(state, auth, id, data, Reversal::Unsilence).await
}

pub async fn unsuspend(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<ClauseParams>,
) -> AppResult<Json<Value>> {
    reversal(state, auth, id, data, Reversal::Unsuspend).await
}

pub async fn unsensitive(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<ClauseParams>,
) -> AppResult<Json<Value>> {
    reversal(state, auth, id, data, Reversal::Unsensitive).await
}

pub async fn enable(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<ClauseParams>,
) -> AppResult<Json<Value>> {
    reversal(state, auth, id, data, Reversal::Enable).await
}

pub async fn approve(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<ClauseParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:write:accounts").await?;
    let target = parse_id(&id)?;
    svc::approve(
        &state,
        me.account.id,
        target,
        data.policy_clause.as_deref(),
        data.text.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(admin_account(&state, target).await?))
}

pub async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<ClauseParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:write:accounts").await?;
    let target = parse_id(&id)?;
    svc::reject(
        &state,
        me.account.id,
        target,
        data.policy_clause.as_deref(),
        data.text.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(admin_account(&state, target).await?))
}

// ---------------------------------------------------------------- statuses

/// `DELETE /api/v1/admin/statuses/:id` (also `POST …/:id/delete` for form clients). Mastodon
/// deletes statuses through report actions in its web UI; Herd gives the API one endpoint, gated
/// like every action: `policy_clause` must permit `delete_status`.
pub async fn delete_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<ClauseParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:write:accounts").await?;
    let strike = svc::delete_status(
        &state,
        me.account.id,
        &id,
        data.policy_clause.as_deref(),
        data.text.as_deref().unwrap_or(""),
        data.report_id.as_deref(),
    )
    .await?;
    Ok(Json(json!({
        "strike_id": strike.id.to_string(),
        "policy_clause": strike.citation,
    })))
}

// ---------------------------------------------------------------- domains

#[derive(Debug, Deserialize)]
pub struct DomainBlockParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    domain: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    severity: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    reject_media: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    reject_reports: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    private_comment: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    public_comment: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    obfuscate: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    policy_clause: Option<String>,
}

impl DomainBlockParams {
    fn input(self) -> DomainBlockInput {
        DomainBlockInput {
            domain: self.domain,
            severity: self.severity,
            reject_media: self.reject_media.unwrap_or(false),
            reject_reports: self.reject_reports.unwrap_or(false),
            private_comment: self.private_comment.unwrap_or_default(),
            public_comment: self.public_comment.unwrap_or_default(),
            obfuscate: self.obfuscate.unwrap_or(false),
            policy_clause: self.policy_clause,
        }
    }
}

pub async fn domain_blocks(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<Vec<Value>>> {
    let me = auth.user(&state, "admin:read:domain_blocks").await?;
    let rows = svc::domain_blocks(&state, me.account.id).await?;
    Ok(Json(rows.iter().map(domain_block_entity).collect()))
}

pub async fn domain_block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:read:domain_blocks").await?;
    let row = svc::domain_block(&state, me.account.id, parse_id(&id)?).await?;
    Ok(Json(domain_block_entity(&row)))
}

pub async fn create_domain_block(
    State(state): State<AppState>,
    auth: Auth,
    Payload { data, .. }: Payload<DomainBlockParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:write:domain_blocks").await?;
    let row = svc::create_domain_block(&state, me.account.id, data.input()).await?;
    Ok(Json(domain_block_entity(&row)))
}

pub async fn update_domain_block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<DomainBlockParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:write:domain_blocks").await?;
    let row = svc::update_domain_block(&state, me.account.id, parse_id(&id)?, data.input()).await?;
    Ok(Json(domain_block_entity(&row)))
}

pub async fn delete_domain_block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<ClauseParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:write:domain_blocks").await?;
    let row = svc::delete_domain_block(
        &state,
        me.account.id,
        parse_id(&id)?,
        data.policy_clause.as_deref(),
    )
    .await?;
    Ok(Json(domain_block_entity(&row)))
}

#[derive(Debug, Deserialize)]
pub struct DomainAllowParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    domain: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    policy_clause: Option<String>,
}

pub async fn domain_allows(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<Vec<Value>>> {
    let me = auth.user(&state, "admin:read:domain_allows").await?;
    let rows = svc::domain_allows(&state, me.account.id).await?;
    Ok(Json(rows.iter().map(domain_allow_entity).collect()))
}

pub async fn domain_allow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:read:domain_allows").await?;
    let row = svc::domain_allow(&state, me.account.id, parse_id(&id)?).await?;
    Ok(Json(domain_allow_entity(&row)))
}

pub async fn create_domain_allow(
    State(state): State<AppState>,
    auth: Auth,
    Payload { data, .. }: Payload<DomainAllowParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:write:domain_allows").await?;
    let row = svc::create_domain_allow(
        &state,
        me.account.id,
        data.domain.as_deref(),
        data.policy_clause.as_deref(),
    )
    .await?;
    Ok(Json(domain_allow_entity(&row)))
}

pub async fn delete_domain_allow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<DomainAllowParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:write:domain_allows").await?;
    let row = svc::delete_domain_allow(
        &state,
        me.account.id,
        parse_id(&id)?,
        data.policy_clause.as_deref(),
    )
    .await?;
    Ok(Json(domain_allow_entity(&row)))
}

/// `GET /api/v1/instance/domain_blocks`: public, each block with the clause it was taken under
/// (federation policy 4.2: the list is public).
pub async fn public_domain_blocks(
    State(state): State<AppState>,
    MaybeAuth(_): MaybeAuth,
) -> AppResult<Json<Vec<Value>>> {
    let rows = svc::public_domain_blocks(&state).await?;
    Ok(Json(
        rows.iter()
            .map(|b| {
                json!({
                    "domain": if b.obfuscate != 0 { svc::obfuscate_domain(&b.domain) } else { b.domain.clone() },
                    "digest": sha256_hex(&b.domain),
                    "severity": b.severity,
                    "comment": b.public_comment,
                    "policy_clause": b.citation,
                })
            })
            .collect(),
    ))
}
