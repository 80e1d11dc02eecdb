//! What binds the co-op's officers (bylaws 5.3, 5.5), asked of `herd_governance::officers`:
//! who may act for the treasurers' office on something that concerns a member (nobody for
//! themselves; an admin for a treasurer), that an expense a proposal decides is decided by the
//! members alone, and who may not vote on a proposal (nor count among its eligible voters)
//! because it is about them.

use axum::http::StatusCode;
use herd_governance::officers::{self, Interest, Party, Refusal};
use serde_json::Value;
use sqlx::AnyConnection;

use crate::error::{AppError, AppResult};
use crate::services::membership::require_active;
use crate::state::AppState;
use crate::storage::governance as gov_store;
use crate::storage::ledger::ExpenseRow;
use crate::storage::moderation as mod_store;
use crate::storage::proposals::{self as prop_store, ProposalRow};

/// 409: the members decide this, not an officer.
pub fn members_decide(message: impl Into<String>) -> AppError {
    AppError::new(StatusCode::CONFLICT, message)
}

/// Checks that `actor` may act for the treasurers' office on something whose subject (the
/// member paying dues, an expense's submitter) is `subject`: a treasurer, or an admin when the
/// subject is a treasurer, who is an active member and (unless `own_case_allowed`) not the
/// subject. 403 otherwise.
pub async fn require_office_for(
    state: &AppState,
    actor: i64,
    subject: i64,
    own_case_allowed: bool,
) -> AppResult<()> {
    let pool = &state.db.pool;
    let actor_roles = gov_store::active_roles(pool, actor).await?;
    let subject_roles = gov_store::active_roles(pool, subject).await?;
    match officers::may_act_for(
        actor,
        &actor_roles,
        subject,
        &subject_roles,
        own_case_allowed,
    ) {
        Ok(()) => {}
        Err(Refusal::NotOfficer) => {
            return Err(AppError::forbidden(
                if subject_roles.iter().any(|r| r == "treasurer") {
                    "Only another treasurer or an admin may do this"
                } else {
                    "Only a treasurer may do this"
                },
            ))
        }
        Err(Refusal::OwnCase) => {
            return Err(AppError::forbidden(
                "Conflict of interest: nobody records dues, approves or pays an expense for themselves; another treasurer or an admin must",
            ))
        }
    }
    require_active(state, actor, "act as treasurer").await
}

/// 409 while a proposal that was opened for the expense has not been enacted: while it is
/// open the members are deciding, and if it failed they decided; only its enactment approves.
pub async fn require_not_before_members(state: &AppState, e: &ExpenseRow) -> AppResult<()> {
    let Some(pid) = e.proposal_id else {
        return Ok(());
    };
    let state_now = prop_store::proposal_by_id(&state.db.pool, pid)
        .await?
        .map(|p| p.state)
        .unwrap_or_default();
    match state_now.as_str() {
        "enacted" => Ok(()),
        "open" | "closed" => Err(members_decide(format!(
            "The members are deciding this expense (proposal {pid} is open); only its enactment can approve it"
        ))),
        other => Err(members_decide(format!(
            "The members decided this expense: proposal {pid} {}; only an enacted proposal approves it",
            if other.is_empty() { "is gone" } else { other }
        ))),
    }
}

/// The accounts a proposal is about, who may not vote on it: the member a `membership`
/// proposal would admit or expel; for a `general` proposal that decides an appeal, the
/// appellant (the appeal's author and the account its strike sanctioned) and the moderator
/// whose action it contests (as in the moderators' queue, `gate::check_appeal_decision`); for
/// a recall, the holder it would remove.
async fn parties(conn: &mut AnyConnection, row: &ProposalRow) -> AppResult<Vec<Party>> {
    let payload: Value = serde_json::from_str(&row.payload_json).unwrap_or(Value::Null);
    let id_of = |v: &Value| match v {
        Value::String(s) => s.trim().parse::<i64>().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    };
    let party = |account, interest| Party { account, interest };
    let mut out = Vec::new();
    match row.kind.as_str() {
        "membership" => {
            out.extend(id_of(&payload["account_id"]).map(|a| party(a, Interest::Subject)))
        }
        "general" => {
            out.extend(
                id_of(&payload["recall"]["account_id"]).map(|a| party(a, Interest::Recalled)),
            );
            if let Some(appeal_id) = id_of(&payload["appeal_id"]) {
                if let Some(a) = mod_store::appeal(&mut *conn, appeal_id).await? {
                    out.push(party(a.account_id, Interest::Appellant));
                    if let Some(s) = mod_store::strike(&mut *conn, a.strike_id).await? {
                        out.push(party(s.account_id, Interest::Appellant));
                        out.push(party(s.moderator_account_id, Interest::ActingModerator));
                    }
                }
            }
        }
        _ => {}
    }
    Ok(out)
}

/// Refuses (403) a ballot on a proposal that is about the voter. Both ways of voting (the
/// co-op API and a proposal's poll) cast through `proposals::cast`, which asks this inside
/// the ballot's transaction.
pub async fn check_voter(conn: &mut AnyConnection, row: &ProposalRow, voter: i64) -> AppResult<()> {
    match officers::recusal(voter, &parties(conn, row).await?) {
        None => Ok(()),
        Some(interest) => Err(AppError::forbidden(format!(
            "Conflict of interest: {interest}"
        ))),
    }
}

/// The accounts that may not vote on the proposal (`check_voter` refuses them): the reminder
/// that a vote is closing is not for them.
pub async fn recused(conn: &mut AnyConnection, row: &ProposalRow) -> AppResult<Vec<i64>> {
    Ok(officers::recused(&parties(conn, row).await?))
}

/// How many members may vote on the proposal: the active members, less those `check_voter`
/// refuses. Its quorum (at the close, and in the running tally) is a share of these.
pub async fn eligible(conn: &mut AnyConnection, row: &ProposalRow) -> AppResult<u32> {
    let recused = recused(&mut *conn, row).await?;
    let n = prop_store::count_active_members_except(&mut *conn, &recused).await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}
