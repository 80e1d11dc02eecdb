//! Moderation through Mastodon's API: `POST /api/v1/reports`, the admin reports queue, account
//! actions and reversals, sign-up approval, status deletion, domain blocks and allows, and the
//! public `GET /api/v1/instance/domain_blocks`. Every action takes one extra field,
//! `policy_clause` (`code-of-conduct@2#4.1`), checked by the moderation gate.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::admin_queries::{AccountFilter, AccountOrigin, AccountStatus, ReportFilter};
use crate::api::coop::parse_id;
use crate::error::{AppError, AppResult};
use crate::http::auth::{Auth, CurrentUser, MaybeAuth};
use crate::http::body::Payload;
use crate::http::lenient;
use crate::http::pagination::{link_for, PageParams, Paged};
use crate::paging::Page;
use crate::services::admin;
use crate::services::moderation::{
    self as svc, AccountAction, ActionInput, DomainBlockInput, NewReport, ReportChange, Reversal,
};
use crate::state::AppState;

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
    let r = admin::file_report(
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
    Ok(Json(r))
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
    let (out, cursors) = admin::reports(
        &state,
        me.account.id,
        ReportFilter {
            resolved: q.resolved.unwrap_or(false),
            account_id: id(&q.account_id),
            target_account_id: id(&q.target_account_id),
            ..ReportFilter::default()
        },
        &page,
    )
    .await?;
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
    Ok(Json(
        admin::report(&state, me.account.id, parse_id(&id)?).await?,
    ))
}

async fn change(
    state: AppState,
    auth: Auth,
    id: String,
    c: ReportChange,
) -> AppResult<Json<Value>> {
    let me = moderator(&state, &auth, "admin:write:reports").await?;
    Ok(Json(
        admin::change_report(&state, me.account.id, parse_id(&id)?, c).await?,
    ))
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
    Ok(Json(admin::account(&state, parse_id(&id)?).await?))
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

/// A page of accounts as Admin::Account with its `Link` header.
async fn account_page(
    state: &AppState,
    me: i64,
    uri: &axum::http::Uri,
    filter: &AccountFilter,
    page: &Page,
    ip: Option<&str>,
) -> AppResult<Paged<Value>> {
    let (out, ids) = admin::accounts(state, me, filter, page, ip).await?;
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
    let filter = AccountFilter {
        origin: Some(if q.remote == Some(true) {
            AccountOrigin::Remote
        } else {
            AccountOrigin::Local
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
        Some("local") => Some(AccountOrigin::Local),
        Some("remote") => Some(AccountOrigin::Remote),
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
    let filter = AccountFilter {
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
    let account = admin::reverse(
        &state,
        me.account.id,
        parse_id(&id)?,
        r,
        data.policy_clause.as_deref(),
        data.text.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(account))
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
    let account = admin::approve(
        &state,
        me.account.id,
        parse_id(&id)?,
        data.policy_clause.as_deref(),
        data.text.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(account))
}

pub async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<ClauseParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:write:accounts").await?;
    let account = admin::reject(
        &state,
        me.account.id,
        parse_id(&id)?,
        data.policy_clause.as_deref(),
        data.text.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(account))
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
    Ok(Json(admin::domain_blocks(&state, me.account.id).await?))
}

pub async fn domain_block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:read:domain_blocks").await?;
    Ok(Json(
        admin::domain_block(&state, me.account.id, parse_id(&id)?).await?,
    ))
}

pub async fn create_domain_block(
    State(state): State<AppState>,
    auth: Auth,
    Payload { data, .. }: Payload<DomainBlockParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:write:domain_blocks").await?;
    Ok(Json(
        admin::create_domain_block(&state, me.account.id, data.input()).await?,
    ))
}

pub async fn update_domain_block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<DomainBlockParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:write:domain_blocks").await?;
    let id = parse_id(&id)?;
    Ok(Json(
        admin::update_domain_block(&state, me.account.id, id, data.input()).await?,
    ))
}

pub async fn delete_domain_block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<ClauseParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:write:domain_blocks").await?;
    let block = admin::delete_domain_block(
        &state,
        me.account.id,
        parse_id(&id)?,
        data.policy_clause.as_deref(),
    )
    .await?;
    Ok(Json(block))
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
    Ok(Json(admin::domain_allows(&state, me.account.id).await?))
}

pub async fn domain_allow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:read:domain_allows").await?;
    Ok(Json(
        admin::domain_allow(&state, me.account.id, parse_id(&id)?).await?,
    ))
}

pub async fn create_domain_allow(
    State(state): State<AppState>,
    auth: Auth,
    Payload { data, .. }: Payload<DomainAllowParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:write:domain_allows").await?;
    let allow = admin::create_domain_allow(
        &state,
        me.account.id,
        data.domain.as_deref(),
        data.policy_clause.as_deref(),
    )
    .await?;
    Ok(Json(allow))
}

pub async fn delete_domain_allow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<DomainAllowParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "admin:write:domain_allows").await?;
    let allow = admin::delete_domain_allow(
        &state,
        me.account.id,
        parse_id(&id)?,
        data.policy_clause.as_deref(),
    )
    .await?;
    Ok(Json(allow))
}

/// `GET /api/v1/instance/domain_blocks`: public, each block with the clause it was taken under
/// (federation policy 4.2: the list is public).
pub async fn public_domain_blocks(
    State(state): State<AppState>,
    MaybeAuth(_): MaybeAuth,
) -> AppResult<Json<Vec<Value>>> {
    Ok(Json(admin::public_domain_blocks(&state).await?))
}
