//! Wire types of the co-op API (DESIGN §7): members, proposals and the governance log,
//! policies, the ledger and expenses, strikes and appeals. Fields may be added, never renamed.
//! Services build them (as they build the Mastodon entities) so that the JSON API and the
//! co-op's pages show the same thing; conversions sit beside each type.

use std::collections::BTreeMap;

use herd_governance::ledger::Entry;
use serde::Serialize;
use serde_json::{json, Value};

use crate::entities::Account;
use crate::services::membership::Member as MemberData;
use crate::services::policies::PolicyView;
use crate::services::proposals::{self as svc, ProposalDetail};
use crate::state::AppState;
use crate::storage::ledger::{AttachmentRow, ExpenseRow, ReceiptRow};
use crate::storage::moderation::{ActionRow, AppealRow, StrikeRow};
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

// ---- the ledger ----

#[derive(Debug, Serialize)]
pub struct PostingEntity {
    pub account: String,
    pub amount: i64,
    pub currency: String,
}

#[derive(Debug, Serialize)]
pub struct Transaction {
    pub id: String,
    pub seq: i64,
    pub date: String,
    pub memo: String,
    pub counterparty: String,
    pub category: String,
    pub kind: String,
    pub reverses: Option<String>,
    pub member_id: Option<String>,
    pub postings: Vec<PostingEntity>,
    pub hash: String,
    pub prev_hash: String,
    /// Files a treasurer attached (invoices, statements), served to ledger readers.
    pub attachments: Vec<Attachment>,
}

impl Transaction {
    /// The entry with these attachments.
    pub fn with_attachments(state: &AppState, e: &Entry, files: Vec<AttachmentRow>) -> Self {
        let mut t = Transaction::from(e);
        t.attachments = files
            .into_iter()
            .map(|a| Attachment::from_row(state, a))
            .collect();
        t
    }
}

impl From<&Entry> for Transaction {
    fn from(e: &Entry) -> Self {
        Transaction {
            id: e.id.to_string(),
            seq: e.seq,
            date: time::iso(e.draft.date),
            memo: e.draft.memo.clone(),
            counterparty: e.draft.counterparty.clone(),
            category: e.draft.category.clone(),
            kind: e.draft.kind.clone(),
            reverses: e.draft.reverses.map(|r| r.to_string()),
            member_id: e.draft.member.map(|r| r.to_string()),
            postings: e
                .draft
                .postings
                .iter()
                .map(|p| PostingEntity {
                    account: p.account.clone(),
                    amount: p.amount,
                    currency: p.currency.clone(),
                })
                .collect(),
            hash: e.hash.clone(),
            prev_hash: e.prev_hash.clone(),
            attachments: Vec::new(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Attachment {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub url: String,
}

impl Attachment {
    pub fn from_row(state: &AppState, a: AttachmentRow) -> Attachment {
        Attachment {
            url: format!(
                "{}/api/v1/coop/ledger/transactions/{}/attachments/{}",
                state.base_url(),
                a.transaction_id,
                a.id
            ),
            id: a.id.to_string(),
            file_name: a.file_name,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct LedgerAccount {
    pub code: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Signed sums of all postings: debits positive, credits negative.
    pub balances: BTreeMap<String, i64>,
}

/// A member's dues history: paid-up date and the payments (treasurer entries, Stripe).
#[derive(Debug, Serialize)]
pub struct DuesHistory {
    pub paid_until: Option<String>,
    pub payments: Vec<Transaction>,
}

// ---- expenses ----

#[derive(Debug, Serialize)]
pub struct Receipt {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub url: String,
}

impl Receipt {
    pub fn from_row(state: &AppState, r: ReceiptRow) -> Receipt {
        Receipt {
            url: format!(
                "{}/api/v1/coop/expenses/{}/receipts/{}",
                state.base_url(),
                r.expense_id,
                r.id
            ),
            id: r.id.to_string(),
            file_name: r.file_name,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Expense {
    pub id: String,
    pub state: String,
    pub amount: i64,
    pub currency: String,
    pub description: String,
    pub category: String,
    pub submitter: Account,
    pub proposal_id: Option<String>,
    pub reject_reason: Option<String>,
    pub transaction_id: Option<String>,
    pub created_at: String,
    pub decided_at: Option<String>,
    pub paid_at: Option<String>,
    /// Only for the submitter, treasurers and admins; `null` for everyone else.
    pub receipts: Option<Vec<Receipt>>,
}

impl Expense {
    pub fn from_row(e: ExpenseRow, submitter: Account, receipts: Option<Vec<Receipt>>) -> Expense {
        Expense {
            id: e.id.to_string(),
            state: e.state,
            amount: e.amount,
            currency: e.currency,
            description: e.description,
            category: e.category,
            submitter,
            proposal_id: e.proposal_id.map(|p| p.to_string()),
            reject_reason: e.reject_reason,
            transaction_id: e.transaction_id.map(|t| t.to_string()),
            created_at: time::iso(e.created_at),
            decided_at: e.decided_at.map(time::iso),
            paid_at: e.paid_at.map(time::iso),
            receipts,
        }
    }
}

/// The answer to `POST expenses/:id/proposal`.
#[derive(Debug, Serialize)]
pub struct ExpenseProposal {
    pub proposal_id: String,
    pub expense_id: String,
}

// ---- strikes, appeals and the moderation log ----

#[derive(Debug, Serialize)]
pub struct Appeal {
    pub id: String,
    pub strike_id: String,
    pub state: String,
    pub text: String,
    pub created_at: String,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
    pub proposal_id: Option<String>,
}

impl From<&AppealRow> for Appeal {
    fn from(a: &AppealRow) -> Appeal {
        Appeal {
            id: a.id.to_string(),
            strike_id: a.strike_id.to_string(),
            state: a.state.clone(),
            text: a.text.clone(),
            created_at: time::iso(a.created_at),
            decided_at: a.decided_at.map(time::iso),
            decision_reason: a.decision_reason.clone(),
            proposal_id: a.proposal_id.map(|p| p.to_string()),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Strike {
    pub id: String,
    pub action: String,
    pub citation: String,
    /// The clause the citation names, as the cited version words it (null if unreadable).
    pub clause: Value,
    pub text: String,
    pub statuses: Value,
    pub report_id: Option<String>,
    pub created_at: String,
    pub appealable_until: Option<String>,
    pub overruled_at: Option<String>,
    pub appeal: Option<Appeal>,
    /// Only in a moderator's view of an appeal (null when the account is gone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moderator: Option<Option<Account>>,
}

impl Strike {
    pub fn from_row(s: &StrikeRow, clause: Value, appeal: Option<&AppealRow>) -> Strike {
        Strike {
            id: s.id.to_string(),
            action: s.action.clone(),
            citation: s.citation.clone(),
            clause,
            text: s.text.clone(),
            statuses: serde_json::from_str(&s.statuses_json).unwrap_or_else(|_| json!([])),
            report_id: s.report_id.map(|r| r.to_string()),
            created_at: time::iso(s.created_at),
            appealable_until: s.appealable_until.map(time::iso),
            overruled_at: s.overruled_at.map(time::iso),
            appeal: appeal.map(Appeal::from),
            moderator: None,
        }
    }
}

/// An appeal as moderators see it in their queue: the appellant, the decider and the strike.
#[derive(Debug, Serialize)]
pub struct AppealDetail {
    #[serde(flatten)]
    pub appeal: Appeal,
    pub account: Option<Account>,
    pub decided_by: Option<Account>,
    pub strike: Strike,
}

#[derive(Debug, Serialize)]
pub struct ActionTarget {
    pub account: Option<Account>,
    pub status_id: Option<String>,
    pub domain: Option<String>,
}

/// One entry of the moderation log.
#[derive(Debug, Serialize)]
pub struct ModerationAction {
    pub id: String,
    pub action: String,
    pub target: ActionTarget,
    pub citation: Option<String>,
    pub reason: String,
    pub moderator: Option<Account>,
    pub created_at: String,
    pub report_id: Option<String>,
    pub strike_id: Option<String>,
    pub appeal_id: Option<String>,
    pub proposal_id: Option<String>,
}

impl ModerationAction {
    pub fn from_row(
        a: &ActionRow,
        target: Option<Account>,
        moderator: Option<Account>,
    ) -> ModerationAction {
        ModerationAction {
            id: a.id.to_string(),
            action: a.action.clone(),
            target: ActionTarget {
                account: target,
                status_id: a.target_status_id.map(|s| s.to_string()),
                domain: a.target_domain.clone(),
            },
            citation: a.citation.clone(),
            reason: a.reason.clone(),
            moderator,
            created_at: time::iso(a.created_at),
            report_id: a.report_id.map(|r| r.to_string()),
            strike_id: a.strike_id.map(|r| r.to_string()),
            appeal_id: a.appeal_id.map(|r| r.to_string()),
            proposal_id: a.proposal_id.map(|r| r.to_string()),
        }
    }
}

/// The treasurers' budgets and the bylaws' monthly defaults; with a period, each account's
/// budget resolved for it.
pub fn budgets(b: &crate::services::ledger::Budgets) -> Value {
    let mut out = json!({
        "currency": b.currency,
        "bylaws_monthly": b.bylaws_monthly.iter().map(|(a, amount)| json!({
            "account": a.code, "name": a.name, "amount": amount, "currency": b.currency,
        })).collect::<Vec<_>>(),
        "budgets": b.stored.iter().map(|(a, r)| json!({
            "period": r.period, "account": a.code, "name": a.name, "amount": r.amount,
            "currency": r.currency, "set_by": r.set_by_account_id.map(|i| i.to_string()),
            "updated_at": time::iso(r.updated_at),
        })).collect::<Vec<_>>(),
    });
    if let Some((p, from, to)) = &b.period {
        out["period"] = json!(p.key());
        out["from"] = json!(time::iso(*from));
        out["to"] = json!(time::iso(*to));
        out["effective"] = b
            .effective
            .iter()
            .map(|(a, currency, r)| {
                json!({
                    "account": a.code, "name": a.name, "amount": r.amount, "currency": currency,
                    "source": if r.set_by_treasurer { "treasurer" } else { "bylaws" },
                })
            })
            .collect();
    }
    out
}

/// What a voter gets back for a ballot.
#[derive(Debug, Serialize)]
pub struct VoteReceipt {
    pub proposal_id: String,
    pub receipt: String,
    pub nonce: String,
    pub ballot: Value,
    pub reason: Option<String>,
    pub cast_at: String,
    pub replaced: bool,
}

impl From<crate::services::proposals::VoteReceipt> for VoteReceipt {
    fn from(r: crate::services::proposals::VoteReceipt) -> VoteReceipt {
        VoteReceipt {
            proposal_id: r.proposal_id.to_string(),
            receipt: r.receipt,
            nonce: r.nonce,
            ballot: r.ballot,
            reason: r.reason,
            cast_at: time::iso(r.cast_at),
            replaced: r.replaced,
        }
    }
}
