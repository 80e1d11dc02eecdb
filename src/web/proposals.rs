//! The proposals' pages (issue 15): `/proposals` (open and closed, by kind), `/proposals/ID`
//! (the rule in words, the ballot, my vote, the receipt once, the receipt check, the tally
//! when visible, quorum, the result, who voted how when shown, the discussion and the log)
//! and their forms. Every form posts the API's field names and is read by the API's own body
//! types (`VoteBody`, `CreateProposal`), then calls the service the API calls; an error shows
//! the page again with the message beside its field (422) and what was typed kept.
//! `/coop` and `/proposals/new` live in `coop_home.rs` and `proposal_form.rs`.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::form::{CsrfForm, SignedIn};
use super::templates::{page_context, render, render_status};
use crate::api::coop::proposals::VoteBody;
use crate::entities::coop::Proposal;
use crate::error::{AppError, AppResult};
use crate::http::pagination::PageParams;
use crate::i18n::{self, Locale};
use crate::services::statuses::{self, NewStatus};
use crate::services::{ballots, membership, proposals as svc, reading};
use crate::state::AppState;

/// The proposals' routes, merged into `web::routes` with one line.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/coop", get(super::coop_home::coop))
        .route("/proposals", get(list))
        .route(
            "/proposals/new",
            get(super::proposal_form::new_form).post(super::proposal_form::create),
        )
        .route("/proposals/{id}", get(show))
        .route("/proposals/{id}/votes", post(vote))
        .route("/proposals/{id}/receipt", post(check_receipt))
        .route("/proposals/{id}/replies", post(reply))
}

pub const KINDS: [&str; 6] = [
    "general",
    "policy_amendment",
    "bylaws_amendment",
    "role_election",
    "expense",
    "membership",
];

fn parse_id(id: &str) -> AppResult<i64> {
    id.parse().map_err(|_| AppError::not_found())
}

/// What was typed into the ballot, to show it again (after an error, or my current vote).
#[derive(Debug, Default, Serialize)]
struct BallotValues {
    choice: String,
    choices: Vec<String>,
    /// One entry per rank (empty: not ranked).
    ranking: Vec<String>,
    /// Scores or dots by option, as typed.
    numbers: BTreeMap<String, String>,
    reason: String,
}

impl BallotValues {
    /// From a ballot as the API shows it (`{choice}`, `{choices}`, …).
    fn from_ballot(ballot: &Value, reason: Option<&str>) -> BallotValues {
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let numbers = ["scores", "dots"]
            .iter()
            .find_map(|k| ballot.get(*k).and_then(Value::as_object))
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.to_string())).collect())
            .unwrap_or_default();
        BallotValues {
            choice: ballot["choice"].as_str().unwrap_or_default().to_string(),
            choices: strings(&ballot["choices"]),
            ranking: strings(&ballot["ranking"]),
            numbers,
            reason: reason.unwrap_or_default().to_string(),
        }
    }
}

/// A receipt to show once, right after voting (never stored for showing again).
#[derive(Debug, Serialize)]
struct JustVoted {
    receipt: String,
    nonce: String,
    ballot: String,
    replaced: bool,
}

/// What the receipt check form holds and answered.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ReceiptForm {
    #[serde(default)]
    ballot: String,
    #[serde(default)]
    nonce: String,
    #[serde(default)]
    receipt: String,
}

/// What a page shows beyond the proposal: typed values, messages, the receipt once.
#[derive(Default)]
struct Extras {
    values: Option<BallotValues>,
    errors: HashMap<String, String>,
    voted: Option<JustVoted>,
    check_form: ReceiptForm,
    check: Option<ballots::ReceiptCheck>,
    reply: String,
}

/// A service error's field (from its details) and message, for showing beside the field.
fn field_message(e: &AppError, default_field: &str) -> (String, String) {
    let from_details = e
        .details
        .as_ref()
        .and_then(Value::as_object)
        .and_then(|m| m.iter().next())
        .map(|(k, v)| {
            let text = v[0]["description"].as_str().unwrap_or_default().to_string();
            (k.clone(), text)
        });
    match from_details {
        Some((field, text)) => (field.clone(), format!("{field} {text}")),
        None => (
            default_field.to_string(),
            e.message
                .trim_start_matches("Validation failed: ")
                .to_string(),
        ),
    }
}

/// What the count section (`partials/proposal_count.html`) needs, for a live `tally` event
/// (web/live.rs): the proposal as the service shows it to `viewer` (the running tally only
/// when its rules allow), its rule, the eligible voters and the quorum.
pub(crate) async fn count_context(
    state: &AppState,
    viewer: i64,
    id: i64,
    ctx: &mut tera::Context,
) -> AppResult<()> {
    let p = svc::show(state, viewer, id).await?;
    let eligible = ballots::eligible(state, viewer, id).await?;
    let rule: herd_governance::bylaws::DecisionRule =
        serde_json::from_value(p.rule.clone()).map_err(AppError::internal)?;
    let quorum_needed = (rule.quorum_share * f64::from(eligible)).ceil() as i64;
    ctx.insert("labels", &option_labels(state, &p).await);
    ctx.insert("p", &p);
    ctx.insert("rule", &rule);
    ctx.insert("eligible", &eligible);
    ctx.insert("quorum_needed", &quorum_needed);
    Ok(())
}

/// The label of each option: an election's options are account ids, shown as their handles.
async fn option_labels(state: &AppState, p: &Proposal) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for o in &p.options {
        let label = if p.kind == "role_election" {
            match o.parse::<i64>() {
                Ok(id) => match membership::account_with_roles(state, id).await {
                    Ok((a, _)) => format!("@{}", a.username),
                    Err(_) => o.clone(),
                },
                Err(_) => o.clone(),
            }
        } else {
            o.clone()
        };
        out.insert(o.clone(), label);
    }
    out
}

/// A ballot in words: "Agree", "Tuesday, Thursday", "1. @m2, 2. @m1", "Blue: 4".
fn ballot_words(locale: Locale, ballot: &Value, labels: &BTreeMap<String, String>) -> String {
    let label = |o: &str| labels.get(o).cloned().unwrap_or_else(|| o.to_string());
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().filter_map(Value::as_str).map(label).collect())
            .unwrap_or_default()
    };
    if let Some(c) = ballot["choice"].as_str() {
        return i18n::text(locale, &format!("choice-{c}"));
    }
    let words = if ballot.get("choices").is_some() {
        names(&ballot["choices"]).join(", ")
    } else if ballot.get("ranking").is_some() {
        names(&ballot["ranking"])
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{}. {n}", i + 1))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        ["scores", "dots"]
            .iter()
            .find_map(|k| ballot.get(*k).and_then(Value::as_object))
            .map(|m| {
                m.iter()
                    .map(|(o, n)| format!("{}: {n}", label(o)))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    if words.is_empty() {
        "—".into()
    } else {
        words
    }
}

/// The log's entries with a label in the reader's language.
fn log_entries(locale: Locale, p: &Proposal) -> Vec<Value> {
    p.timeline
        .iter()
        .map(|e| {
            let kind = e["kind"].as_str().unwrap_or_default();
            let key = format!("proposal-event-{}", kind.replace(['.', '_'], "-"));
            let label = match i18n::text(locale, &key) {
                t if t == key => kind.to_string(),
                t => t,
            };
            serde_json::json!({
                "label": label,
                "created_at": e["created_at"],
                "detail": e["detail"],
            })
        })
        .collect()
}

async fn proposal_page(
    state: &AppState,
    signed: &SignedIn,
    id: i64,
    extras: Extras,
    status: StatusCode,
) -> AppResult<Response> {
    proposal_view(state, signed, id, extras, status, "proposals/show.html").await
}

/// The proposal's page, or one of its parts (`partials/vote.html`, the answer to a vote asked
/// in place), from the same context.
async fn proposal_view(
    state: &AppState,
    signed: &SignedIn,
    id: i64,
    extras: Extras,
    status: StatusCode,
    template: &str,
) -> AppResult<Response> {
    let me = signed.account_id();
    let p = svc::show(state, me, id).await?;
    let active = membership::require_active(state, me, "vote").await.is_ok();
    let can_vote = active && p.state == "open";
    let eligible = ballots::eligible(state, me, id).await?;
    let shown = ballots::shown_ballots(state, me, id).await?;
    let rule: herd_governance::bylaws::DecisionRule =
        serde_json::from_value(p.rule.clone()).map_err(AppError::internal)?;
    let quorum_needed = (rule.quorum_share * f64::from(eligible)).ceil() as i64;
    let thread = match p.status_id.as_deref() {
        Some(sid) => reading::thread(state, Some(me), sid).await.ok(),
        None => None,
    };
    let values = extras.values.unwrap_or_else(|| match &p.my_vote {
        Some(v) => BallotValues::from_ballot(&v["ballot"], v["reason"].as_str()),
        None => BallotValues::default(),
    });
    let mut values = values;
    // One select per rank, as many as there are options.
    values.ranking.resize(p.options.len(), String::new());
    let labels = option_labels(state, &p).await;
    let mut check_form = extras.check_form;
    if check_form.ballot.is_empty() {
        if let Some(v) = &extras.voted {
            check_form.ballot = v.ballot.clone();
            check_form.receipt = v.receipt.clone();
        } else if let Some(v) = &p.my_vote {
            check_form.ballot = v["ballot"].to_string();
            check_form.receipt = v["receipt"].as_str().unwrap_or_default().to_string();
        }
    }
    let locale = signed.session.locale;
    let my_vote_words = p
        .my_vote
        .as_ref()
        .map(|v| ballot_words(locale, &v["ballot"], &labels));
    let shown: Option<Vec<Value>> = shown.map(|list| {
        list.iter()
            .map(|b| {
                serde_json::json!({
                    "acct": b.voter.acct,
                    "words": ballot_words(locale, &b.ballot, &labels),
                    "reason": b.reason,
                })
            })
            .collect()
    });
    let mut ctx = page_context(state, &signed.session, Some(&signed.me.account.username));
    let here = format!("/proposals/{id}");
    ctx.insert("my_vote_words", &my_vote_words);
    ctx.insert("here", &here);
    ctx.insert("log", &log_entries(signed.session.locale, &p));
    ctx.insert("p", &p);
    ctx.insert("rule", &rule);
    ctx.insert("labels", &labels);
    ctx.insert("can_vote", &can_vote);
    ctx.insert("active", &active);
    ctx.insert("eligible", &eligible);
    ctx.insert("quorum_needed", &quorum_needed);
    ctx.insert("shown_ballots", &shown);
    ctx.insert("values", &values);
    ctx.insert("errors", &extras.errors);
    ctx.insert("voted", &extras.voted);
    ctx.insert("check_form", &check_form);
    ctx.insert("check", &extras.check);
    ctx.insert("reply", &extras.reply);
    ctx.insert("thread", &thread.map(|t| t.descendants));
    super::govadmin::candidacy_context(&mut ctx, me, &p.options);
    Ok(render_status(state, status, template, &ctx))
}

/// The page again with `message` beside another module's form named `field` (422).
pub(super) async fn page_with_error(
    state: &AppState,
    signed: &SignedIn,
    id: i64,
    field: &str,
    message: String,
) -> AppResult<Response> {
    let extras = Extras {
        errors: HashMap::from([(field.to_string(), message)]),
        ..Extras::default()
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    proposal_page(state, signed, id, extras, status).await
}

/// `GET /proposals/ID`.
pub async fn show(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let id = parse_id(&id)?;
        proposal_page(&state, &signed, id, Extras::default(), StatusCode::OK).await
    }
    .await;
    result.unwrap_or_else(|e| signed.error(&state, e))
}

/// A form's ballot made into the API's body: blank ranks, scores and dots left out (a select
/// left at "not ranked", a number left empty), form arrays (`k[]`, keyed by index) as lists.
fn ballot_body(method: &str, mut form: Map<String, Value>) -> Value {
    let list = |v: Value| -> Value {
        let items: Vec<Value> = match v {
            Value::Array(a) => a,
            Value::Object(m) => {
                let mut keyed: Vec<(usize, Value)> = m
                    .into_iter()
                    .map(|(k, v)| (k.parse().unwrap_or(usize::MAX), v))
                    .collect();
                keyed.sort_by_key(|(i, _)| *i);
                keyed.into_iter().map(|(_, v)| v).collect()
            }
            other => vec![other],
        };
        Value::Array(
            items
                .into_iter()
                .filter(|v| v.as_str() != Some(""))
                .collect(),
        )
    };
    for key in ["choices", "ranking"] {
        if let Some(v) = form.remove(key) {
            form.insert(key.into(), list(v));
        }
    }
    for key in ["scores", "dots"] {
        if let Some(Value::Object(m)) = form.remove(key) {
            let kept: Map<String, Value> = m
                .into_iter()
                .filter(|(_, v)| v.as_str().is_none_or(|s| !s.trim().is_empty()))
                .collect();
            form.insert(key.into(), Value::Object(kept));
        }
    }
    // An approval ballot with no box ticked approves nothing (a valid ballot), as a
    // checkbox group sends no field at all then.
    if method == "approval" && !form.contains_key("choices") {
        form.insert("choices".into(), Value::Array(Vec::new()));
    }
    if form.get("reason").and_then(Value::as_str) == Some("") {
        form.remove("reason");
    }
    Value::Object(form)
}

/// The ballot field a method's form shows.
fn ballot_field(method: &str) -> &'static str {
    match method {
        "approval" => "choices",
        "ranked_choice" => "ranking",
        "score" => "scores",
        "dot" => "dots",
        _ => "choice",
    }
}

/// `POST /proposals/ID/votes`: casts or changes the ballot through the service behind
/// `POST /api/v1/coop/proposals/ID/votes`; the answer shows the receipt and nonce once. With
/// `X-Herd-Fragment: 1` the answer is the voting part alone (receipt, my vote, the ballot
/// with any message beside its field), for herd.js to swap in place.
pub async fn vote(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    CsrfForm(form): CsrfForm<Map<String, Value>>,
) -> Response {
    let template = if super::fragments::wanted(&headers) {
        "partials/vote.html"
    } else {
        "proposals/show.html"
    };
    let result = async {
        let id = parse_id(&id)?;
        let row = svc::get(&state, id).await?;
        let field = ballot_field(&row.method);
        let typed = form.clone();
        let body = ballot_body(&row.method, form);
        let cast = async {
            let parsed: VoteBody = serde_json::from_value(body.clone())
                .map_err(|e| AppError::validation(field, "ERR_INVALID", &e.to_string()))?;
            let (ballot, reason) = parsed.validate()?;
            svc::vote(&state, signed.account_id(), id, ballot, reason, "web").await
        }
        .await;
        match cast {
            Ok(r) => {
                let extras = Extras {
                    voted: Some(JustVoted {
                        receipt: r.receipt,
                        nonce: r.nonce,
                        ballot: r.ballot.to_string(),
                        replaced: r.replaced,
                    }),
                    ..Extras::default()
                };
                // The receipt's nonce is shown once, here.
                proposal_view(&state, &signed, id, extras, StatusCode::OK, template)
                    .await
                    .map(crate::http::compression::one_time_secret)
            }
            Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
                let (f, message) = field_message(&e, field);
                let f = if f == "reason" { f } else { field.to_string() };
                let mut values =
                    BallotValues::from_ballot(&body, typed.get("reason").and_then(Value::as_str));
                if let Some(Value::Object(m)) = typed.get(field) {
                    if field == "scores" || field == "dots" {
                        values.numbers = m
                            .iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().into()))
                            .collect();
                    }
                }
                let extras = Extras {
                    values: Some(values),
                    errors: HashMap::from([(f, message)]),
                    ..Extras::default()
                };
                proposal_view(
                    &state,
                    &signed,
                    id,
                    extras,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    template,
                )
                .await
            }
            Err(e) => Err(e),
        }
    }
    .await;
    result.unwrap_or_else(|e| signed.error(&state, e))
}

/// `POST /proposals/ID/receipt`: recomputes a receipt from the ballot and nonce the member
/// kept; stores and logs nothing.
pub async fn check_receipt(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReceiptForm>,
) -> Response {
    let result = async {
        let id = parse_id(&id)?;
        let checked = ballots::check_receipt(
            &state,
            signed.account_id(),
            id,
            &form.ballot,
            &form.nonce,
            &form.receipt,
        )
        .await;
        let (check, errors, status) = match checked {
            Ok(c) => (Some(c), HashMap::new(), StatusCode::OK),
            Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
                let (f, m) = field_message(&e, "ballot");
                (
                    None,
                    HashMap::from([(format!("check_{f}"), m)]),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
            }
            Err(e) => return Err(e),
        };
        let extras = Extras {
            check_form: form,
            check,
            errors,
            ..Extras::default()
        };
        proposal_page(&state, &signed, id, extras, status).await
    }
    .await;
    result.unwrap_or_else(|e| signed.error(&state, e))
}

#[derive(Debug, Default, Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    status: String,
}

/// `POST /proposals/ID/replies`: a reply in the proposal's thread, through the service behind
/// `POST /api/v1/statuses`, in the audience the thread has (the service decides it).
pub async fn reply(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReplyForm>,
) -> Response {
    let result = async {
        let id = parse_id(&id)?;
        let p = svc::show(&state, signed.account_id(), id).await?;
        let Some(status_id) = p.status_id.clone() else {
            return Err(AppError::not_found());
        };
        let parent = reading::thread(&state, Some(signed.account_id()), &status_id)
            .await?
            .status;
        let new = NewStatus {
            text: form.status.clone(),
            spoiler_text: String::new(),
            sensitive: false,
            visibility: Some(parent.visibility.clone()),
            local_only: false,
            in_reply_to_id: Some(status_id),
            language: None,
            idempotency_key: None,
            media_ids: Vec::new(),
            poll: None,
            scheduled_at: None,
            quoted_status_id: None,
            quote_approval_policy: None,
            scheduled_status_id: None,
        };
        match statuses::post(&state, &signed.me, 0, new).await {
            Ok(_) => Ok(Redirect::to(&format!("/proposals/{id}#discussion")).into_response()),
            Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
                let (_, message) = field_message(&e, "status");
                let extras = Extras {
                    errors: HashMap::from([("reply".to_string(), message)]),
                    reply: form.status,
                    ..Extras::default()
                };
                proposal_page(
                    &state,
                    &signed,
                    id,
                    extras,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(e) => Err(e),
        }
    }
    .await;
    result.unwrap_or_else(|e| signed.error(&state, e))
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

/// `GET /proposals?state=open|closed&kind=K`: newest first, paged.
pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(q): Query<ListQuery>,
) -> Response {
    let result = async {
        let which = match q.state.as_deref() {
            Some("closed") => "closed",
            Some("all") => "all",
            _ => "open",
        };
        let kind = q
            .kind
            .clone()
            .filter(|k| KINDS.contains(&k.as_str()))
            .unwrap_or_default();
        let page = q.page.page(20, 40);
        let filter = (which == "open").then_some("open");
        let (list, cursors) =
            svc::proposals_page(&state, signed.account_id(), filter, &page).await?;
        let list: Vec<Proposal> = list
            .into_iter()
            .filter(|p| which != "closed" || p.state != "open")
            .filter(|p| kind.is_empty() || p.kind == kind)
            .collect();
        let mut ctx = page_context(&state, &signed.session, Some(&signed.me.account.username));
        let path = format!("/proposals?state={which}&kind={kind}");
        super::public::pager(&mut ctx, "/proposals", &page, &cursors);
        for key in ["older", "newer"] {
            if let Some(v) = ctx.get(key).and_then(|v| v.as_str()).map(String::from) {
                if !v.is_empty() {
                    let sep = if v.contains('?') { '&' } else { '?' };
                    ctx.insert(key, &format!("{v}{sep}state={which}&kind={kind}"));
                }
            }
        }
        ctx.insert("proposals", &list);
        ctx.insert("which", which);
        ctx.insert("kind", &kind);
        ctx.insert("kinds", &KINDS);
        ctx.insert("here", &path);
        Ok::<_, AppError>(render(&state, "proposals/list.html", &ctx)?.into_response())
    }
    .await;
    result.unwrap_or_else(|e| signed.error(&state, e))
}
