//! What a proposal's page shows beyond the proposal itself: who voted and how (only when the
//! ballot is neither secret nor hidden until the close, as the log shows it), how many may
//! vote (for the quorum's progress), and the check of a receipt a member kept, which
//! recomputes it from their ballot and nonce and stores and logs nothing.

use herd_governance::ballot::{self, Ballot};
use herd_governance::receipt;
use serde::Serialize;
use serde_json::Value;

use crate::entities::Account;
use crate::error::{AppError, AppResult};
use crate::services::membership;
use crate::services::proposals::{self as svc};
use crate::state::AppState;
use crate::storage::accounts as account_store;
use crate::storage::governance as gov_store;
use crate::storage::proposals as store;
use crate::time;

/// One member's current ballot as the page lists it.
#[derive(Debug, Serialize)]
pub struct ShownBallot {
    pub voter: Account,
    pub ballot: Value,
    pub reason: Option<String>,
    pub cast_at: String,
}

/// The current ballots with their voters, or `None` when the proposal is secret or hides its
/// results until the close (then how anyone voted is never shown, open or closed).
pub async fn shown_ballots(
    state: &AppState,
    viewer: i64,
    id: i64,
) -> AppResult<Option<Vec<ShownBallot>>> {
    membership::require_reader(state, viewer).await?;
    let row = svc::get(state, id).await?;
    if row.secret != 0 || row.hide_results != 0 {
        return Ok(None);
    }
    let pool = &state.db.pool;
    let mut out = Vec::new();
    for b in store::current_ballots(pool, id).await? {
        let Some(account_id) = b.account_id else {
            continue;
        };
        let Some(account) = account_store::account_by_id(pool, account_id).await? else {
            continue;
        };
        let roles = gov_store::active_roles(pool, account_id).await?;
        out.push(ShownBallot {
            voter: Account::from_row(state, &account, &roles),
            ballot: serde_json::from_str(&b.ballot_json).unwrap_or(Value::Null),
            reason: b.reason,
            cast_at: time::iso(b.cast_at),
        });
    }
    Ok(Some(out))
}

/// How many members may vote on the proposal now (its quorum is a share of these).
pub async fn eligible(state: &AppState, viewer: i64, id: i64) -> AppResult<u32> {
    membership::require_reader(state, viewer).await?;
    let row = svc::get(state, id).await?;
    let mut conn = state.db.pool.acquire().await?;
    crate::services::officers::eligible(&mut conn, &row).await
}

/// The answer of a receipt check.
#[derive(Debug, Serialize)]
pub struct ReceiptCheck {
    /// The receipt is what this ballot and nonce hash to.
    pub matches: bool,
    /// Closed: the receipt is among those counted. Open: it is the viewer's current ballot's.
    pub counted: bool,
    pub closed: bool,
}

/// Recomputes a receipt from the ballot (its JSON, as shown when voting) and the nonce, and
/// looks it up among the ballots counted (closed) or as the viewer's current one (open).
/// Reads only: nothing about the check is stored or logged.
pub async fn check_receipt(
    state: &AppState,
    viewer: i64,
    id: i64,
    ballot_json: &str,
    nonce: &str,
    receipt_hex: &str,
) -> AppResult<ReceiptCheck> {
    membership::require_reader(state, viewer).await?;
    let row = svc::get(state, id).await?;
    let rule = svc::rule_of(&row)?;
    let options = svc::options_of(&row)?;
    let parsed: Ballot = serde_json::from_str(ballot_json.trim()).map_err(|_| {
        AppError::validation(
            "ballot",
            "ERR_INVALID",
            "is not a ballot as shown when voting",
        )
    })?;
    let valid = ballot::validate(&rule, &options, &parsed)
        .map_err(|e| AppError::validation("ballot", "ERR_INVALID", &e.to_string()))?;
    let receipt_hex = receipt_hex.trim();
    if receipt_hex.is_empty() {
        return Err(AppError::validation(
            "receipt",
            "ERR_BLANK",
            "can't be blank",
        ));
    }
    if nonce.trim().is_empty() {
        return Err(AppError::validation("nonce", "ERR_BLANK", "can't be blank"));
    }
    let matches = receipt::verify(receipt_hex, row.id, &valid, &options, nonce.trim());
    let closed = row.result_json.is_some();
    let counted = if closed {
        let result: Value = serde_json::from_str(row.result_json.as_deref().unwrap_or("null"))
            .map_err(AppError::internal)?;
        result["receipts"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x.as_str() == Some(receipt_hex)))
    } else {
        store::ballots_of(&state.db.pool, row.id, viewer)
            .await?
            .first()
            .filter(|b| b.superseded_at.is_none())
            .is_some_and(|b| b.receipt.eq_ignore_ascii_case(receipt_hex))
    };
    Ok(ReceiptCheck {
        matches,
        counted,
        closed,
    })
}
