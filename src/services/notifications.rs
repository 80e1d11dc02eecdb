//! Reading and dismissing one's notifications, and the read markers (moved here from
//! `api/mastodon/notifications.rs` and `api/mastodon/misc.rs`).

use crate::entities::Notification;
use crate::error::AppResult;
use crate::paging::Page;
use crate::services::render;
use crate::state::AppState;
use crate::storage::markers;
use crate::storage::notifications as store;

/// Which notifications are asked for: `types[]`, `exclude_types[]`, `account_id`,
/// `include_filtered` (those the notification policy held back, too).
#[derive(Debug, Clone, Copy, Default)]
pub struct Choice<'a> {
    pub types: &'a [String],
    pub exclude: &'a [String],
    pub from_account: Option<i64>,
    pub include_filtered: bool,
}

pub(crate) fn selection<'a>(state: &AppState, viewer: i64, c: Choice<'a>) -> store::Selection<'a> {
    store::Selection {
        account_id: viewer,
        types: c.types,
        exclude: c.exclude,
        from_account: c.from_account,
        include_filtered: c.include_filtered,
        now: state.clock.now_micros(),
    }
}

/// One page of the viewer's notifications, filtered, with the cursor ids of every row read.
pub async fn list(
    state: &AppState,
    viewer: i64,
    choice: Choice<'_>,
    page: &Page,
) -> AppResult<(Vec<Notification>, Vec<i64>)> {
    let rows = store::list(&state.db.pool, &selection(state, viewer, choice), page).await?;
    let cursors: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let items = render::notifications(state, viewer, &rows).await?;
    let items = crate::services::filters::apply_notifications(state, viewer, items).await?;
    Ok((items, cursors))
}

/// One notification of the viewer, if the list would show it.
pub async fn one(state: &AppState, viewer: i64, id: i64) -> AppResult<Option<Notification>> {
    // The list's selection for this one id: none from suspended senders (Mastodon's
    // `without_suspended`), nor from silenced ones not followed, muted or blocked.
    let none = Choice::default();
    let rows = store::list(
        &state.db.pool,
        &selection(state, viewer, none),
        &Page {
            max_id: Some(id.saturating_add(1)),
            since_id: Some(id.saturating_sub(1)),
            min_id: None,
            limit: 1,
        },
    )
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(render::notifications(state, viewer, &rows).await?.pop())
}

/// Dismisses one notification; false when the viewer has no such notification.
pub async fn dismiss(state: &AppState, viewer: i64, id: i64) -> AppResult<bool> {
    Ok(store::dismiss(&state.db.pool, viewer, id).await?)
}

/// Dismisses all the viewer's notifications.
pub async fn clear(state: &AppState, viewer: i64) -> AppResult<()> {
    Ok(store::clear(&state.db.pool, viewer).await?)
}

/// Notifications newer than the notifications marker that the list would show, up to `cap`.
pub async fn unread_count(
    state: &AppState,
    viewer: i64,
    choice: Choice<'_>,
    cap: i64,
) -> AppResult<i64> {
    let after = read_up_to(state, viewer).await?;
    Ok(store::count_after(
        &state.db.pool,
        &selection(state, viewer, choice),
        after,
        cap,
    )
    .await?)
}

/// Where the notifications marker stands (0 when never set).
pub async fn read_up_to(state: &AppState, account_id: i64) -> AppResult<i64> {
    Ok(markers::get(&state.db.pool, account_id)
        .await?
        .into_iter()
        .find(|m| m.0 == "notifications")
        .map(|m| m.1)
        .unwrap_or(0))
}

/// A read marker: timeline, last read id, version, updated at.
pub type Marker = (String, i64, i64, i64);

/// The account's read markers.
pub async fn markers(state: &AppState, account_id: i64) -> AppResult<Vec<Marker>> {
    Ok(markers::get(&state.db.pool, account_id).await?)
}

/// Sets the given markers in order, stopping at the first that is not an id (its error is
/// returned; those before it stay set), then returns all the account's markers.
pub async fn set_markers(
    state: &AppState,
    account_id: i64,
    marks: Vec<(&str, AppResult<i64>)>,
) -> AppResult<Vec<Marker>> {
    let now = state.clock.now_micros();
    for (timeline, id) in marks {
        markers::set(&state.db.pool, account_id, timeline, id?, now).await?;
    }
    markers(state, account_id).await
}
