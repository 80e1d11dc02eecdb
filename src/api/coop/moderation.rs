//! `/api/v1/coop/moderation/…`: the affected account's strikes and appeals, the moderators'
//! appeal queue and decisions, and the moderation log members read.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{paging_headers, parse_id};
use crate::error::AppResult;
use crate::http::auth::{Auth, MaybeAuth};
use crate::http::body::Payload;
use crate::http::lenient;
use crate::http::pagination::PageParams;
use crate::services::moderation as svc;
use crate::services::{policies, render};
use crate::state::AppState;
use crate::storage::moderation::{ActionRow, AppealRow, StrikeRow};
use crate::time;

async fn account(state: &AppState, id: Option<i64>) -> AppResult<Value> {
    Ok(match id {
        Some(id) => json!(render::account_list(state, &[id]).await?.first()),
        None => Value::Null,
    })
}

/// The clause a citation names, as the cited version words it (null if it cannot be read).
async fn clause_of(state: &AppState, citation: &str) -> AppResult<Value> {
    let Ok(c) = citation.parse::<herd_governance::bylaws::Citation>() else {
        return Ok(Value::Null);
    };
    let Ok(view) = policies::version(state, &c.slug, Some(i64::from(c.version))).await else {
        return Ok(Value::Null);
    };
    Ok(match view.doc.clause(&c.clause) {
        Some(cl) => json!({
            "policy": c.slug,
            "version": c.version,
            "id": cl.id,
            "title": cl.title,
            "text": cl.text.trim(),
            "sanctions": cl.sanctions,
        }),
        None => Value::Null,
    })
}

fn appeal_core(a: &AppealRow) -> Value {
    json!({
        "id": a.id.to_string(),
        "strike_id": a.strike_id.to_string(),
        "state": a.state,
        "text": a.text,
        "created_at": time::iso(a.created_at),
        "decided_at": a.decided_at.map(time::iso),
        "decision_reason": a.decision_reason,
        "proposal_id": a.proposal_id.map(|p| p.to_string()),
    })
}

async fn strike_entity(
    state: &AppState,
    s: &StrikeRow,
    appeal: Option<&AppealRow>,
) -> AppResult<Value> {
    let statuses: Value = serde_json::from_str(&s.statuses_json).unwrap_or_else(|_| json!([]));
    Ok(json!({
        "id": s.id.to_string(),
        "action": s.action,
        "citation": s.citation,
        "clause": clause_of(state, &s.citation).await?,
        "text": s.text,
        "statuses": statuses,
        "report_id": s.report_id.map(|r| r.to_string()),
        "created_at": time::iso(s.created_at),
        "appealable_until": s.appealable_until.map(time::iso),
        "overruled_at": s.overruled_at.map(time::iso),
        "appeal": appeal.map(appeal_core),
    }))
}

async fn appeal_entity(state: &AppState, a: &AppealRow) -> AppResult<Value> {
    let s = svc::strike(state, a.strike_id).await?;
    let mut v = appeal_core(a);
    v["account"] = account(state, Some(a.account_id)).await?;
    v["decided_by"] = account(state, a.decided_by_account_id).await?;
    v["strike"] = strike_entity(state, &s, None).await?;
    v["strike"]["moderator"] = account(state, Some(s.moderator_account_id)).await?;
    Ok(v)
}

async fn log_entity(state: &AppState, a: &ActionRow) -> AppResult<Value> {
    Ok(json!({
        "id": a.id.to_string(),
        "action": a.action,
        "target": {
            "account": account(state, a.target_account_id).await?,
            "status_id": a.target_status_id.map(|s| s.to_string()),
            "domain": a.target_domain,
        },
        "citation": a.citation,
        "reason": a.reason,
        "moderator": account(state, a.moderator_account_id).await?,
        "created_at": time::iso(a.created_at),
        "report_id": a.report_id.map(|r| r.to_string()),
        "strike_id": a.strike_id.map(|r| r.to_string()),
        "appeal_id": a.appeal_id.map(|r| r.to_string()),
        "proposal_id": a.proposal_id.map(|r| r.to_string()),
    }))
}

/// `GET moderation/strikes`: the caller's own strikes, readable while suspended.
pub async fn strikes(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<Value>>)> {
    let me = auth.user_even_if_disabled(&state, "read").await?;
    let page = q.page(20, 40);
    let rows = svc::my_strikes(&state, me.account.id, &page).await?;
    let mut out = Vec::new();
    for s in &rows {
        let appeal = svc::appeal_of(&state, s.id).await?;
        out.push(strike_entity(&state, s, appeal.as_ref()).await?);
    }
    let cursors: Vec<i64> = rows.iter().map(|s| s.id).collect();
    Ok((paging_headers(&state, &uri, &page, &cursors), Json(out)))
}

#[derive(Debug, Deserialize)]
pub struct AppealParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    text: Option<String>,
}

/// `POST moderation/strikes/:id/appeal {text}`.
pub async fn appeal(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<AppealParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user_even_if_disabled(&state, "write").await?;
    let a = svc::appeal(
        &state,
        me.account.id,
        parse_id(&id)?,
        data.text.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(appeal_core(&a)))
}

#[derive(Debug, Deserialize)]
pub struct AppealQuery {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    state: Option<String>,
}

/// `GET moderation/appeals?state=pending`: moderators.
pub async fn appeals(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<AppealQuery>,
) -> AppResult<(HeaderMap, Json<Vec<Value>>)> {
    let me = auth.user(&state, "read").await?;
    let page = q.page.page(20, 40);
    let rows = svc::appeals(&state, me.account.id, q.state.as_deref(), &page).await?;
    let mut out = Vec::new();
    for a in &rows {
        out.push(appeal_entity(&state, a).await?);
    }
    let cursors: Vec<i64> = rows.iter().map(|a| a.id).collect();
    Ok((paging_headers(&state, &uri, &page, &cursors), Json(out)))
}

#[derive(Debug, Deserialize)]
pub struct DecisionParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    reason: Option<String>,
}

async fn decide(
    state: AppState,
    auth: Auth,
    id: String,
    approve: bool,
    data: DecisionParams,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write").await?;
    let a = svc::decide_appeal(
        &state,
        me.account.id,
        parse_id(&id)?,
        approve,
        data.reason.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(appeal_entity(&state, &a).await?))
}

pub async fn approve(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<DecisionParams>,
) -> AppResult<Json<Value>> {
    decide(state, auth, id, true, data).await
}

pub async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Payload { data, .. }: Payload<DecisionParams>,
) -> AppResult<Json<Value>> {
    decide(state, auth, id, false, data).await
}

/// `GET moderation/log`: members (active or lapsed) and moderators, or anyone when the
/// moderation policy makes the log public.
pub async fn log(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<Value>>)> {
    // A user's token is checked as everywhere (disabled logins refused); an app's token reads
    // as anonymous.
    let viewer = match &auth {
        Some(a) if a.account_id.is_some() => Some(a.user(&state, "read").await?.account.id),
        Some(a) => {
            a.require("read")?;
            None
        }
        None => None,
    };
    let page = q.page(40, 80);
    let rows = svc::log(&state, viewer, &page).await?;
    let mut out = Vec::new();
    for a in &rows {
        out.push(log_entity(&state, a).await?);
    }
    let cursors: Vec<i64> = rows.iter().map(|a| a.id).collect();
    Ok((paging_headers(&state, &uri, &page, &cursors), Json(out)))
}
