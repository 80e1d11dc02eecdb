//! Endorsements (Mastodon's account pins: accounts featured on one's profile) and private
//! notes on accounts, both shown in the viewer's relationship with the account.

use crate::entities::{Account, Relationship};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::paging::Page;
use crate::services::render;
use crate::services::social;
use crate::state::AppState;
use crate::storage::accounts::AccountRow;
use crate::storage::social::Relation;
use crate::storage::{account_notes, endorsements as store, social as relations};

/// Mastodon's limit on a note's length.
const NOTE_MAX_CHARS: usize = 2000;

/// Endorses `target`, which the viewer must follow (422 otherwise, as Mastodon).
pub async fn endorse(
    state: &AppState,
    viewer: i64,
    target: &AccountRow,
) -> AppResult<Relationship> {
    let db = &state.db.pool;
    if relations::follow_row(db, Relation::Follow, viewer, target.id)
        .await?
        .is_none()
    {
        return Err(AppError::unprocessable(
            "Validation failed: You must be already following the person you want to endorse",
        ));
    }
    let now = state.clock.now_micros();
    store::pin(db, ids::next_id_at(now / 1000), viewer, target.id, now).await?;
    social::relationship(state, viewer, target.id).await
}

pub async fn unendorse(
    state: &AppState,
    viewer: i64,
    target: &AccountRow,
) -> AppResult<Relationship> {
    store::unpin(&state.db.pool, viewer, target.id).await?;
    social::relationship(state, viewer, target.id).await
}

/// The accounts `account_id` endorses, newest endorsement first, with the endorsements'
/// ids as cursors.
pub async fn endorsed(
    state: &AppState,
    account_id: i64,
    page: &Page,
) -> AppResult<(Vec<Account>, Vec<i64>)> {
    let rows = store::endorsed(&state.db.pool, account_id, page).await?;
    let cursors = rows.iter().map(|r| r.0).collect();
    let ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
    Ok((render::account_list(state, &ids).await?, cursors))
}

/// Sets the viewer's private note on `target` (empty removes it); at most 2,000 characters.
pub async fn set_note(
    state: &AppState,
    viewer: i64,
    target: &AccountRow,
    comment: &str,
) -> AppResult<Relationship> {
    if comment.chars().count() > NOTE_MAX_CHARS {
        return Err(AppError::validation(
            "comment",
            "ERR_TOO_LONG",
            "is too long (maximum is 2000 characters)",
        ));
    }
    account_notes::set_note(
        &state.db.pool,
        viewer,
        target.id,
        comment,
        state.clock.now_micros(),
    )
    .await?;
    social::relationship(state, viewer, target.id).await
}
