//! Wire types of the co-op API (DESIGN §7). Fields may be added, never renamed.

use serde::Serialize;
use serde_json::{json, Value};

use crate::entities::Account;
use crate::services::membership::Member as MemberData;
use crate::services::policies::PolicyView;
use crate::services::proposals::{self as svc, ProposalDetail};
use crate::state::AppState;
use crate::storage::proposals::EventRow;
use crate::time;

fn iso_opt(t: Option<i64>) -> Option<String> {
    t.map(time::iso)
}

#[derive(Debug, Serialize)]
pub struct Member {
    /// The account id.
    pub id: String,
    pub account: Account,
    /// applicant | active | lapsed | withdrawn | expelled
    pub state: String,
    pub roles: Vec<String>,
    /// The terms of the roles held (bylaws 3.2): `until` null for a grant from before terms.
    pub role_terms: Vec<RoleTerm>,
    pub applied_at: String,
    pub joined_at: Option<String>,
    pub updated_at: String,
    pub share_paid_at: Option<String>,
}

impl Member {
    pub fn from_data(state: &AppState, m: &MemberData) -> Member {
        let mut roles = vec![];
        if m.membership.state == "active" {
            roles.push("member".to_string());
        }
        roles.extend(m.roles.iter().cloned());
        Member {
            id: m.account.id.to_string(),
            account: Account::from_row(state, &m.account, &m.roles),
            state: m.membership.state.clone(),
            roles,
            role_terms: m
                .role_terms
                .iter()
                .map(|t| RoleTerm {
                    role: t.role.clone(),
                    since: time::iso(t.since),
                    until: iso_opt(t.until),
                    holding_over: t.holding_over,
                })
                .collect(),
            applied_at: time::iso(m.membership.applied_at),
            joined_at: iso_opt(m.membership.joined_at),
            updated_at: time::iso(m.membership.updated_at),
            share_paid_at: iso_opt(m.membership.share_paid_at),
        }
    }
}

/// A role held for a term; `holding_over` once the term has ended and the holder, the role's
/// last, keeps it until an election fills the seat.
#[derive(Debug, Serialize)]
pub struct RoleTerm {
    pub role: String,
    pub since: String,
    pub until: Option<String>,
    pub holding_over: bool,
}

#[derive(Debug, Serialize)]
pub struct Preferences {
    pub email_proposals: bool,
}

#[derive(Debug, Serialize)]
pub struct Event {
    pub id: String,
    pub kind: String,
    pub created_at: String,
    pub actor: Option<Value>,
    pub subject: Option<Value>,
    pub proposal_id: Option<String>,
    pub detail: Value,
}

impl Event {
    pub fn from_row(row: &EventRow, actor: Option<Value>, subject: Option<Value>) -> Event {
        Event {
            id: row.id.to_string(),
            kind: row.kind.clone(),
            created_at: time::iso(row.created_at),
            actor,
            subject,
            proposal_id: row.proposal_id.map(|p| p.to_string()),
            detail: serde_json::from_str(&row.detail_json).unwrap_or(Value::Null),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Proposal {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub author: Account,
    pub state: String,
    pub urgent: bool,
    /// Why it is urgent (null unless urgent).
    pub urgent_reason: Option<String>,
    pub method: String,
    pub rule: Value,
    /// The bylaws version the rule comes from (`bylaws@1`).
    pub rule_source: String,
    pub options: Vec<String>,
    pub opens_at: String,
    pub closes_at: String,
    pub closed_at: Option<String>,
    pub enacted_at: Option<String>,
    pub hide_results: bool,
    pub secret: bool,
    pub status_id: Option<String>,
    pub poll_id: Option<String>,
    pub votes_count: i64,
    pub tally: Option<Value>,
    pub result: Option<Value>,
    pub my_vote: Option<Value>,
    pub payload: Value,
    pub timeline: Vec<Value>,
    pub created_at: String,
}

impl Proposal {
    pub fn from_detail(state: &AppState, d: &ProposalDetail) -> Proposal {
        let r = &d.row;
        let tally = match (&d.result, &d.live) {
            (Some(result), _) => Some(result["tally"].clone()),
            (None, Some(live)) => serde_json::to_value(&live.tally).ok(),
            _ => None,
        };
        let my_vote = d.my_ballots.first().filter(|b| b.superseded_at.is_none()).map(|b| {
            json!({
                "ballot": serde_json::from_str::<Value>(&b.ballot_json).unwrap_or(Value::Null),
                "reason": b.reason,
                "receipt": b.receipt,
                "cast_at": time::iso(b.cast_at),
                "history": d.my_ballots.iter().skip(1).map(|h| json!({
                    "ballot": serde_json::from_str::<Value>(&h.ballot_json).unwrap_or(Value::Null),
                    "reason": h.reason,
                    "receipt": h.receipt,
                    "cast_at": time::iso(h.cast_at),
                    "superseded_at": iso_opt(h.superseded_at),
                })).collect::<Vec<_>>(),
            })
        });
        Proposal {
            id: r.id.to_string(),
            kind: r.kind.clone(),
            title: r.title.clone(),
            body: r.body.clone(),
            author: Account::from_row(state, &d.author, &d.author_roles),
            state: r.state.clone(),
            urgent: r.urgent != 0,
            urgent_reason: r.urgent_reason.clone(),
            method: r.method.clone(),
            rule: serde_json::to_value(&d.rule).unwrap_or(Value::Null),
            rule_source: r.rule_source.clone(),
            options: svc::display_options(d.rule.method, &d.options),
            opens_at: time::iso(r.opens_at),
            closes_at: time::iso(r.closes_at),
            closed_at: iso_opt(r.closed_at),
            enacted_at: iso_opt(r.enacted_at),
            // A secret ballot hides its results until the close as well.
            hide_results: svc::results_hidden_while_open(r),
            secret: r.secret != 0,
            status_id: r.status_id.map(|i| i.to_string()),
            poll_id: r.poll_id.map(|i| i.to_string()),
            votes_count: d.voters,
            tally,
            result: d.result.clone(),
            my_vote,
            payload: serde_json::from_str(&r.payload_json).unwrap_or(Value::Null),
            timeline: d
                .timeline
                .iter()
                .map(|e| {
                    json!({
                        "id": e.id.to_string(),
                        "kind": e.kind,
                        "created_at": time::iso(e.created_at),
                        "actor_id": e.actor_account_id.map(|a| a.to_string()),
                        "subject_id": e.subject_account_id.map(|a| a.to_string()),
                        "detail": serde_json::from_str::<Value>(&e.detail_json).unwrap_or(Value::Null),
                    })
                })
                .collect(),
            created_at: time::iso(r.created_at),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Clause {
    pub id: String,
    pub title: String,
    pub text: String,
    pub sanctions: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Policy {
    pub slug: String,
    pub title: String,
    pub version: i64,
    pub summary: Option<String>,
    pub effective_at: String,
    pub adopted_by: Option<String>,
    pub in_force: bool,
    /// The full document, front matter included (what an amendment replaces).
    pub text: String,
    pub clauses: Vec<Clause>,
}

impl Policy {
    pub fn from_view(v: &PolicyView) -> Policy {
        Policy {
            slug: v.row.slug.clone(),
            title: v.row.title.clone(),
            version: v.row.version,
            summary: v.doc.summary.clone(),
            effective_at: time::iso(v.row.effective_at),
            adopted_by: v.row.adopted_by_proposal_id.map(|p| p.to_string()),
            in_force: v.in_force,
            text: v.row.source.clone(),
            clauses: v
                .doc
                .clauses
                .iter()
                .map(|c| Clause {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    text: c.text.clone(),
                    sanctions: c.sanctions.iter().map(|s| s.as_str().to_string()).collect(),
                })
                .collect(),
        }
    }
}
