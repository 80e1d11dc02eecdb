//! The notification policy and the requests it opens (Mastodon 4.3): what an account lets
//! through from strangers, and the senders it accepts or dismisses afterwards. The policy
//! itself is applied where notifications are made, in `services::notify`.

use std::collections::HashMap;

use crate::entities::notifications::{NotificationPolicy, NotificationRequest, PolicySummary};
use crate::entities::Status;
use crate::error::{AppError, AppResult};
use crate::paging::Page;
use crate::services::notify::{default_policy, Action};
use crate::services::render::{self, Viewer};
use crate::state::AppState;
use crate::storage::notification_requests::{self as store, PolicyRow, RequestRow};
use crate::storage::notifications;
use crate::storage::statuses;
use crate::storage::Change;
use crate::time;

/// A change to the policy: each rule given is `accept`, `filter` or `drop`.
#[derive(Debug, Default, Clone)]
pub struct PolicyChange {
    pub for_not_following: Option<String>,
    pub for_not_followers: Option<String>,
    pub for_new_accounts: Option<String>,
    pub for_private_mentions: Option<String>,
    pub for_limited_accounts: Option<String>,
}

async fn current(state: &AppState, viewer: i64) -> AppResult<PolicyRow> {
    Ok(store::policy(&state.db.pool, viewer)
        .await?
        .unwrap_or_else(default_policy))
}

/// The viewer's policy with its summary of pending requests.
pub async fn policy(state: &AppState, viewer: i64) -> AppResult<NotificationPolicy> {
    let p = current(state, viewer).await?;
    let (requests, held) = store::pending(&state.db.pool, viewer).await?;
    Ok(NotificationPolicy {
        for_not_following: p.for_not_following,
        for_not_followers: p.for_not_followers,
        for_new_accounts: p.for_new_accounts,
        for_private_mentions: p.for_private_mentions,
        for_limited_accounts: p.for_limited_accounts,
        summary: PolicySummary {
            pending_requests_count: requests,
            pending_notifications_count: held,
        },
    })
}

/// Changes the rules given; a value other than accept, filter or drop is refused (422) and
/// nothing is changed.
pub async fn update_policy(
    state: &AppState,
    viewer: i64,
    change: PolicyChange,
) -> AppResult<NotificationPolicy> {
    let mut p = current(state, viewer).await?;
    let rules = [
        (
            "for_not_following",
            change.for_not_following,
            &mut p.for_not_following,
        ),
        (
            "for_not_followers",
            change.for_not_followers,
            &mut p.for_not_followers,
        ),
        (
            "for_new_accounts",
            change.for_new_accounts,
            &mut p.for_new_accounts,
        ),
        (
            "for_private_mentions",
            change.for_private_mentions,
            &mut p.for_private_mentions,
        ),
        (
            "for_limited_accounts",
            change.for_limited_accounts,
            &mut p.for_limited_accounts,
        ),
    ];
    for (field, given, slot) in rules {
        if let Some(value) = given {
            let Some(action) = Action::parse(value.trim()) else {
                return Err(AppError::validation(
                    field,
                    "ERR_INCLUSION",
                    "is not included in the list (accept, filter, drop)",
                ));
            };
            *slot = action.as_str().to_string();
        }
    }
    store::set_policy(&state.db.pool, viewer, &p, state.clock.now_micros()).await?;
    policy(state, viewer).await
}

/// A page of the viewer's requests, with their ids as cursors.
pub async fn list(
    state: &AppState,
    viewer: i64,
    page: &Page,
) -> AppResult<(Vec<NotificationRequest>, Vec<i64>)> {
    let rows = store::list(&state.db.pool, viewer, page).await?;
    let cursors = rows.iter().map(|r| r.id).collect();
    Ok((render_requests(state, viewer, &rows).await?, cursors))
}

/// One of the viewer's requests.
pub async fn one(state: &AppState, viewer: i64, id: i64) -> AppResult<Option<NotificationRequest>> {
    let rows = store::by_ids(&state.db.pool, viewer, &[id]).await?;
    Ok(render_requests(state, viewer, &rows).await?.pop())
}

/// Accepts the viewer's requests `ids`: their senders' notifications pass the policy from now
/// on and those held back join the list. False when none of `ids` is the viewer's.
pub async fn accept(state: &AppState, viewer: i64, ids: &[i64]) -> AppResult<bool> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    let rows = store::by_ids(&mut **tx, viewer, ids).await?;
    for r in &rows {
        store::permit(&mut **tx, viewer, r.from_account_id, now).await?;
        let held =
            notifications::filtered_mentions_from(&mut **tx, viewer, r.from_account_id).await?;
        notifications::unfilter_from(&mut **tx, viewer, r.from_account_id).await?;
        crate::services::conversations::on_request_accepted(&mut tx, viewer, &held, now).await?;
        store::delete(&mut **tx, viewer, r.id).await?;
    }
    if !rows.is_empty() {
        // Mastodon clients refresh their notifications on this event.
        tx.record(Change::NotificationsMerged(viewer));
    }
    tx.commit().await?;
    Ok(!rows.is_empty())
}

/// Dismisses the viewer's requests `ids`: the request goes, its notifications stay held back
/// (visible with `include_filtered`). False when none of `ids` is the viewer's.
pub async fn dismiss(state: &AppState, viewer: i64, ids: &[i64]) -> AppResult<bool> {
    let mut tx = state.db.begin_write().await?;
    let rows = store::by_ids(&mut **tx, viewer, ids).await?;
    for r in &rows {
        store::delete(&mut **tx, viewer, r.id).await?;
    }
    tx.commit().await?;
    Ok(!rows.is_empty())
}

async fn render_requests(
    state: &AppState,
    viewer: i64,
    rows: &[RequestRow],
) -> AppResult<Vec<NotificationRequest>> {
    let account_ids: Vec<i64> = rows.iter().map(|r| r.from_account_id).collect();
    let accounts: HashMap<String, _> = render::account_list(state, &account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();
    let status_ids: Vec<i64> = rows.iter().filter_map(|r| r.last_status_id).collect();
    let found = statuses::by_ids(&state.db.pool, &status_ids).await?;
    let rendered: HashMap<String, Status> = render::statuses(state, Viewer(Some(viewer)), &found)
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    Ok(rows
        .iter()
        .filter_map(|r| {
            let account = accounts.get(&r.from_account_id.to_string())?.clone();
            Some(NotificationRequest {
                id: r.id.to_string(),
                created_at: time::iso(r.created_at),
                updated_at: time::iso(r.updated_at),
                account,
                notifications_count: r.notifications_count.to_string(),
                last_status: r
                    .last_status_id
                    .and_then(|id| rendered.get(&id.to_string()).cloned()),
            })
        })
        .collect())
}
