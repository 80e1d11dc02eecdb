//! `GET|POST /api/v1/coop/proposals`, `GET /proposals/:id`, `POST /proposals/:id/votes`,
//! `GET /api/v1/coop/events`.

use std::collections::BTreeMap;

use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use herd_governance::Ballot;
use serde::Deserialize;
use serde_json::Value;

use super::body::Body;
use super::{paging_headers, parse_id};
use crate::entities::coop::{Event, Proposal, VoteReceipt};
use crate::error::{AppError, AppResult};
use crate::http::auth::Auth;
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

impl CreateProposal {
    pub fn validate(self) -> AppResult<NewProposal> {
        Ok(NewProposal {
            kind: self
                .kind
                .ok_or_else(|| AppError::validation("kind", "ERR_BLANK", "can't be blank"))?,
            title: self.title.unwrap_or_default(),
            body: self.body.unwrap_or_default(),
            urgent: self.urgent.unwrap_or(false),
            urgent_reason: self.urgent_reason,
            closes_at: self.closes_at,
            options: self.options,
            payload: self.payload,
            hide_results: self.hide_results,
            secret: self.secret,
        })
    }
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    body: Body<CreateProposal>,
) -> AppResult<Json<Proposal>> {
    let me = auth.user(&state, "write").await?;
    let p = body.data.validate()?;
    Ok(Json(svc::propose(&state, me.account.id, p).await?))
}

/// A ballot: exactly one of `choice`, `choices`, `ranking`, `scores`, `dots` (their shapes
/// differ by method, so each is read in [`VoteBody::validate`]), and `reason?`.
#[derive(Debug, Deserialize)]
pub struct VoteBody {
    #[serde(default)]
    choice: Option<Value>,
    #[serde(default)]
    choices: Option<Value>,
    #[serde(default)]
    ranking: Option<Value>,
    #[serde(default)]
    scores: Option<Value>,
    #[serde(default)]
    dots: Option<Value>,
    #[serde(default)]
    reason: Option<Value>,
}

fn bad(k: &str, what: &str) -> AppError {
    AppError::validation(k, "ERR_INVALID", what)
}

/// Option names, from a JSON list, a form's `k[]` (an object keyed by index) or one name.
fn names(k: &str, v: Value) -> AppResult<Vec<String>> {
    let name = |v: Value| match v {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(bad(k, "must be a list of option names")),
    };
    match v {
        Value::Array(a) => a.into_iter().map(name).collect(),
        Value::Object(m) => m
            .into_values()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(bad(k, "must be a list of option names")),
            })
            .collect(),
        Value::String(s) => Ok(vec![s]),
        _ => Err(bad(k, "must be a list of option names")),
    }
}

/// `{option: n}`, numbers as numbers or strings (form bodies).
fn counts(k: &str, v: Value) -> AppResult<BTreeMap<String, u32>> {
    let Value::Object(m) = v else {
        return Err(bad(k, "must be an object of option: number"));
    };
    m.into_iter()
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
            Ok((o, n))
        })
        .collect()
}

impl VoteBody {
    /// The one ballot shape the vote carries, and its reason.
    pub fn validate(self) -> AppResult<(Ballot, Option<String>)> {
        let given: Vec<(&str, Value)> = [
            ("choice", self.choice),
            ("choices", self.choices),
            ("ranking", self.ranking),
            ("scores", self.scores),
            ("dots", self.dots),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        let keys: Vec<&str> = given.iter().map(|(k, _)| *k).collect();
        let ballot = match (keys.as_slice(), given.into_iter().next()) {
            ([_], Some((k, v))) => match k {
                "choice" => match v {
                    Value::String(s) => Ballot::Choice { choice: s },
                    _ => return Err(bad("choice", "must be a string")),
                },
                "choices" => Ballot::Choices {
                    choices: names(k, v)?,
                },
                "ranking" => Ballot::Ranking {
                    ranking: names(k, v)?,
                },
                "scores" => Ballot::Scores {
                    scores: counts(k, v)?,
                },
                _ => Ballot::Dots {
                    dots: counts(k, v)?,
                },
            },
            ([], _) => {
                return Err(AppError::unprocessable(
                    "A ballot needs one of choice, choices, ranking, scores or dots",
                ))
            }
            _ => {
                return Err(AppError::unprocessable(format!(
                    "A ballot takes exactly one of choice, choices, ranking, scores or dots \
                     (got {})",
                    keys.join(", ")
                )))
            }
        };
        let reason = match self.reason {
            None => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => return Err(bad("reason", "must be a string")),
        };
        Ok((ballot, reason))
    }
}

pub async fn vote(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Body<VoteBody>,
) -> AppResult<Json<VoteReceipt>> {
    let me = auth.user(&state, "write").await?;
    let id = parse_id(&id)?;
    let (ballot, reason) = body.data.validate()?;
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
