//! What a reader, signed in or not, sees of an account and a thread: the profile by its
//! handle, the account's posts by tab, its pinned posts, its followers and following, and a
//! post in its thread. The pages call these; each applies the same visibility, blocks and
//! `hide_collections` rules as the client API's calls for the same data.

use crate::entities::{Account, Status};
use crate::error::{AppError, AppResult};
use crate::paging::Page;
use crate::services::render::{self, Viewer};
use crate::services::social;
use crate::services::timelines::{self, AccountStatuses, Timeline};
use crate::state::AppState;
use crate::storage::accounts::{self as account_store, AccountRow};
use crate::storage::governance as gov_store;

/// An account shown on its page: the entity and its id.
pub struct Profile {
    pub id: i64,
    pub account: Account,
}

/// A handle as typed in a URL (`alice`, `alice@example.org`, with or without the leading
/// `@`) to a local account or a remote one this server already knows (no WebFinger: a page
/// view never makes this server fetch from elsewhere).
pub async fn account_by_handle(state: &AppState, handle: &str) -> AppResult<Profile> {
    let handle = handle.trim().trim_start_matches('@');
    let (username, domain) = match handle.rsplit_once('@') {
        Some((u, d)) if !d.eq_ignore_ascii_case(&state.config.domain) => (u, Some(d)),
        Some((u, _)) => (u, None),
        None => (handle, None),
    };
    let row: AccountRow = match domain {
        None => account_store::local_account_by_username(&state.db.pool, username).await?,
        Some(d) => {
            let d = d.to_ascii_lowercase();
            crate::storage::federation::remote_account_by_acct(&state.db.pool, username, &d).await?
        }
    }
    .ok_or_else(AppError::not_found)?;
    let roles = gov_store::active_roles(&state.db.pool, row.id).await?;
    let mut account = Account::from_row(state, &row, &roles);
    crate::services::federation::decorate_account(state, &mut account, row.id).await?;
    Ok(Profile {
        id: row.id,
        account,
    })
}

/// The tabs of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Posts and boosts, without replies to others.
    Posts,
    WithReplies,
    Media,
}

/// One page of an account's posts as `viewer` may see them: the client API's
/// `GET /api/v1/accounts/:id/statuses` with the tab's filter (one service function for both).
pub async fn account_posts(
    state: &AppState,
    viewer: Option<i64>,
    account_id: i64,
    tab: Tab,
    page: &Page,
) -> AppResult<Timeline> {
    let which = AccountStatuses {
        exclude_replies: tab == Tab::Posts,
        exclude_reblogs: tab == Tab::Media,
        pinned: false,
        only_media: tab == Tab::Media,
        tagged: None,
        exclude_direct: false,
    };
    timelines::account(state, viewer, account_id, &which, page).await
}

/// The account's pinned posts that `viewer` may see.
pub async fn pinned(
    state: &AppState,
    viewer: Option<i64>,
    account_id: i64,
) -> AppResult<Vec<Status>> {
    let which = AccountStatuses {
        exclude_replies: false,
        exclude_reblogs: true,
        pinned: true,
        only_media: false,
        tagged: None,
        exclude_direct: false,
    };
    let page = Page {
        max_id: None,
        since_id: None,
        min_id: None,
        limit: 20,
    };
    Ok(timelines::account(state, viewer, account_id, &which, &page)
        .await?
        .statuses)
}

/// A page of an account's followers (`followers`) or of whom it follows, or None when the
/// account hides them from this viewer (`hide_collections`: only the account itself sees;
/// the client API answers an empty list there, a page says so).
pub async fn relations(
    state: &AppState,
    viewer: Option<i64>,
    account_id: i64,
    followers: bool,
    page: &Page,
) -> AppResult<Option<(Vec<Account>, Vec<i64>)>> {
    if crate::services::federation::collections_hidden(state, account_id).await?
        && viewer != Some(account_id)
    {
        return Ok(None);
    }
    let list = if followers {
        social::followers(state, viewer, account_id, page).await?
    } else {
        social::following(state, viewer, account_id, page).await?
    };
    Ok(Some((list.accounts, list.cursors)))
}

/// A status and the thread around it, as `viewer` may see them.
pub struct Thread {
    pub ancestors: Vec<Status>,
    pub status: Status,
    pub descendants: Vec<Status>,
}

/// The status `id` in its thread; 404 when the viewer may not see it, or when it is a boost
/// (a boost has no page of its own).
pub async fn thread(state: &AppState, viewer: Option<i64>, id: &str) -> AppResult<Thread> {
    let row = crate::services::statuses::visible(state, id, viewer).await?;
    if row.reblog_of_id.is_some() {
        return Err(AppError::not_found());
    }
    let (ancestors, descendants) = crate::services::statuses::context(state, viewer, id).await?;
    let v = Viewer(viewer);
    let status = render::status(state, v, &row).await?;
    let ancestors = render::statuses(state, v, &ancestors).await?;
    let descendants = render::statuses(state, v, &descendants).await?;
    let ancestors = crate::services::filters::apply(state, v, "thread", ancestors).await?;
    let descendants = crate::services::filters::apply(state, v, "thread", descendants).await?;
    Ok(Thread {
        ancestors,
        status,
        descendants,
    })
}
