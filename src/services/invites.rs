//! Invites as an admin manages them from `/admin`: make one (uses and days it is valid, the
//! code shown once), list them, revoke one. Sign-up redeems them (`accounts::register`): an
//! invite lets a person sign up when registrations are closed and skips approval, so making
//! one is an admin's act.

use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::storage::invites as store;

/// The most uses and days an invite may be made with from the page.
pub const MAX_USES: i64 = 1000;
pub const MAX_DAYS: i64 = 365;

#[derive(Debug, Clone, Serialize)]
pub struct Invite {
    pub id: String,
    pub uses: i64,
    pub max_uses: Option<i64>,
    pub expires_at: Option<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
    /// `live`, `used_up`, `expired` or `revoked`.
    pub state: &'static str,
    pub created_by: Option<String>,
}

async fn require_admin(state: &AppState, actor: i64) -> AppResult<()> {
    let roles = crate::storage::governance::active_roles(&state.db.pool, actor).await?;
    if roles.iter().any(|r| r == "admin") {
        Ok(())
    } else {
        Err(AppError::forbidden("Only an admin may manage invites"))
    }
}

/// Makes an invite; returns its code (shown once: only its hash is kept).
pub async fn create(
    state: &AppState,
    actor: i64,
    max_uses: Option<i64>,
    days: Option<i64>,
) -> AppResult<String> {
    require_admin(state, actor).await?;
    if max_uses.is_some_and(|n| !(1..=MAX_USES).contains(&n)) {
        return Err(AppError::validation(
            "max_uses",
            "ERR_INVALID",
            &format!("must be 1 to {MAX_USES}, or empty for no limit"),
        ));
    }
    if days.is_some_and(|d| !(1..=MAX_DAYS).contains(&d)) {
        return Err(AppError::validation(
            "expires_in_days",
            "ERR_INVALID",
            &format!("must be 1 to {MAX_DAYS}, or empty for no expiry"),
        ));
    }
    crate::services::accounts::create_invite(state, Some(actor), max_uses, days).await
}

/// The invites, newest first.
pub async fn list(state: &AppState, actor: i64) -> AppResult<Vec<Invite>> {
    require_admin(state, actor).await?;
    let now = state.clock.now_micros();
    let rows = store::list(&state.db.pool, 200).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let state_word = if r.revoked_at.is_some() {
            "revoked"
        } else if r.expires_at.is_some_and(|e| e <= now) {
            "expired"
        } else if r.max_uses.is_some_and(|m| r.uses >= m) {
            "used_up"
        } else {
            "live"
        };
        let created_by = match r.created_by {
            Some(id) => crate::storage::accounts::account_by_id(&state.db.pool, id)
                .await?
                .map(|a| a.username),
            None => None,
        };
        out.push(Invite {
            id: r.id.to_string(),
            uses: r.uses,
            max_uses: r.max_uses,
            expires_at: r.expires_at.map(crate::time::iso),
            created_at: crate::time::iso(r.created_at),
            revoked_at: r.revoked_at.map(crate::time::iso),
            state: state_word,
            created_by,
        });
    }
    Ok(out)
}

/// Revokes an invite: it no longer lets anyone sign up.
pub async fn revoke(state: &AppState, actor: i64, id: i64) -> AppResult<()> {
    require_admin(state, actor).await?;
    let now = state.clock.now_micros();
    if !store::revoke(&state.db.pool, id, now).await? {
        return Err(AppError::not_found());
    }
    Ok(())
}
