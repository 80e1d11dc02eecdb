//! Proposals: open one under the rule the bylaws in force give its kind, vote (change allowed
//! until close, history kept), close when due (tally with the stored rule and enact in the same
//! transaction), and the mails around them. `governance` decides; this module persists.
//!
//! Opening a proposal queues its closing (a `CloseProposal` job at `closes_at`) and its
//! reminder (`RemindProposal`, 24 hours before) in the same transaction; the co-op's actor
//! posts it in the social timeline and replies with the result (see `proposal_posts`).
//! [`close_due`] and [`remind_due`] remain as a sweep for tests and manual safety nets.

use std::collections::BTreeMap;
use std::str::FromStr;

use herd_governance::ballot::{self, Ballot, ValidBallot};
use herd_governance::bylaws::{self, DecisionRule, Method, PolicyDocument, ProposalKind};
use herd_governance::{lifecycle, receipt, tally, Outcome};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::entities::coop;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::jobs::{self, Job};
use crate::paging::Page;
use crate::secrets;
use crate::services::membership::{self, require_active};
use crate::services::policies;
use crate::state::AppState;
use crate::storage::accounts::{self as account_store, AccountRow};
use crate::storage::governance::{self as gov_store, PolicyVersionRow};
use crate::storage::proposals::{
    self as store, BallotRow, EventRow, NewProposalEvent, ProposalRow,
};
use crate::storage::{is_unique_violation, WriteTx};
use crate::time::{self, MICROS_PER_DAY};

pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;
pub const REASON_MAX: usize = 1_000;
pub const OPTIONS_MAX: usize = 50;
/// The longest a proposal may stay open.
pub const MAX_OPEN_DAYS: i64 = 365;

/// A proposal as its author sends it (DESIGN §7), plus `hide_results` and `secret`.
#[derive(Debug, Clone, Default)]
pub struct NewProposal {
    pub kind: String,
    pub title: String,
    pub body: String,
    pub urgent: bool,
    /// Why it is urgent: required with `urgent`, refused without it.
    pub urgent_reason: Option<String>,
    pub closes_at: Option<String>,
    pub options: Vec<String>,
    pub payload: Option<Value>,
    pub hide_results: Option<bool>,
    pub secret: Option<bool>,
}

/// A proposal with what its page shows.
pub struct ProposalDetail {
    pub row: ProposalRow,
    pub author: AccountRow,
    pub author_roles: Vec<String>,
    pub rule: DecisionRule,
    pub options: Vec<String>,
    /// The running count, when results are visible while open (never for a secret ballot).
    pub live: Option<Outcome>,
    pub result: Option<Value>,
    /// The viewer's ballots, newest first (current one first); empty for a secret proposal
    /// once closed (ballots are unlinked from voters then).
    pub my_ballots: Vec<BallotRow>,
    pub timeline: Vec<EventRow>,
    pub voters: i64,
}

/// What a voter gets back: the receipt, and the nonce that lets them recompute it.
pub struct VoteReceipt {
    pub proposal_id: i64,
    pub ballot: Value,
    pub reason: Option<String>,
    pub receipt: String,
    pub nonce: String,
    pub cast_at: i64,
    pub replaced: bool,
}

fn kind_of(s: &str) -> AppResult<ProposalKind> {
    ProposalKind::from_str(s)
        .map_err(|e| AppError::validation("kind", "ERR_INVALID", &e.to_string()))
}

pub fn rule_of(row: &ProposalRow) -> AppResult<DecisionRule> {
    serde_json::from_str(&row.rule_json).map_err(AppError::internal)
}

pub fn options_of(row: &ProposalRow) -> AppResult<Vec<String>> {
    serde_json::from_str(&row.options_json).map_err(AppError::internal)
}

/// The choices a member sees: fixed for consent and yes/no methods, else the options.
pub fn display_options(method: Method, options: &[String]) -> Vec<String> {
    match method {
        Method::Consent => ["agree", "abstain", "disagree", "block"]
            .map(String::from)
            .to_vec(),
        Method::Majority | Method::Supermajority => {
            ["yes", "no", "abstain"].map(String::from).to_vec()
        }
        _ => options.to_vec(),
    }
}

fn fixed_choices(method: Method) -> bool {
    matches!(
        method,
        Method::Consent | Method::Majority | Method::Supermajority
    )
}

/// Parses `closes_at` as RFC 3339 (what Mastodon writes) into epoch microseconds.
fn parse_time(field: &str, s: &str) -> AppResult<i64> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.timestamp_micros())
        .map_err(|_| {
            AppError::validation(
                field,
                "ERR_INVALID",
                "is not an ISO 8601 date-time with a zone",
            )
        })
}

fn payload_str<'a>(payload: &'a Value, key: &str) -> AppResult<&'a str> {
    payload
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            AppError::validation("payload", "ERR_BLANK", &format!("needs a `{key}` string"))
        })
}

fn payload_id(payload: &Value, key: &str) -> AppResult<i64> {
    let v = payload.get(key);
    v.and_then(|v| match v {
        Value::String(s) => s.trim().parse::<i64>().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    })
    .filter(|n| *n > 0)
    .ok_or_else(|| AppError::validation("payload", "ERR_INVALID", &format!("needs `{key}`: an id")))
}

/// The policies in force as a validated set, to check an amendment against.
async fn documents_in_force(state: &AppState, now: i64) -> AppResult<bylaws::FoundingDocuments> {
    let rows = gov_store::policies_in_force(&state.db.pool, now).await?;
    bylaws::FoundingDocuments::load(
        rows.into_iter()
            .map(|r| (format!("{}.md", r.slug), r.source)),
    )
    .map_err(AppError::internal)
}

/// An amendment as checked when its proposal opens: the new document (numbered as the next
/// version) and the version in force it was written on.
struct CheckedAmendment {
    doc: PolicyDocument,
    amends_version: i64,
}

/// Checks an amendment: the text parses, names the policy, is written on the version in force
/// (its front matter names that version, the next one or none; Herd numbers it the next), and
/// the set of documents stays valid with it (the bylaws still give every kind a rule, …).
async fn check_amendment(
    state: &AppState,
    kind: ProposalKind,
    payload: &Value,
    now: i64,
) -> AppResult<CheckedAmendment> {
    let slug = match kind {
        ProposalKind::BylawsAmendment => payload
            .get("policy")
            .and_then(Value::as_str)
            .unwrap_or(bylaws::BYLAWS_SLUG),
        _ => payload_str(payload, "policy")?,
    };
    if kind == ProposalKind::BylawsAmendment && slug != bylaws::BYLAWS_SLUG {
        return Err(AppError::validation(
            "payload",
            "ERR_INVALID",
            "a bylaws amendment amends the `bylaws` policy",
        ));
    }
    if kind == ProposalKind::PolicyAmendment && slug == bylaws::BYLAWS_SLUG {
        return Err(AppError::validation(
            "payload",
            "ERR_INVALID",
            "the bylaws are amended by a `bylaws_amendment` proposal",
        ));
    }
    let text = payload_str(payload, "text")?;
    let current = gov_store::policy_in_force(&state.db.pool, slug, now)
        .await?
        .ok_or_else(|| {
            AppError::validation(
                "payload",
                "ERR_INVALID",
                &format!("there is no policy `{slug}`"),
            )
        })?;
    let in_force = u32::try_from(current.version).map_err(AppError::internal)?;
    let doc = bylaws::number_amendment(text, in_force)
        .map_err(|e| AppError::validation("payload", "ERR_INVALID", &format!("text: {e}")))?;
    if doc.slug != slug {
        return Err(AppError::validation(
            "payload",
            "ERR_INVALID",
            &format!("text is the document `{}`, not `{slug}`", doc.slug),
        ));
    }
    documents_in_force(state, now)
        .await?
        .with_document(doc.clone())
        .map_err(|e| AppError::validation("payload", "ERR_INVALID", &format!("text: {e}")))?;
    Ok(CheckedAmendment {
        doc,
        amends_version: current.version,
    })
}

/// Opens a proposal under the rule the bylaws in force give its kind.
pub async fn create(state: &AppState, author_id: i64, p: NewProposal) -> AppResult<ProposalRow> {
    require_active(state, author_id, "make proposals").await?;
    let kind = kind_of(p.kind.trim())?;
    let title = p.title.trim().to_string();
    if title.is_empty() {
        return Err(AppError::validation("title", "ERR_BLANK", "can't be blank"));
    }
    if title.chars().count() > TITLE_MAX {
        return Err(AppError::validation(
            "title",
            "ERR_TOO_LONG",
            &format!("is too long (maximum is {TITLE_MAX} characters)"),
        ));
    }
    if p.body.chars().count() > BODY_MAX {
        return Err(AppError::validation(
            "body",
            "ERR_TOO_LONG",
            &format!("is too long (maximum is {BODY_MAX} characters)"),
        ));
    }
    let urgent_reason = p
        .urgent_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    lifecycle::check_urgency(p.urgent, urgent_reason.as_deref())
        .map_err(|e| AppError::validation("urgent_reason", "ERR_INVALID", &e.to_string()))?;
    if urgent_reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > REASON_MAX)
    {
        return Err(AppError::validation(
            "urgent_reason",
            "ERR_TOO_LONG",
            &format!("is too long (maximum is {REASON_MAX} characters)"),
        ));
    }
    let now = state.clock.now_micros();
    let bylaws_doc = policies::bylaws_in_force(state, now).await?;
    let mut rule = bylaws_doc
        .decisions
        .as_ref()
        .and_then(|d| d.get(kind))
        .cloned()
        .ok_or_else(|| {
            AppError::unprocessable(format!(
                "The bylaws in force give no decision rule for {kind} proposals"
            ))
        })?;
    let payload = p
        .payload
        .clone()
        .unwrap_or(Value::Object(Default::default()));
    if !payload.is_object() {
        return Err(AppError::validation(
            "payload",
            "ERR_INVALID",
            "must be an object",
        ));
    }
    let mut options = p.options.clone();
    let mut secret_default = false;
    let stored_payload = match kind {
        ProposalKind::General => match payload.get("recall") {
            // A general proposal may recall a role before the end of its term (bylaws 3.3).
            Some(recall) => {
                if payload.get("appeal_id").is_some() {
                    return Err(AppError::validation(
                        "payload",
                        "ERR_INVALID",
                        "a proposal decides an appeal or a recall, not both",
                    ));
                }
                let recall = crate::services::roles::check_recall(state, recall).await?;
                secret_default = true;
                json!({ "recall": recall })
            }
            None => {
                // A general proposal may decide a moderation appeal (moderation policy 5.2, 6.1).
                crate::services::moderation::check_appeal_payload(state, &payload).await?;
                payload
            }
        },
        ProposalKind::PolicyAmendment | ProposalKind::BylawsAmendment => {
            let CheckedAmendment {
                doc,
                amends_version,
            } = check_amendment(state, kind, &payload, now).await?;
            json!({ "policy": doc.slug, "amends_version": amends_version,
                    "version": doc.version, "text": doc.source })
        }
        ProposalKind::RoleElection => {
            let role = payload_str(&payload, "role")?;
            if !crate::services::accounts::ROLES.contains(&role) {
                return Err(AppError::validation(
                    "payload",
                    "ERR_INVALID",
                    &format!(
                        "role must be one of {}",
                        crate::services::accounts::ROLES.join(", ")
                    ),
                ));
            }
            let seats = match payload.get("seats") {
                None => 1,
                Some(v) => v
                    .as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                    .filter(|n| (1..=50).contains(n))
                    .ok_or_else(|| {
                        AppError::validation("payload", "ERR_INVALID", "seats must be 1 to 50")
                    })?,
            };
            let candidates: Vec<i64> = payload
                .get("candidates")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .map(|v| match v {
                            Value::String(s) => s.parse::<i64>().ok(),
                            Value::Number(n) => n.as_i64(),
                            _ => None,
                        })
                        .collect::<Option<Vec<i64>>>()
                })
                .unwrap_or(None)
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    AppError::validation(
                        "payload",
                        "ERR_INVALID",
                        "candidates must be a list of account ids",
                    )
                })?;
            for c in &candidates {
                match store::membership(&state.db.pool, *c).await? {
                    Some(m) if m.state == "active" => {}
                    _ => {
                        return Err(AppError::validation(
                            "payload",
                            "ERR_INVALID",
                            &format!("candidate {c} is not an active member"),
                        ))
                    }
                }
            }
            if !options.is_empty() {
                return Err(AppError::validation(
                    "options",
                    "ERR_INVALID",
                    "an election's options are its candidates; leave options out",
                ));
            }
            options = candidates.iter().map(i64::to_string).collect();
            if fixed_choices(rule.method) {
                return Err(AppError::unprocessable(format!(
                    "The bylaws decide elections by {}, which cannot choose between candidates",
                    rule.method
                )));
            }
            // The term the winners serve: the proposal's own, else the bylaws' (3.2), recorded
            // now so that the members vote on it.
            let term_days = match payload.get("term_days") {
                None | Some(Value::Null) => bylaws_doc.roles.unwrap_or_default().term_days,
                Some(v) => v
                    .as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                    .ok_or_else(|| "term_days must be a whole number of days".to_string())
                    .and_then(herd_governance::terms::check_term_days)
                    .map_err(|e| AppError::validation("payload", "ERR_INVALID", &e))?,
            };
            rule.seats = Some(seats as u32);
            secret_default = true;
            json!({ "role": role, "seats": seats, "candidates": options, "term_days": term_days })
        }
        ProposalKind::Membership => {
            let account_id = payload_id(&payload, "account_id")?;
            let action = payload_str(&payload, "action")?;
            let m = store::membership(&state.db.pool, account_id).await?;
            let st = m.as_ref().map(|m| m.state.as_str());
            match (action, st) {
                ("admit", Some("applicant" | "lapsed" | "withdrawn" | "expelled")) => {}
                ("expel", Some("active" | "lapsed")) => {}
                ("admit" | "expel", _) => {
                    return Err(AppError::validation(
                        "payload",
                        "ERR_INVALID",
                        &format!(
                            "cannot {action} account {account_id}: its membership is {}",
                            st.unwrap_or("none")
                        ),
                    ))
                }
                _ => {
                    return Err(AppError::validation(
                        "payload",
                        "ERR_INVALID",
                        "action must be admit or expel",
                    ))
                }
            }
            secret_default = true;
            json!({ "account_id": account_id.to_string(), "action": action })
        }
        ProposalKind::Expense => {
            let expense_id = payload_id(&payload, "expense_id")?;
            let expense = crate::services::expenses::check_proposable(state, expense_id).await?;
            if let Some(p) = expense.proposal_id {
                return Err(AppError::validation(
                    "payload",
                    "ERR_INVALID",
                    &format!("proposal {p} already decides expense {expense_id}"),
                ));
            }
            json!({ "expense_id": expense_id.to_string() })
        }
    };
    if fixed_choices(rule.method) {
        if !options.is_empty() {
            return Err(AppError::validation(
                "options",
                "ERR_INVALID",
                &format!(
                    "a {} vote has fixed choices; leave options out",
                    rule.method
                ),
            ));
        }
    } else {
        if options.len() > OPTIONS_MAX {
            return Err(AppError::validation(
                "options",
                "ERR_TOO_LONG",
                &format!("has too many entries (maximum is {OPTIONS_MAX})"),
            ));
        }
        ballot::validate_options(rule.method, &options)
            .map_err(|e| AppError::validation("options", "ERR_INVALID", &e.to_string()))?;
    }
    let closes_at = match p.closes_at.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => {
            let t = parse_time("closes_at", s)?;
            lifecycle::validate_closes_at(now, t, &rule, p.urgent).map_err(|_| {
                AppError::validation(
                    "closes_at",
                    "ERR_TOO_SOON",
                    &format!(
                        "must be at least {} days after opening under bylaws@{} (earliest {})",
                        lifecycle::min_days(&rule, p.urgent),
                        bylaws_doc.version,
                        time::iso(lifecycle::earliest_close(now, &rule, p.urgent))
                    ),
                )
            })?;
            if t > now + MAX_OPEN_DAYS * MICROS_PER_DAY {
                return Err(AppError::validation(
                    "closes_at",
                    "ERR_TOO_LATE",
                    &format!("must be within {MAX_OPEN_DAYS} days"),
                ));
            }
            t
        }
        None => lifecycle::earliest_close(now, &rule, p.urgent),
    };
    let opened = lifecycle::transition(lifecycle::State::Draft, lifecycle::Event::Open)
        .map_err(AppError::internal)?;
    let id = ids::next_id_at(now / 1000);
    let row = ProposalRow {
        id,
        kind: kind.as_str().to_string(),
        title,
        body: p.body,
        author_account_id: author_id,
        state: opened.as_str().to_string(),
        urgent: i64::from(p.urgent),
        urgent_reason,
        method: rule.method.as_str().to_string(),
        rule_json: serde_json::to_string(&rule).map_err(AppError::internal)?,
        rule_source: format!("{}@{}", bylaws_doc.slug, bylaws_doc.version),
        options_json: serde_json::to_string(&options).map_err(AppError::internal)?,
        payload_json: stored_payload.to_string(),
        hide_results: i64::from(p.hide_results.unwrap_or(false)),
        secret: i64::from(p.secret.unwrap_or(secret_default)),
        opens_at: now,
        closes_at,
        closed_at: None,
        enacted_at: None,
        reminded_at: None,
        result_json: None,
        status_id: None,
        poll_id: None,
        created_at: now,
        updated_at: now,
    };
    let mut tx = state.db.begin_write().await?;
    store::insert_proposal(&mut **tx, &row).await?;
    if kind == ProposalKind::Expense {
        let expense_id = payload_id(&stored_payload, "expense_id")?;
        crate::services::expenses::link_proposal(&mut tx, expense_id, id, now).await?;
    }
    log(
        &mut tx,
        "proposal.opened",
        Some(author_id),
        None,
        Some(id),
        {
            let mut detail = json!({ "kind": row.kind, "title": row.title,
                                     "rule_source": row.rule_source,
                                     "closes_at": time::iso(closes_at) });
            if let Some(reason) = &row.urgent_reason {
                detail["urgent"] = json!(true);
                detail["urgent_reason"] = json!(reason);
            }
            detail
        },
        now,
    )
    .await?;
    let (status_id, poll_id) =
        crate::services::proposal_posts::on_open(&mut tx, state, &row, rule.method, &options, now)
            .await?;
    let row = ProposalRow {
        status_id,
        poll_id,
        ..row
    };
    queue_mailing(&mut tx, id, Mailing::Opened, now).await?;
    tx.record(crate::storage::Change::Proposal(id));
    tx.commit().await?;
    state.jobs.wake();
    Ok(row)
}

/// One entry of the governance log, in the caller's transaction.
pub(super) async fn log(
    tx: &mut WriteTx,
    kind: &str,
    actor: Option<i64>,
    subject: Option<i64>,
    proposal_id: Option<i64>,
    detail: Value,
    now: i64,
) -> AppResult<()> {
    store::insert_event(
        &mut ***tx,
        &NewProposalEvent {
            id: ids::next_id_at(now / 1000),
            kind,
            actor_account_id: actor,
            subject_account_id: subject,
            proposal_id,
            detail_json: detail.to_string(),
            now,
        },
    )
    .await?;
    Ok(())
}

pub async fn list(
    state: &AppState,
    filter: Option<&str>,
    page: &Page,
) -> AppResult<Vec<ProposalRow>> {
    if let Some(f) = filter {
        if !lifecycle::State::ALL.iter().any(|s| s.as_str() == f) {
            return Err(AppError::unprocessable(format!(
                "Unknown proposal state {f:?}: use one of {}",
                lifecycle::State::ALL
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    Ok(store::list_proposals(&state.db.pool, filter, page).await?)
}

/// Whether results can be shown now: once the result is stored, or while open when the
/// proposal neither hides its results nor is a secret ballot.
pub fn results_visible(row: &ProposalRow) -> bool {
    row.result_json.is_some() || !results_hidden_while_open(row)
}

/// Whether the proposal shows no count until it closes: it hides its results, or its ballots
/// are secret (a count that moves with each ballot would tell how each member voted).
pub fn results_hidden_while_open(row: &ProposalRow) -> bool {
    !lifecycle::running_tally_shown(row.hide_results != 0, row.secret != 0)
}

/// Decodes a stored ballot and checks it again against the proposal's rule and options.
fn revalidate(rule: &DecisionRule, options: &[String], json: &str) -> Option<ValidBallot> {
    let b: Ballot = serde_json::from_str(json).ok()?;
    ballot::validate(rule, options, &b).ok()
}

pub async fn detail(state: &AppState, viewer: i64, row: ProposalRow) -> AppResult<ProposalDetail> {
    let pool = &state.db.pool;
    let author = account_store::account_by_id(pool, row.author_account_id)
        .await?
        .ok_or_else(|| AppError::internal_msg("proposal author missing"))?;
    let author_roles = gov_store::active_roles(pool, author.id).await?;
    let rule = rule_of(&row)?;
    let options = options_of(&row)?;
    let live = if row.state == "open" && results_visible(&row) {
        let ballots: Vec<ValidBallot> = store::current_ballots(pool, row.id)
            .await?
            .iter()
            .filter_map(|b| revalidate(&rule, &options, &b.ballot_json))
            .collect();
        let eligible =
            crate::services::officers::eligible(&mut *pool.acquire().await?, &row).await?;
        Some(tally::tally(
            &rule,
            &options,
            &ballots,
            eligible,
            row.urgent != 0,
        ))
    } else {
        None
    };
    let result = match &row.result_json {
        Some(s) => Some(serde_json::from_str(s).map_err(AppError::internal)?),
        None => None,
    };
    let my_ballots = store::ballots_of(pool, row.id, viewer).await?;
    let timeline = store::events_of_proposal(pool, row.id).await?;
    let voters = store::voter_ids(pool, row.id).await?.len() as i64;
    Ok(ProposalDetail {
        row,
        author,
        author_roles,
        rule,
        options,
        live,
        result,
        my_ballots,
        timeline,
        voters,
    })
}

pub async fn get(state: &AppState, id: i64) -> AppResult<ProposalRow> {
    store::proposal_by_id(&state.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Casts (or changes) the voter's ballot. The last ballot before close counts.
pub async fn vote(
    state: &AppState,
    voter: i64,
    proposal_id: i64,
    ballot: Ballot,
    reason: Option<String>,
    via: &str,
) -> AppResult<VoteReceipt> {
    let row = get(state, proposal_id).await?;
    require_active(state, voter, "vote").await?;
    let reason = check_reason(reason)?;
    let (valid, canonical, options) = validate_ballot(&row, &ballot)?;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let result = async {
            let mut tx = state.db.begin_write().await?;
            let receipt = cast(
                &mut tx,
                state,
                &row,
                voter,
                &valid,
                &canonical,
                &options,
                reason.clone(),
                via,
            )
            .await?;
            tx.commit().await?;
            Ok(receipt)
        }
        .await;
        match result {
            Err(CastError::Db(e)) if is_unique_violation(&e) && attempts < 3 => continue,
            Err(CastError::Db(e)) => return Err(e.into()),
            Err(CastError::App(e)) => return Err(e),
            Ok(r) => return Ok(r),
        }
    }
}

/// Casts the ballot a member's answer in a proposal's poll amounts to, in the poll vote's own
/// transaction (so the ballot and the poll answer are written together or not at all). The
/// caller has checked that the voter is an active member, inside `tx`.
pub async fn vote_from_poll(
    tx: &mut WriteTx,
    state: &AppState,
    voter: i64,
    row: &ProposalRow,
    ballot: Ballot,
) -> AppResult<VoteReceipt> {
    let (valid, canonical, options) = validate_ballot(row, &ballot)?;
    cast(
        tx, state, row, voter, &valid, &canonical, &options, None, "poll",
    )
    .await
    .map_err(|e| match e {
        CastError::Db(e) => e.into(),
        CastError::App(e) => e,
    })
}

fn check_reason(reason: Option<String>) -> AppResult<Option<String>> {
    let reason = reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > REASON_MAX)
    {
        return Err(AppError::validation(
            "reason",
            "ERR_TOO_LONG",
            &format!("is too long (maximum is {REASON_MAX} characters)"),
        ));
    }
    Ok(reason)
}

/// The ballot checked against the proposal's rule: (valid ballot, canonical JSON, options).
fn validate_ballot(
    row: &ProposalRow,
    ballot: &Ballot,
) -> AppResult<(ValidBallot, String, Vec<String>)> {
    let rule = rule_of(row)?;
    let options = options_of(row)?;
    let valid = ballot::validate(&rule, &options, ballot)
        .map_err(|e| AppError::unprocessable(format!("Invalid ballot: {e}")))?;
    let canonical = valid.canonical_json(&options);
    Ok((valid, canonical, options))
}

enum CastError {
    Db(sqlx::Error),
    App(AppError),
}

impl From<sqlx::Error> for CastError {
    fn from(e: sqlx::Error) -> Self {
        CastError::Db(e)
    }
}

/// Writes one ballot in `tx`: the proposal's row lock first (it serialises the ballots on one
/// proposal with each other and with its close, so the last one written is the one that
/// counts, and none is accepted that the close does not count), then the voter row, the
/// ballot, the poll answer it amounts to (for ballots from the co-op API) and the log entry.
#[allow(clippy::too_many_arguments)]
async fn cast(
    tx: &mut WriteTx,
    state: &AppState,
    row: &ProposalRow,
    voter: i64,
    valid: &ValidBallot,
    canonical: &str,
    options: &[String],
    reason: Option<String>,
    via: &str,
) -> Result<VoteReceipt, CastError> {
    // Nobody votes on a proposal about themselves (an expulsion, their own appeal).
    crate::services::officers::check_voter(tx, row, voter)
        .await
        .map_err(CastError::App)?;
    // The proposal's row lock first (the close takes it too), then its state and the time:
    // a ballot accepted here is committed before the close reads the ballots, or the close
    // committed first and this sees the proposal closed. Reading the time after the lock also
    // keeps a member's ballots in the order they were written.
    if !store::lock_proposal(&mut ***tx, row.id).await? {
        return Err(CastError::App(AppError::not_found()));
    }
    let current = store::proposal_by_id(&mut ***tx, row.id)
        .await?
        .ok_or(CastError::App(AppError::not_found()))?;
    // A candidate stood or withdrew after this ballot was checked against the options.
    if current.options_json != row.options_json {
        return Err(CastError::App(AppError::unprocessable(
            "The candidates changed while you voted: look at the ballot again",
        )));
    }
    let now = state.clock.now_micros();
    store::touch_voter(&mut ***tx, row.id, voter, now).await?;
    let accepts = lifecycle::State::ALL
        .iter()
        .find(|s| s.as_str() == current.state)
        .is_some_and(|s| s.accepts_votes());
    if !accepts || now >= current.closes_at {
        return Err(CastError::App(AppError::unprocessable(
            "Voting on this proposal has closed",
        )));
    }
    // A poll answer is final in Mastodon's API: a member changes their vote through the co-op
    // API. Checked after the voter row's lock, so that of two simultaneous poll votes the
    // second sees the first.
    if via == "poll" {
        if let Some(poll_id) = current.poll_id {
            if store::answered_poll(&mut ***tx, poll_id, voter).await? {
                return Err(CastError::App(AppError::unprocessable(format!(
                    "You have already voted on this proposal; to change your vote, use POST /api/v1/coop/proposals/{}/votes",
                    row.id
                ))));
            }
        }
    }
    let replaced = store::supersede_ballot(&mut ***tx, row.id, voter, now).await? > 0;
    let nonce = secrets::random_token();
    let receipt = receipt::receipt(row.id, valid, options, &nonce);
    store::insert_ballot(
        &mut ***tx,
        &BallotRow {
            id: ids::next_id_at(now / 1000),
            proposal_id: row.id,
            account_id: Some(voter),
            ballot_json: canonical.to_string(),
            reason: reason.clone(),
            receipt: receipt.clone(),
            via: via.to_string(),
            cast_at: now,
            superseded_at: None,
        },
    )
    .await?;
    let ballot_value: Value = serde_json::from_str(canonical).unwrap_or(Value::Null);
    if via != "poll" {
        // The poll shows the ballot that counts (a poll vote writes its own answer).
        crate::services::proposal_posts::mirror_ballot(
            tx,
            &current,
            voter,
            rule_of(&current).map_err(CastError::App)?.method,
            options,
            &ballot_value,
            now,
        )
        .await?;
    }
    // The log shows how someone voted only when the ballot is neither secret nor hidden until
    // close (the log is written once, so a hidden count must never be readable from it); of a
    // secret ballot it shows who voted, once, and never that a vote changed.
    let detail = match lifecycle::ballot_record(row.hide_results != 0, row.secret != 0, replaced) {
        lifecycle::BallotRecord::Nothing => None,
        lifecycle::BallotRecord::Voter => Some(json!({ "secret": true })),
        lifecycle::BallotRecord::VoterAndChange => Some(json!({ "changed": replaced })),
        lifecycle::BallotRecord::Everything => {
            Some(json!({ "changed": replaced, "ballot": ballot_value, "reason": reason }))
        }
    };
    if let Some(detail) = detail {
        log(
            tx,
            "ballot.cast",
            Some(voter),
            None,
            Some(row.id),
            detail,
            now,
        )
        .await
        .map_err(CastError::App)?;
    }
    // Live pages redraw the count (services/live.rs shows it only where the API would).
    tx.record(crate::storage::Change::Proposal(row.id));
    Ok(VoteReceipt {
        proposal_id: row.id,
        ballot: ballot_value,
        reason,
        receipt,
        nonce,
        cast_at: now,
        replaced,
    })
}

/// Closes every open proposal whose `closes_at` has passed: counts the ballots under the stored
/// rule, stores the result with it, enacts a passed proposal and queues the result's mails,
/// all in one transaction per proposal. Returns how many it closed.
pub async fn close_due(state: &AppState) -> anyhow::Result<usize> {
    let now = state.clock.now_micros();
    let due = store::due_to_close(&state.db.pool, now).await?;
    let mut closed = 0;
    for id in due {
        match close_one(state, id).await {
            Ok(Some(_)) => closed += 1,
            Ok(None) => {}
            Err(e) => tracing::error!(proposal = id, error = %e, "closing a proposal failed"),
        }
    }
    Ok(closed)
}

/// The `CloseProposal` job: closes the proposal if it is open and due (else nothing).
pub async fn close_job(state: &AppState, id: i64) -> anyhow::Result<()> {
    let now = state.clock.now_micros();
    match store::proposal_by_id(&state.db.pool, id).await? {
        Some(row) if row.state == "open" && row.closes_at <= now => {
            close_one(state, id)
                .await
                .map_err(|e| anyhow::anyhow!("closing proposal {id}: {e}"))?;
        }
        _ => {}
    }
    Ok(())
}

/// The `RemindProposal` job: mails the members who have not voted, once.
pub async fn remind_job(state: &AppState, id: i64) -> anyhow::Result<()> {
    remind_one(state, id, state.clock.now_micros()).await?;
    Ok(())
}

async fn close_one(state: &AppState, id: i64) -> AppResult<Option<ProposalRow>> {
    let mut tx = state.db.begin_write().await?;
    // `claim_close` takes the row lock that ballots take (see `cast`): from here no ballot is
    // accepted, and every ballot accepted before has committed, so the count below sees it.
    let now = state.clock.now_micros();
    if !store::claim_close(&mut **tx, id, now).await? {
        return Ok(None);
    }
    let row = store::proposal_by_id(&mut **tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let rule = rule_of(&row)?;
    let options = options_of(&row)?;
    let ballots = store::current_ballots(&mut **tx, id).await?;
    let valid: Vec<ValidBallot> = ballots
        .iter()
        .filter_map(|b| revalidate(&rule, &options, &b.ballot_json))
        .collect();
    // A quorum is a share of those who may vote: not the parties the proposal is about.
    let eligible = crate::services::officers::eligible(&mut tx, &row).await?;
    let outcome = tally::tally(&rule, &options, &valid, eligible, row.urgent != 0)
        .with_receipts(ballots.iter().map(|b| b.receipt.clone()));
    let decided = lifecycle::transition(
        lifecycle::State::Closed,
        lifecycle::Event::Decide(outcome.outcome),
    )
    .map_err(AppError::internal)?;
    let mut result = serde_json::to_value(&outcome).map_err(AppError::internal)?;
    result["rule_source"] = json!(row.rule_source);
    result["closed_at"] = json!(time::iso(now));
    log(
        &mut tx,
        "proposal.closed",
        None,
        None,
        Some(id),
        json!({ "outcome": outcome.outcome.as_str(), "voted": outcome.voted,
                "eligible": outcome.eligible, "winners": outcome.winners }),
        now,
    )
    .await?;
    let mut final_state = decided;
    let mut enacted_at = None;
    if outcome.passed() {
        match enact(&mut tx, &row, &outcome, now).await? {
            Ok(effect) => {
                final_state = lifecycle::transition(decided, lifecycle::Event::Enact)
                    .map_err(AppError::internal)?;
                enacted_at = Some(now);
                result["enactment"] = effect.clone();
                log(
                    &mut tx,
                    "proposal.enacted",
                    None,
                    None,
                    Some(id),
                    effect,
                    now,
                )
                .await?;
            }
            Err(why) => {
                result["enactment_error"] = json!(why);
                log(
                    &mut tx,
                    "proposal.enactment_failed",
                    None,
                    None,
                    Some(id),
                    json!({ "error": why }),
                    now,
                )
                .await?;
            }
        }
    }
    if row.secret != 0 {
        // A secret ballot is linked to its voter only while open (so they can see and change
        // it). At close, who cast each ballot and when is forgotten: the `ballot.cast` log's
        // times would otherwise re-link them. New ids are drawn in receipt order, so neither
        // the ids nor the times say anything; the receipts (and so their check) are untouched.
        for ballot in store::ballot_ids_by_receipt(&mut **tx, id).await? {
            store::unlink_ballot(&mut **tx, ballot, ids::next_id_at(now / 1000), now).await?;
        }
        // Who voted stays known; how often and when they last voted is forgotten, since that
        // (with the unlinked history) would tell whose ballot was replaced.
        store::forget_recasts(&mut **tx, id).await?;
    }
    crate::services::proposal_posts::on_close(
        &mut tx,
        state,
        &row,
        final_state.as_str(),
        &result,
        now,
    )
    .await?;
    let result_json = result.to_string();
    store::set_result(
        &mut **tx,
        id,
        final_state.as_str(),
        &result_json,
        enacted_at,
        now,
    )
    .await?;
    if row.kind == "expense" {
        crate::services::expenses::proposal_closed(&mut tx, state, &row, final_state.as_str(), now)
            .await?;
    }
    queue_mailing(&mut tx, id, Mailing::Result, now).await?;
    tx.record(crate::storage::Change::Proposal(id));
    tx.commit().await?;
    state.jobs.wake();
    Ok(Some(ProposalRow {
        state: final_state.as_str().to_string(),
        result_json: Some(result_json),
        closed_at: Some(now),
        enacted_at,
        ..row
    }))
}

/// Applies a passed proposal inside the closing transaction. The inner error is a reason the
/// effect could not be applied (recorded; the proposal stays `passed`).
async fn enact(
    tx: &mut WriteTx,
    row: &ProposalRow,
    outcome: &Outcome,
    now: i64,
) -> AppResult<Result<Value, String>> {
    let payload: Value = serde_json::from_str(&row.payload_json).map_err(AppError::internal)?;
    let kind = kind_of(&row.kind)?;
    let source = format!("proposal:{}", row.id);
    match kind {
        ProposalKind::General if payload.get("recall").is_some() => {
            crate::services::roles::enact_recall(tx, row.id, &payload["recall"], now).await
        }
        ProposalKind::General if payload.get("appeal_id").is_some() => {
            crate::services::moderation::enact_appeal_decision(tx, row.id, &payload, now).await
        }
        ProposalKind::General => Ok(Ok(json!({ "kind": "general", "recorded": true }))),
        ProposalKind::Expense => {
            let expense_id: i64 = payload["expense_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or_default();
            match crate::services::expenses::approve_by_proposal(tx, expense_id, row.id, now)
                .await?
            {
                Ok(()) => Ok(Ok(
                    json!({ "kind": "expense", "expense_id": expense_id.to_string(), "approved": true }),
                )),
                Err(why) => Ok(Err(why)),
            }
        }
        ProposalKind::PolicyAmendment | ProposalKind::BylawsAmendment => {
            let text = payload["text"].as_str().unwrap_or_default();
            let doc = match bylaws::parse_document(text) {
                Ok(d) => d,
                Err(e) => return Ok(Err(format!("the amended text no longer parses: {e}"))),
            };
            // The version in force when the proposal opened (proposals opened before Herd
            // recorded it named the next version themselves).
            let amends = payload["amends_version"]
                .as_i64()
                .unwrap_or(i64::from(doc.version) - 1);
            let current = gov_store::policy_in_force(&mut ***tx, &doc.slug, now).await?;
            let in_force = current.as_ref().map_or(0, |c| c.version);
            if in_force != amends || i64::from(doc.version) != in_force + 1 {
                let by = current
                    .as_ref()
                    .and_then(|c| c.adopted_by_proposal_id)
                    .map(|p| format!(" (adopted by proposal {p})"))
                    .unwrap_or_default();
                return Ok(Err(format!(
                    "written on an older text: this amendment amends version {amends} of `{}`, but version {in_force}{by} is in force now, and enacting it would undo that change; propose it again on the text in force",
                    doc.slug
                )));
            }
            gov_store::insert_policy_version(
                &mut ***tx,
                &PolicyVersionRow {
                    id: ids::next_id_at(now / 1000),
                    slug: doc.slug.clone(),
                    version: i64::from(doc.version),
                    title: doc.title.clone(),
                    source: doc.source.clone(),
                    adopted_by_proposal_id: Some(row.id),
                    effective_at: now,
                    created_at: now,
                },
            )
            .await?;
            log(
                tx,
                "policy.adopted",
                None,
                None,
                Some(row.id),
                json!({ "policy": doc.slug, "version": doc.version }),
                now,
            )
            .await?;
            Ok(Ok(
                json!({ "kind": row.kind, "policy": doc.slug, "version": doc.version }),
            ))
        }
        ProposalKind::RoleElection => {
            let role = payload["role"].as_str().unwrap_or_default().to_string();
            let term_days = payload["term_days"]
                .as_u64()
                .and_then(|d| u32::try_from(d).ok());
            let winners: Vec<i64> = outcome
                .winners
                .iter()
                .filter_map(|w| w.parse().ok())
                .collect();
            let effect =
                crate::services::roles::elect(tx, row.id, &role, term_days, &winners, now).await?;
            Ok(Ok(effect))
        }
        ProposalKind::Membership => {
            let account_id: i64 = payload["account_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or_default();
            let action = payload["action"].as_str().unwrap_or_default();
            let current = store::membership(&mut ***tx, account_id).await?;
            let st = current
                .as_ref()
                .map(|m| m.state.clone())
                .unwrap_or_default();
            let (to, kind) = match (action, st.as_str()) {
                ("admit", "applicant" | "lapsed" | "withdrawn" | "expelled") => {
                    ("active", "membership.admitted")
                }
                ("expel", "active" | "lapsed") => ("expelled", "membership.expelled"),
                _ => {
                    return Ok(Err(format!(
                        "cannot {action} account {account_id}: its membership is now {st}"
                    )))
                }
            };
            membership::change_state(
                tx,
                account_id,
                to,
                kind,
                None,
                Some(row.id),
                json!({ "source": source, "previous": st }),
                now,
            )
            .await?;
            if to == "expelled" {
                membership::revoke_all_roles(tx, account_id, Some(row.id), "expelled", now).await?;
            }
            Ok(Ok(
                json!({ "kind": "membership", "account_id": account_id.to_string(), "state": to }),
            ))
        }
    }
}

/// Mails active members who have not voted, 24 hours before a proposal closes.
pub async fn remind_due(state: &AppState) -> anyhow::Result<usize> {
    let now = state.clock.now_micros();
    let due = store::due_for_reminder(&state.db.pool, now, now + MICROS_PER_DAY).await?;
    let mut sent = 0;
    for id in due {
        if remind_one(state, id, now).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Marks the reminder sent and queues it, in one transaction (so it is queued once).
async fn remind_one(state: &AppState, id: i64, now: i64) -> anyhow::Result<bool> {
    let mut tx = state.db.begin_write().await?;
    if !store::claim_reminder(&mut **tx, id, now).await? {
        return Ok(false);
    }
    let job = Job::MailMembers {
        proposal_id: id,
        mailing: Mailing::Reminder,
    };
    jobs::enqueue(&mut tx, &job, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(true)
}

/// The proposal's page, where a member reads, votes and discusses it.
fn proposal_url(state: &AppState, id: i64) -> String {
    format!("{}/proposals/{id}", state.base_url())
}

fn opened_mail(state: &AppState, row: &ProposalRow, rule: &DecisionRule) -> String {
    let urgent = match &row.urgent_reason {
        Some(reason) => format!("Urgent: {reason}\n\n"),
        None => String::new(),
    };
    format!(
        "A new {} proposal is open for your vote.\n\n{}\n\n{urgent}{}\n\nDecided by {} under {}; voting closes at {}.\n{}\n\nTo stop these mails: PATCH /api/v1/coop/preferences with email_proposals=false.\n",
        row.kind,
        row.title,
        row.body,
        rule.method,
        row.rule_source,
        time::iso(row.closes_at),
        proposal_url(state, row.id)
    )
}

fn result_subject(row: &ProposalRow) -> String {
    format!("Proposal {}: {}", row.state, row.title)
}

fn result_mail(state: &AppState, row: &ProposalRow) -> String {
    let result: Value = row
        .result_json
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null);
    let not_enacted = result["enactment_error"]
        .as_str()
        .map(|why| format!("\nNot enacted: {why}\n"))
        .unwrap_or_default();
    format!(
        "The proposal \"{}\" has closed: {}.\n{not_enacted}\n{} of {} members voted. Counted under {}.\nYour receipt, if you voted, is listed in the result.\n\n{}\n\nTo stop these mails: PATCH /api/v1/coop/preferences with email_proposals=false.\n",
        row.title,
        row.state,
        result["voted"],
        result["eligible"],
        row.rule_source,
        proposal_url(state, row.id)
    )
}

fn reminder_mail(state: &AppState, row: &ProposalRow) -> String {
    format!(
        "The proposal \"{}\" closes at {} and you have not voted yet.\n\n{}\n\nTo stop these mails: PATCH /api/v1/coop/preferences with email_proposals=false.\n",
        row.title,
        time::iso(row.closes_at),
        proposal_url(state, row.id)
    )
}

/// A proposal's mail to the members: when it opens, 24 hours before it closes (to those who
/// have not voted), and its result.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Mailing {
    Opened,
    Reminder,
    Result,
}

/// Queues a mailing inside the transaction of the change that causes it: one job, which
/// expands to its recipients when it runs (`expand_mailing`).
async fn queue_mailing(tx: &mut WriteTx, id: i64, mailing: Mailing, now: i64) -> AppResult<()> {
    let job = Job::MailMembers {
        proposal_id: id,
        mailing,
    };
    jobs::enqueue(tx, &job, now).await?;
    Ok(())
}

/// The `MailMembers` job: queues one `MailMember` job for each active member who has not
/// opted out (for the reminder, who has not voted either), chosen now, and deletes itself
/// (row `job_id`) in the same transaction, so a mailing is expanded exactly once.
pub async fn expand_mailing(
    state: &AppState,
    job_id: i64,
    claim_token: i64,
    proposal_id: i64,
    mailing: Mailing,
) -> anyhow::Result<()> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    // The reminder ("you have not voted yet") skips those who voted and those who may not vote.
    let voted: std::collections::HashSet<i64> = match mailing {
        Mailing::Reminder => {
            let mut skip = store::voter_ids(&mut **tx, proposal_id).await?;
            if let Some(row) = store::proposal_by_id(&mut **tx, proposal_id).await? {
                let recused = crate::services::officers::recused(&mut tx, &row)
                    .await
                    .map_err(|e| anyhow::anyhow!("proposal {proposal_id}'s parties: {e}"))?;
                skip.extend(recused);
            }
            skip.into_iter().collect()
        }
        Mailing::Opened | Mailing::Result => Default::default(),
    };
    let each: Vec<Job> = store::active_members(&mut **tx)
        .await?
        .into_iter()
        .filter(|m| m.email_proposals != 0 && !voted.contains(&m.account_id))
        .map(|m| Job::MailMember {
            proposal_id,
            mailing,
            account_id: m.account_id,
        })
        .collect();
    jobs::enqueue_many(&mut tx, &each, now).await?;
    // Fenced: a node whose lease ran out (another node has the job now) expands nothing.
    if !crate::storage::jobs::finish(&mut **tx, job_id, claim_token).await? {
        anyhow::bail!("the mailing's job is another node's now");
    }
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// The `MailMember` job: renders the mailing from the proposal as it stands and sends it to
/// the member's current address. A member who left or opted out since the mailing was
/// expanded is skipped, as is a reminder once the member has voted or the vote has closed.
pub async fn mail_member(
    state: &AppState,
    proposal_id: i64,
    mailing: Mailing,
    account_id: i64,
) -> anyhow::Result<()> {
    let db = &state.db.pool;
    let Some(row) = store::proposal_by_id(db, proposal_id).await? else {
        return Ok(());
    };
    match store::membership(db, account_id).await? {
        Some(m) if m.state == "active" && m.email_proposals != 0 => {}
        _ => return Ok(()),
    }
    if mailing == Mailing::Reminder
        && (row.state != "open" || store::has_voted(db, proposal_id, account_id).await?)
    {
        return Ok(());
    }
    let Some((_, email)) = store::emails_of(db, &[account_id])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    let (subject, body) = match mailing {
        Mailing::Opened => {
            let rule = rule_of(&row).map_err(|e| anyhow::anyhow!("{e}"))?;
            (
                format!("New proposal: {}", row.title),
                opened_mail(state, &row, &rule),
            )
        }
        Mailing::Reminder => (
            format!("24 hours left to vote: {}", row.title),
            reminder_mail(state, &row),
        ),
        Mailing::Result => (result_subject(&row), result_mail(state, &row)),
    };
    let kind = match mailing {
        Mailing::Reminder => "reminders",
        Mailing::Opened | Mailing::Result => "proposals",
    };
    crate::services::mail_prefs::deliver(state, &email, &subject, body, kind).await
}

/// One page of the governance log for members, newest first, each event with its actor and
/// subject as client-API accounts; with the page's cursor ids.
pub async fn events(
    state: &AppState,
    viewer: i64,
    page: &Page,
) -> AppResult<(Vec<coop::Event>, Vec<i64>)> {
    membership::require_reader(state, viewer).await?;
    let rows = store::list_events(&state.db.pool, page).await?;
    let cursors = rows.iter().map(|r| r.id).collect();
    let mut cache: BTreeMap<i64, Option<Value>> = BTreeMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let actor = account_cached(state, &mut cache, row.actor_account_id).await?;
        let subject = account_cached(state, &mut cache, row.subject_account_id).await?;
        out.push(coop::Event::from_row(&row, actor, subject));
    }
    Ok((out, cursors))
}

// ---- what members see (the co-op API and the co-op's pages)

/// One page of proposals for a member, newest first, in the given state or all; with the
/// page's cursor ids.
pub async fn proposals_page(
    state: &AppState,
    viewer: i64,
    filter: Option<&str>,
    page: &Page,
) -> AppResult<(Vec<coop::Proposal>, Vec<i64>)> {
    membership::require_reader(state, viewer).await?;
    let rows = list(state, filter, page).await?;
    let cursors = rows.iter().map(|r| r.id).collect();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let d = detail(state, viewer, row).await?;
        out.push(coop::Proposal::from_detail(state, &d));
    }
    Ok((out, cursors))
}

/// One proposal as a member sees it (tally when visible, their own vote).
pub async fn show(state: &AppState, viewer: i64, id: i64) -> AppResult<coop::Proposal> {
    membership::require_reader(state, viewer).await?;
    let row = get(state, id).await?;
    let d = detail(state, viewer, row).await?;
    Ok(coop::Proposal::from_detail(state, &d))
}

/// A member opens a proposal; answers it as its author sees it.
pub async fn propose(
    state: &AppState,
    author_id: i64,
    p: NewProposal,
) -> AppResult<coop::Proposal> {
    let row = create(state, author_id, p).await?;
    let d = detail(state, author_id, row).await?;
    Ok(coop::Proposal::from_detail(state, &d))
}

async fn account_cached(
    state: &AppState,
    cache: &mut BTreeMap<i64, Option<Value>>,
    id: Option<i64>,
) -> AppResult<Option<Value>> {
    let Some(id) = id else { return Ok(None) };
    if let Some(a) = cache.get(&id) {
        return Ok(a.clone());
    }
    let a = match account_store::account_by_id(&state.db.pool, id).await? {
        Some(row) => {
            let roles = gov_store::active_roles(&state.db.pool, id).await?;
            Some(
                serde_json::to_value(crate::entities::Account::from_row(state, &row, &roles))
                    .map_err(AppError::internal)?,
            )
        }
        None => None,
    };
    cache.insert(id, a.clone());
    Ok(a)
}
