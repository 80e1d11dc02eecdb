//! `GET|POST /api/v1/coop/proposals`, `GET /proposals/:id`, `POST /proposals/:id/votes`,
//! `GET /api/v1/coop/events`.

use std::collections::BTreeMap;

use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use herd_governance::Ballot;
use serde::Deserialize;
use serde_json::Value;

use super::{paging_headers, parse_id};
use crate::entities::coop::{Event, Proposal, VoteReceipt};
use crate::error::{AppError, AppResult};
use crate::http::auth::Auth;
use crate::http::body::Payload;
use crate::http::lenient;
use crate::http::pagination::PageParams;
use crate::services::proposals::{self as svc, NewProposal};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    state: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ListQuery>,
) -> AppResult<(HeaderMap, Json<Vec<Proposal>>)> {
    let me = auth.user(&state, "read").await?;
    let page = q.page.page(20, 40);
    let (list, cursors) =
        svc::proposals_page(&state, me.account.id, q.state.as_deref(), &page).await?;
    Ok((paging_headers(&state, &uri, &page, &cursors), Json(list)))
}

pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Proposal>> {
    let me = auth.user(&state, "read").await?;
    Ok(Json(
        svc::show(&state, me.account.id, parse_id(&id)?).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct CreateProposal {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    title: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    body: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    urgent: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    urgent_reason: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    closes_at: Option<String>,
    #[serde(default, deserialize_with = "lenient::strings")]
    options: Vec<String>,
    #[serde(default)]
    payload: Option<Value>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    hide_results: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    secret: Option<bool>,
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<CreateProposal>,
) -> AppResult<Json<Proposal>> {
    let me = auth.user(&state, "write").await?;
    let p = body.data;
    let proposal = svc::propose(
        &state,
        me.account.id,
        NewProposal {
            kind: p
                .kind
                .ok_or_else(|| AppError::validation("kind", "ERR_BLANK", "can't be blank"))?,
            title: p.title.unwrap_or_default(),
            body: p.body.unwrap_or_default(),
            urgent: p.urgent.unwrap_or(false),
            urgent_reason: p.urgent_reason,
            closes_at: p.closes_at,
            options: p.options,
            payload: p.payload,
            hide_results: p.hide_results,
            secret: p.secret,
        },
    )
    .await?;
    Ok(Json(proposal))
}

/// Reads the one ballot shape a vote carries (`choice`, `choices`, `ranking`, `scores`, `dots`);
/// form and JSON bodies alike (numbers may arrive as strings).
fn ballot_of(body: &Value) -> AppResult<Ballot> {
    let keys: Vec<&str> = ["choice", "choices", "ranking", "scores", "dots"]
        .into_iter()
        .filter(|k| body.get(*k).is_some())
        .collect();
    let bad = |k: &str, what: &str| AppError::validation(k, "ERR_INVALID", what);
    let list = |k: &str| -> AppResult<Vec<String>> {
        match &body[k] {
            Value::Array(a) => a
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(n) => Ok(n.to_string()),
                    _ => Err(bad(k, "must be a list of option names")),
                })
                .collect(),
            Value::Object(m) => m
                .values()
                .map(|v| {
                    v.as_str()
                        .map(String::from)
                        .ok_or_else(|| bad(k, "must be a list of option names"))
                })
                .collect(),
            Value::String(s) => Ok(vec![s.clone()]),
            _ => Err(bad(k, "must be a list of option names")),
        }
    };
    let counts = |k: &str| -> AppResult<BTreeMap<String, u32>> {
        let Value::Object(m) = &body[k] else {
            return Err(bad(k, "must be an object of option: number"));
        };
        m.iter()
            .map(|(o, v)| {
                let n = match v {
                    Value::Number(n) => n.as_u64(),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                }
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    bad(
                        k,
                        &format!("value for `{o}` must be a non-negative integer"),
                    )
                })?;
                Ok((o.clone(), n))
            })
            .collect()
    };
    match keys.as_slice() {
        ["choice"] => match &body["choice"] {
            Value::String(s) => Ok(Ballot::Choice { choice: s.clone() }),
            _ => Err(bad("choice", "must be a string")),
        },
        ["choices"] => Ok(Ballot::Choices {
            choices: list("choices")?,
        }),
        ["ranking"] => Ok(Ballot::Ranking {
            ranking: list("ranking")?,
        }),
        ["scores"] => Ok(Ballot::Scores {
            scores: counts("scores")?,
        }),
        ["dots"] => Ok(Ballot::Dots {
            dots: counts("dots")?,
        }),
        [] => Err(AppError::unprocessable(
            "A ballot needs one of choice, choices, ranking, scores or dots",
        )),
        _ => Err(AppError::unprocessable(format!(
            "A ballot takes exactly one of choice, choices, ranking, scores or dots (got {})",
            keys.join(", ")
        ))),
    }
}

pub async fn vote(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<Value>,
) -> AppResult<Json<VoteReceipt>> {
    let me = auth.user(&state, "write").await?;
    let id = parse_id(&id)?;
    let ballot = ballot_of(&body.data)?;
    let reason = match body.data.get("reason") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(AppError::validation(
                "reason",
                "ERR_INVALID",
                "must be a string",
            ))
        }
    };
    let r = svc::vote(&state, me.account.id, id, ballot, reason, "api").await?;
    Ok(Json(VoteReceipt::from(r)))
}

/// `GET /api/v1/coop/events`: the governance log, newest first, paged.
pub async fn events(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<Event>>)> {
    let me = auth.user(&state, "read").await?;
    let page = q.page(40, 80);
    let (list, cursors) = svc::events(&state, me.account.id, &page).await?;
    Ok((paging_headers(&state, &uri, &page, &cursors), Json(list)))
}
