//! Finding accounts to follow: the profile directory (`/api/v1/directory`) and follow
//! suggestions (`/api/v2/suggestions`): accounts followed by those one follows first, then
//! the most followed local accounts; dismissed ones never come back.

use serde::Serialize;

use crate::entities::Account;
use crate::error::AppResult;
use crate::services::render;
use crate::state::AppState;
use crate::storage::discovery as store;

pub use crate::storage::discovery::DirectoryOrder;

/// A page of the directory (offset paging, as Mastodon's).
pub async fn directory(
    state: &AppState,
    viewer: Option<i64>,
    local_only: bool,
    order: DirectoryOrder,
    offset: i64,
    limit: i64,
) -> AppResult<Vec<Account>> {
    let ids = store::directory(
        &state.db.pool,
        viewer.unwrap_or(-1),
        local_only,
        order,
        offset,
        limit,
    )
    .await?;
    render::account_list(state, &ids).await
}

/// A v2 Suggestion: `sources` names why (4.3), `source` is the older single reason.
#[derive(Debug, Serialize, Clone)]
pub struct Suggestion {
    pub source: &'static str,
    pub sources: Vec<&'static str>,
    pub account: Account,
}

/// Up to `limit` accounts the viewer might follow.
pub async fn suggestions(state: &AppState, viewer: i64, limit: i64) -> AppResult<Vec<Suggestion>> {
    let db = &state.db.pool;
    // (account, sources, legacy source) in the order they are offered.
    let mut chosen: Vec<(i64, &'static str, &'static str)> = Vec::new();
    for (id, _) in store::friends_of_friends(db, viewer, limit).await? {
        chosen.push((id, "friends_of_friends", "past_interactions"));
    }
    if (chosen.len() as i64) < limit {
        for id in store::most_followed(db, viewer, limit).await? {
            if (chosen.len() as i64) < limit && !chosen.iter().any(|c| c.0 == id) {
                chosen.push((id, "most_followed", "global"));
            }
        }
    }
    let ids: Vec<i64> = chosen.iter().map(|c| c.0).collect();
    let accounts = render::account_list(state, &ids).await?;
    Ok(chosen
        .into_iter()
        .filter_map(|(id, sources, source)| {
            let account = accounts.iter().find(|a| a.id == id.to_string())?.clone();
            Some(Suggestion {
                source,
                sources: vec![sources],
                account,
            })
        })
        .collect())
}

/// `DELETE /api/v1/suggestions/:id`: never suggest this account again.
pub async fn dismiss(state: &AppState, viewer: i64, target: i64) -> AppResult<()> {
    Ok(store::dismiss(&state.db.pool, viewer, target, state.clock.now_micros()).await?)
}
