//! The Mastodon admin API's use cases as its entities: Admin::Account, Admin::Report (plus
//! `rule_citations` and `forward_requested`), the reporter's Report, Admin::DomainBlock,
//! Admin::DomainAllow and the public domain block list. Each calls the moderation use case
//! (which checks the role and the gate) and builds the entity from its rows here, so the API
//! handlers and the moderation pages render the same thing (moved here from
//! `api/mastodon/admin.rs`).

use serde_json::{json, Value};

use crate::admin_queries::{AccountFilter, ReportFilter};
use crate::entities::{role_entity, Account};
use crate::error::AppResult;
use crate::paging::Page;
use crate::services::moderation::{
    self as svc, DomainBlockInput, NewReport, ReportChange, Reversal,
};
use crate::services::{policies, render};
use crate::state::AppState;
use crate::storage::moderation::{DomainAllowRow, DomainBlockRow, ReportRow};
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

fn sha256_hex(s: &str) -> String {
    crate::secrets::token_hash(s)
}

// ---------------------------------------------------------------- entities

/// Mastodon's Admin::Account (the caller has checked the moderator role).
pub async fn account(state: &AppState, id: i64) -> AppResult<Value> {
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

async fn maybe_account(state: &AppState, id: Option<i64>) -> AppResult<Value> {
    match id {
        Some(id) => account(state, id).await,
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
        "account": account(state, r.account_id).await?,
        "target_account": account(state, r.target_account_id).await?,
        "assigned_account": maybe_account(state, r.assigned_account_id).await?,
        "action_taken_by_account": maybe_account(state, r.action_taken_by_account_id).await?,
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

// ---------------------------------------------------------------- reports

/// `POST /api/v1/reports`: files the report, answered as the reporter sees it.
pub async fn file_report(state: &AppState, reporter: i64, r: NewReport) -> AppResult<Value> {
    let row = svc::report(state, reporter, r).await?;
    report_entity(state, &row).await
}

/// One page of the reports queue, with the cursor ids of the rows read.
pub async fn reports(
    state: &AppState,
    actor: i64,
    f: ReportFilter,
    page: &Page,
) -> AppResult<(Vec<Value>, Vec<i64>)> {
    let rows = svc::reports(state, actor, f, page).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(admin_report(state, actor, r).await?);
    }
    Ok((out, rows.iter().map(|r| r.id).collect()))
}

pub async fn report(state: &AppState, actor: i64, id: i64) -> AppResult<Value> {
    let r = svc::get_report(state, actor, id).await?;
    admin_report(state, actor, &r).await
}

pub async fn change_report(
    state: &AppState,
    actor: i64,
    id: i64,
    change: ReportChange,
) -> AppResult<Value> {
    let r = svc::change_report(state, actor, id, change).await?;
    admin_report(state, actor, &r).await
}

// ---------------------------------------------------------------- accounts

/// One page of accounts matching `f` as Admin::Account, with their ids as cursors. Herd
/// records no sign-in addresses, so no account matches an `ip` filter.
pub async fn accounts(
    state: &AppState,
    actor: i64,
    f: &AccountFilter,
    page: &Page,
    ip: Option<&str>,
) -> AppResult<(Vec<Value>, Vec<i64>)> {
    let ids = if ip.is_some_and(|v| !v.trim().is_empty()) {
        svc::require_moderator(state, actor).await?;
        Vec::new()
    } else {
        svc::admin_accounts(state, actor, f, page).await?
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in &ids {
        out.push(account(state, *id).await?);
    }
    Ok((out, ids))
}

/// Lifts a sanction; the account as it is now.
pub async fn reverse(
    state: &AppState,
    actor: i64,
    target: i64,
    reversal: Reversal,
    policy_clause: Option<&str>,
    text: &str,
) -> AppResult<Value> {
    svc::reverse(state, actor, target, reversal, policy_clause, text).await?;
    account(state, target).await
}

/// Approves a pending sign-up; the account as it is now.
pub async fn approve(
    state: &AppState,
    actor: i64,
    target: i64,
    policy_clause: Option<&str>,
    text: &str,
) -> AppResult<Value> {
    svc::approve(state, actor, target, policy_clause, text).await?;
    account(state, target).await
}

/// Rejects a pending sign-up; the account as it is now (Mastodon answers the same).
pub async fn reject(
    state: &AppState,
    actor: i64,
    target: i64,
    policy_clause: Option<&str>,
    text: &str,
) -> AppResult<Value> {
    svc::reject(state, actor, target, policy_clause, text).await?;
    account(state, target).await
}

// ---------------------------------------------------------------- domains

pub async fn domain_blocks(state: &AppState, actor: i64) -> AppResult<Vec<Value>> {
    let rows = svc::domain_blocks(state, actor).await?;
    Ok(rows.iter().map(domain_block_entity).collect())
}

pub async fn domain_block(state: &AppState, actor: i64, id: i64) -> AppResult<Value> {
    Ok(domain_block_entity(
        &svc::domain_block(state, actor, id).await?,
    ))
}

pub async fn create_domain_block(
    state: &AppState,
    actor: i64,
    input: DomainBlockInput,
) -> AppResult<Value> {
    Ok(domain_block_entity(
        &svc::create_domain_block(state, actor, input).await?,
    ))
}

pub async fn update_domain_block(
    state: &AppState,
    actor: i64,
    id: i64,
    input: DomainBlockInput,
) -> AppResult<Value> {
    Ok(domain_block_entity(
        &svc::update_domain_block(state, actor, id, input).await?,
    ))
}

pub async fn delete_domain_block(
    state: &AppState,
    actor: i64,
    id: i64,
    policy_clause: Option<&str>,
) -> AppResult<Value> {
    Ok(domain_block_entity(
        &svc::delete_domain_block(state, actor, id, policy_clause).await?,
    ))
}

pub async fn domain_allows(state: &AppState, actor: i64) -> AppResult<Vec<Value>> {
    let rows = svc::domain_allows(state, actor).await?;
    Ok(rows.iter().map(domain_allow_entity).collect())
}

pub async fn domain_allow(state: &AppState, actor: i64, id: i64) -> AppResult<Value> {
    Ok(domain_allow_entity(
        &svc::domain_allow(state, actor, id).await?,
    ))
}

pub async fn create_domain_allow(
    state: &AppState,
    actor: i64,
    domain: Option<&str>,
    policy_clause: Option<&str>,
) -> AppResult<Value> {
    Ok(domain_allow_entity(
        &svc::create_domain_allow(state, actor, domain, policy_clause).await?,
    ))
}

pub async fn delete_domain_allow(
    state: &AppState,
    actor: i64,
    id: i64,
    policy_clause: Option<&str>,
) -> AppResult<Value> {
    Ok(domain_allow_entity(
        &svc::delete_domain_allow(state, actor, id, policy_clause).await?,
    ))
}

/// `GET /api/v1/instance/domain_blocks`: public, each block with the clause it was taken under
/// (federation policy 4.2: the list is public); an obfuscated domain is shown masked.
pub async fn public_domain_blocks(state: &AppState) -> AppResult<Vec<Value>> {
    let rows = svc::public_domain_blocks(state).await?;
    Ok(rows
        .iter()
        .map(|b| {
            json!({
                "domain": if b.obfuscate != 0 { svc::obfuscate_domain(&b.domain) } else { b.domain.clone() },
                "digest": sha256_hex(&b.domain),
                "severity": b.severity,
                "comment": b.public_comment,
                "policy_clause": b.citation,
            })
        })
        .collect())
}
