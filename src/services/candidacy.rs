//! Standing for election and withdrawing (bylaws 3.2): a member adds themselves to an open
//! role election's candidates, or takes themselves off. `governance::candidacy` decides when;
//! this reads what it needs under the proposal's row lock (the lock a ballot takes too), so a
//! candidacy and the first ballot cannot cross, and rewrites the election's options and
//! payload together, with an entry in the governance log. The page and the co-op API both
//! call `stand` and `withdraw`.

use herd_governance::candidacy::{self, Refusal, Standing};
use herd_governance::lifecycle::State;
use serde_json::{json, Value};

use crate::entities::coop;
use crate::error::{AppError, AppResult};
use crate::services::proposals as proposals_svc;
use crate::state::AppState;
use crate::storage::proposals as store;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    Stand,
    Withdraw,
}

fn refused(r: Refusal) -> AppError {
    match r {
        // Who may stand is a matter of membership: 403, as a non-member's ballot is.
        Refusal::NotAMember => AppError::forbidden(r.to_string()),
        _ => AppError::unprocessable(r.to_string()),
    }
}

/// `POST /api/v1/coop/proposals/:id/candidates`: the member stands; answers the proposal.
pub async fn stand(state: &AppState, member: i64, proposal_id: i64) -> AppResult<coop::Proposal> {
    change(state, member, proposal_id, Change::Stand).await?;
    proposals_svc::show(state, member, proposal_id).await
}

/// `DELETE /api/v1/coop/proposals/:id/candidates`: the member withdraws; answers the proposal.
pub async fn withdraw(
    state: &AppState,
    member: i64,
    proposal_id: i64,
) -> AppResult<coop::Proposal> {
    change(state, member, proposal_id, Change::Withdraw).await?;
    proposals_svc::show(state, member, proposal_id).await
}

async fn change(state: &AppState, member: i64, proposal_id: i64, how: Change) -> AppResult<()> {
    // Only those who may read proposals learn that this one exists.
    crate::services::membership::require_reader(state, member).await?;
    let mut tx = state.db.begin_write().await?;
    if !store::lock_proposal(&mut **tx, proposal_id).await? {
        return Err(AppError::not_found());
    }
    let row = store::proposal_by_id(&mut **tx, proposal_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut options = proposals_svc::options_of(&row)?;
    let me = member.to_string();
    let active = store::membership(&mut **tx, member)
        .await?
        .is_some_and(|m| m.state == "active");
    let ballots = store::current_ballots(&mut **tx, proposal_id).await?.len();
    let now = state.clock.now_micros();
    let facts = Standing {
        state: State::ALL
            .into_iter()
            .find(|s| s.as_str() == row.state)
            .unwrap_or(State::Closed),
        is_election: row.kind == "role_election",
        now,
        closes_at: row.closes_at,
        ballots,
        has_poll: row.poll_id.is_some(),
        active_member: active,
        already_candidate: options.contains(&me),
        candidates: options.len(),
    };
    match how {
        Change::Stand => {
            candidacy::may_stand(&facts).map_err(refused)?;
            options.push(me.clone());
        }
        Change::Withdraw => {
            candidacy::may_withdraw(&facts).map_err(refused)?;
            options.retain(|o| *o != me);
        }
    }
    let mut payload: Value = serde_json::from_str(&row.payload_json).map_err(AppError::internal)?;
    payload["candidates"] = json!(options);
    let options_json = serde_json::to_string(&options).map_err(AppError::internal)?;
    if !store::set_candidates(
        &mut **tx,
        proposal_id,
        &options_json,
        &payload.to_string(),
        now,
    )
    .await?
    {
        return Err(refused(Refusal::NotOpen));
    }
    let kind = match how {
        Change::Stand => "candidate_stood",
        Change::Withdraw => "candidate_withdrew",
    };
    proposals_svc::log(
        &mut tx,
        kind,
        Some(member),
        Some(member),
        Some(proposal_id),
        json!({ "role": payload["role"] }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
