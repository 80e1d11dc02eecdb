//! Grouped notifications (Mastodon 4.3's `/api/v2/notifications`): favourites and boosts of
//! one post, and follows, that came within the same hours are one group. The page of groups
//! is chosen in storage (one row per group); each group's count and sample accounts come in
//! one query each for the whole page.

use std::collections::{HashMap, HashSet};

use crate::entities::notifications::{GroupedNotifications, NotificationGroup, PartialAccount};
use crate::entities::{Account, Notification, Status};
use crate::error::AppResult;
use crate::paging::Page;
use crate::services::notifications::{selection, Choice};
use crate::services::notify::GROUPABLE;
use crate::services::render;
use crate::state::AppState;
use crate::storage::notifications::{self as store, GroupStats, NotificationRow};
use crate::time;

/// Mastodon's sample size: the accounts shown for a group.
const SAMPLE_ACCOUNTS: i64 = 8;

/// The types grouped in this request: `grouped_types[]` among the groupable ones, or all of
/// them when the client names none.
pub fn grouped_types(requested: &[String]) -> Vec<&'static str> {
    if requested.is_empty() {
        return GROUPABLE.to_vec();
    }
    GROUPABLE
        .iter()
        .copied()
        .filter(|t| requested.iter().any(|r| r == t))
        .collect()
}

/// How the list's accounts are sent: in full, or (`partial_avatars`) in full only for each
/// group's newest sender and the statuses' authors, the others as avatars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expand {
    Full,
    PartialAvatars,
}

/// One page of groups, with the cursor ids (each group's representative notification).
pub async fn list(
    state: &AppState,
    viewer: i64,
    choice: Choice<'_>,
    grouped: &[String],
    expand: Expand,
    page: &Page,
) -> AppResult<(GroupedNotifications, Vec<i64>)> {
    let grouped = grouped_types(grouped);
    let sel = selection(state, viewer, choice);
    let heads = store::group_heads(&state.db.pool, &sel, &grouped, page).await?;
    let cursors: Vec<i64> = heads.iter().map(|h| h.id).collect();
    let (Some(newest), Some(oldest)) = (heads.first(), heads.last()) else {
        return Ok((empty(expand), cursors));
    };
    // The range the groups' counts cover, as Mastodon's: the page itself, or to the list's
    // end (or the request's bound) when the page is its last.
    let complete = heads.len() as i64 >= page.limit;
    let (start, end) = if complete {
        (oldest.id, Some(newest.id))
    } else if page.ascending() {
        (oldest.id, page.max_id.map(|m| m - 1))
    } else {
        (page.since_id.map_or(0, |s| s + 1), Some(newest.id))
    };
    let keys = group_keys(&heads, &grouped);
    let stats = store::group_stats(&state.db.pool, &sel, &keys, start, end).await?;
    let samples = store::group_samples(&state.db.pool, &sel, &keys, end, SAMPLE_ACCOUNTS).await?;
    let result = assemble(
        state, viewer, &heads, &grouped, stats, samples, expand, true,
    )
    .await?;
    Ok((result, cursors))
}

/// One group by its key (`ungrouped-ID` for a single notification), counted whole; None when
/// the viewer has no such group.
pub async fn one(
    state: &AppState,
    viewer: i64,
    group_key: &str,
) -> AppResult<Option<GroupedNotifications>> {
    let sel = selection(state, viewer, Choice::default());
    let heads = store::in_group(&state.db.pool, &sel, group_key, &Page::first(1)).await?;
    if heads.is_empty() {
        return Ok(None);
    }
    let keys = group_keys(&heads, GROUPABLE);
    let stats = store::group_stats(&state.db.pool, &sel, &keys, 0, None).await?;
    let samples = store::group_samples(&state.db.pool, &sel, &keys, None, SAMPLE_ACCOUNTS).await?;
    let result = assemble(
        state,
        viewer,
        &heads,
        GROUPABLE,
        stats,
        samples,
        Expand::Full,
        false,
    )
    .await?;
    Ok((!result.notification_groups.is_empty()).then_some(result))
}

/// The accounts behind a group's notifications, newest first, with the notifications' ids as
/// cursors; None when the viewer has no such group.
pub async fn accounts(
    state: &AppState,
    viewer: i64,
    group_key: &str,
    page: &Page,
) -> AppResult<Option<(Vec<Account>, Vec<i64>)>> {
    let sel = selection(state, viewer, Choice::default());
    let rows = store::in_group(&state.db.pool, &sel, group_key, page).await?;
    if rows.is_empty()
        && store::in_group(&state.db.pool, &sel, group_key, &Page::first(1))
            .await?
            .is_empty()
    {
        return Ok(None);
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.from_account_id).collect();
    let cursors = rows.iter().map(|r| r.id).collect();
    Ok(Some((render::account_list(state, &ids).await?, cursors)))
}

/// Dismisses every notification of a group; false when the viewer had none in it.
pub async fn dismiss(state: &AppState, viewer: i64, group_key: &str) -> AppResult<bool> {
    Ok(store::dismiss_group(&state.db.pool, viewer, group_key).await?)
}

/// Groups newer than the notifications marker that the list would show, up to `cap`.
pub async fn unread_count(
    state: &AppState,
    viewer: i64,
    choice: Choice<'_>,
    grouped: &[String],
    cap: i64,
) -> AppResult<i64> {
    let grouped = grouped_types(grouped);
    let after = crate::services::notifications::read_up_to(state, viewer).await?;
    let sel = selection(state, viewer, choice);
    Ok(store::count_groups_after(&state.db.pool, &sel, &grouped, after, cap).await?)
}

fn empty(expand: Expand) -> GroupedNotifications {
    GroupedNotifications {
        accounts: Vec::new(),
        partial_accounts: (expand == Expand::PartialAvatars).then(Vec::new),
        statuses: Vec::new(),
        notification_groups: Vec::new(),
    }
}

/// The stored group keys of the rows whose type is grouped here.
fn group_keys(rows: &[NotificationRow], grouped: &[&str]) -> Vec<String> {
    let mut keys: Vec<String> = rows
        .iter()
        .filter(|r| grouped.contains(&r.kind.as_str()))
        .filter_map(|r| r.group_key.clone())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

#[allow(clippy::too_many_arguments)]
async fn assemble(
    state: &AppState,
    viewer: i64,
    heads: &[NotificationRow],
    grouped: &[&str],
    stats: Vec<GroupStats>,
    samples: Vec<(String, i64)>,
    expand: Expand,
    paginated: bool,
) -> AppResult<GroupedNotifications> {
    let stats: HashMap<String, GroupStats> = stats
        .into_iter()
        .map(|s| (s.group_key.clone(), s))
        .collect();
    let mut sample_ids: HashMap<String, Vec<i64>> = HashMap::new();
    for (key, account) in samples {
        sample_ids.entry(key).or_default().push(account);
    }
    // The representative notifications rendered as v1 would (statuses the viewer may no
    // longer see drop their group), then the viewer's filters.
    let rendered = render::notifications(state, viewer, heads).await?;
    let rendered = crate::services::filters::apply_notifications(state, viewer, rendered).await?;
    let by_id: HashMap<i64, &NotificationRow> = heads.iter().map(|h| (h.id, h)).collect();

    let mut groups = Vec::with_capacity(rendered.len());
    let mut statuses: Vec<Status> = Vec::new();
    let mut seen_statuses = HashSet::new();
    let mut authors: Vec<Account> = Vec::new();
    let mut samples_of: Vec<Vec<i64>> = Vec::new();
    for n in rendered {
        let Some(row) = n.id.parse::<i64>().ok().and_then(|id| by_id.get(&id)) else {
            continue;
        };
        let grouped_here = grouped.contains(&row.kind.as_str());
        let stored = row
            .group_key
            .as_ref()
            .filter(|_| grouped_here)
            .and_then(|k| stats.get(k).map(|s| (k, s)));
        let group = match stored {
            Some((key, s)) => {
                let sample = sample_ids.get(key).cloned().unwrap_or_default();
                samples_of.push(sample.clone());
                group_of(
                    &n,
                    key.clone(),
                    s.count,
                    s.most_recent_id,
                    s.page_min_id.unwrap_or(row.id),
                    s.latest_at,
                    sample,
                    paginated,
                )
            }
            None => {
                samples_of.push(vec![row.from_account_id]);
                group_of(
                    &n,
                    format!("ungrouped-{}", row.id),
                    1,
                    row.id,
                    row.id,
                    row.created_at,
                    vec![row.from_account_id],
                    paginated,
                )
            }
        };
        groups.push(group);
        if let Some(status) = n.status {
            authors.push(status.account.clone());
            if seen_statuses.insert(status.id.clone()) {
                statuses.push(status);
            }
        }
    }

    // Accounts: every sample in full, or only each group's newest sender (the rest as
    // avatars); the statuses' authors always in full.
    let mut full_ids: Vec<i64> = Vec::new();
    let mut partial_ids: Vec<i64> = Vec::new();
    for sample in &samples_of {
        match expand {
            Expand::Full => full_ids.extend(sample),
            Expand::PartialAvatars => {
                full_ids.extend(sample.first());
                partial_ids.extend(sample.iter().skip(1));
            }
        }
    }
    let mut wanted = full_ids.clone();
    wanted.extend(&partial_ids);
    wanted.sort_unstable();
    wanted.dedup();
    let loaded: HashMap<String, Account> = render::account_list(state, &wanted)
        .await?
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();
    let mut accounts: Vec<Account> = Vec::new();
    let mut in_accounts = HashSet::new();
    for id in &full_ids {
        if let Some(a) = loaded.get(&id.to_string()) {
            if in_accounts.insert(a.id.clone()) {
                accounts.push(a.clone());
            }
        }
    }
    for a in authors {
        if in_accounts.insert(a.id.clone()) {
            accounts.push(a);
        }
    }
    let partial_accounts = match expand {
        Expand::Full => None,
        Expand::PartialAvatars => {
            let mut seen = HashSet::new();
            Some(
                partial_ids
                    .iter()
                    .filter_map(|id| loaded.get(&id.to_string()))
                    .filter(|a| !in_accounts.contains(&a.id) && seen.insert(a.id.clone()))
                    .map(PartialAccount::from)
                    .collect(),
            )
        }
    };
    Ok(GroupedNotifications {
        accounts,
        partial_accounts,
        statuses,
        notification_groups: groups,
    })
}

#[allow(clippy::too_many_arguments)]
fn group_of(
    n: &Notification,
    group_key: String,
    count: i64,
    most_recent: i64,
    page_min: i64,
    latest_at: i64,
    sample: Vec<i64>,
    paginated: bool,
) -> NotificationGroup {
    NotificationGroup {
        group_key,
        notifications_count: count,
        kind: n.kind.clone(),
        most_recent_notification_id: most_recent.to_string(),
        page_min_id: paginated.then(|| page_min.to_string()),
        page_max_id: paginated.then(|| most_recent.to_string()),
        latest_page_notification_at: paginated.then(|| time::iso(latest_at)),
        sample_account_ids: sample.iter().map(|id| id.to_string()).collect(),
        status_id: n.status.as_ref().map(|s| s.id.clone()),
        moderation_warning: n.moderation_warning.clone(),
    }
}
