//! Deleting one's own account (the settings page, with the password): the posts are
//! deleted and a `Delete` of the actor federated (as Mastodon does), tokens and sessions
//! revoked, the membership withdrawn as the governance domain withdraws one (roles end with
//! it), the ledger left as it is (its entries name the account and stay, as accounts must),
//! and the username kept by the emptied, suspended account row so no one can take it again.
//! One transaction: all of it happens, or none.

use serde_json::json;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::storage::account_security as store;

/// Deletes the account behind `account_id`, whose `password` must be right.
pub async fn delete_own(
    state: &AppState,
    account_id: i64,
    password: &str,
    ip: std::net::IpAddr,
) -> AppResult<()> {
    crate::services::account_settings::check_password(state, account_id, password, ip).await?;
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    let account = crate::storage::accounts::account_by_id(&mut **tx, account_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    // The Delete goes out first, while the account still reads as it was.
    crate::services::federation::account_deleted(&mut tx, state, &account, now).await?;
    for id in store::status_ids_of(&mut **tx, account_id).await? {
        // A boost removed with its original above is gone already.
        if let Some(s) = crate::storage::statuses::by_id(&mut **tx, id).await? {
            crate::services::statuses::remove(&mut tx, &s, now).await?;
        }
    }
    if let Some(m) = crate::storage::proposals::membership(&mut **tx, account_id).await? {
        if matches!(m.state.as_str(), "applicant" | "active" | "lapsed") {
            crate::services::membership::change_state(
                &mut tx,
                account_id,
                "withdrawn",
                "membership.withdrawn",
                Some(account_id),
                None,
                json!({ "previous": m.state, "reason": "account deleted" }),
                now,
            )
            .await?;
        }
    }
    crate::services::membership::revoke_all_roles(
        &mut tx,
        account_id,
        None,
        "account deleted",
        now,
    )
    .await?;
    crate::storage::oauth::revoke_account_tokens(&mut **tx, account_id, now).await?;
    store::empty_account(&mut tx, account_id, now).await?;
    tx.record(crate::storage::Change::AccountChanged(account_id));
    tx.record(crate::storage::Change::TokensRevoked);
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}
