//! Turns stored rows into Mastodon entities for one viewer, loading everything a page needs
//! in a fixed number of queries (authors, mentions, tags, the viewer's marks) whatever its size.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::entities::{Account, Mention, Notification, Status, StatusApplication, StatusTag};
use crate::error::AppResult;
use crate::services::read_cache::{self, StatusParts};
use crate::state::AppState;
use crate::storage::accounts::{self, AccountRow};
use crate::storage::interactions::{self, ViewerMarks};
use crate::storage::notifications::NotificationRow;
use crate::storage::statuses::{self, StatusRow};
use crate::time;

/// Whose eyes a page is rendered for: viewer-dependent fields appear only for a signed-in one.
#[derive(Debug, Clone, Copy)]
pub struct Viewer(pub Option<i64>);

impl Viewer {
    /// The id to bind in visibility filters (-1 matches nobody).
    pub fn id(self) -> i64 {
        self.0.unwrap_or(-1)
    }
}

pub fn status_uri(state: &AppState, username: &str, id: i64) -> String {
    format!("{}/users/{username}/statuses/{id}", state.base_url())
}

pub fn status_url(state: &AppState, username: &str, id: i64) -> String {
    format!("{}/@{username}/{id}", state.base_url())
}

pub fn tag_url(state: &AppState, name: &str) -> String {
    format!("{}/tags/{}", state.base_url(), name.to_lowercase())
}

pub fn acct_of(a: &AccountRow) -> String {
    if a.domain.is_empty() {
        a.username.clone()
    } else {
        format!("{}@{}", a.username, a.domain)
    }
}

/// Renders accounts, keyed by id.
pub fn accounts_by_id(state: &AppState, rows: Vec<AccountRow>) -> HashMap<i64, Account> {
    rows.iter()
        .map(|a| (a.id, Account::from_row(state, a, &[])))
        .collect()
}

pub async fn account_list(state: &AppState, ids: &[i64]) -> AppResult<Vec<Account>> {
    let rows = accounts::accounts_by_ids(&state.db.pool, ids).await?;
    let by_id = accounts_by_id(state, rows);
    Ok(ids.iter().filter_map(|id| by_id.get(id)).cloned().collect())
}

struct Loaded {
    statuses: HashMap<i64, StatusRow>,
    accounts: HashMap<i64, Arc<AccountRow>>,
    /// Mentions and tags by status id.
    parts: HashMap<i64, Arc<StatusParts>>,
    apps: HashMap<i64, StatusApplication>,
    marks: ViewerMarks,
    /// Rendered attachments and polls by status id.
    media: HashMap<i64, Vec<serde_json::Value>>,
    polls: HashMap<i64, serde_json::Value>,
    /// Link preview cards by status id (their credited authors are in `accounts`).
    cards: HashMap<i64, crate::storage::cards::CardRow>,
    quotes: crate::services::quotes::Loaded,
}

async fn load(state: &AppState, viewer: Viewer, rows: &[StatusRow]) -> AppResult<Loaded> {
    let db = &state.db.pool;
    let mut statuses: HashMap<i64, StatusRow> = rows.iter().map(|r| (r.id, r.clone())).collect();
    let missing: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.reblog_of_id)
        .filter(|id| !statuses.contains_key(id))
        .collect();
    for r in statuses::by_ids(db, &missing).await? {
        statuses.insert(r.id, r);
    }
    // Quoted posts join the page's statuses, so they load with everything else.
    let mut quotes = crate::services::quotes::load(state, viewer, &mut statuses).await?;
    let ids: Vec<i64> = statuses.keys().copied().collect();
    let parts = read_cache::status_parts(state, &ids).await?;
    let cards = quotes.take_cards();
    let mut account_ids: Vec<i64> = statuses.values().map(|s| s.account_id).collect();
    account_ids.extend(parts.values().flat_map(|p| p.mentions.iter()));
    account_ids.extend(cards.values().filter_map(|c| c.author_account_id));
    account_ids.sort_unstable();
    account_ids.dedup();
    let accounts = read_cache::accounts(state, &account_ids).await?;
    let mut app_ids: Vec<i64> = statuses.values().filter_map(|s| s.application_id).collect();
    app_ids.sort_unstable();
    app_ids.dedup();
    let apps = state.app_names.of(state, &app_ids).await?;
    let marks = match viewer.0 {
        Some(v) => {
            let roots: Vec<i64> = statuses.values().map(|s| s.thread_root_id).collect();
            interactions::viewer_marks(db, v, &ids, &roots).await?
        }
        None => ViewerMarks::default(),
    };
    let mut media: HashMap<i64, Vec<serde_json::Value>> = HashMap::new();
    for m in crate::storage::media::of_statuses(db, &ids).await? {
        if let Some(sid) = m.status_id {
            let entity = crate::services::media::entity(state, &m);
            media
                .entry(sid)
                .or_default()
                .push(serde_json::to_value(entity).unwrap_or_default());
        }
    }
    let poll_rows = crate::storage::polls::of_statuses(db, &ids).await?;
    let polls = crate::services::polls::entities(state, viewer.0, poll_rows)
        .await?
        .into_iter()
        .map(|(sid, p)| (sid, serde_json::to_value(p).unwrap_or_default()))
        .collect();
    Ok(Loaded {
        quotes,
        media,
        polls,
        cards,
        statuses,
        accounts,
        parts,
        apps,
        marks,
    })
}

fn build(
    state: &AppState,
    viewer: Viewer,
    l: &Loaded,
    row: &StatusRow,
    depth: u8,
) -> Option<Status> {
    let author = l.accounts.get(&row.account_id)?;
    let reblog = match row.reblog_of_id {
        Some(id) if depth == 0 => Some(Box::new(build(state, viewer, l, l.statuses.get(&id)?, 1)?)),
        _ => None,
    };
    // A quoted post is built at depth 2: its own quote is only named (a ShallowQuote).
    let quote = crate::services::quotes::entity(&l.quotes, &l.statuses, row, depth >= 2, |q| {
        build(state, viewer, l, q, 2).and_then(|s| serde_json::to_value(s).ok())
    });
    let signed_in = viewer.0.is_some();
    let mark = |set: &HashSet<i64>| signed_in.then(|| set.contains(&row.id));
    Some(Status {
        id: row.id.to_string(),
        uri: row.uri.clone(),
        url: row.url.clone(),
        created_at: time::iso(row.created_at),
        edited_at: row.edited_at.map(time::iso),
        account: Account::from_row(state, author, &[]),
        content: if reblog.is_some() {
            String::new()
        } else {
            row.content.clone()
        },
        visibility: row.visibility.clone(),
        local_only: row.local_only != 0,
        // A moderator's `sensitive` action forces the account's media sensitive.
        sensitive: row.sensitive != 0 || author.sensitized_at.is_some(),
        spoiler_text: row.spoiler_text.clone(),
        media_attachments: l.media.get(&row.id).cloned().unwrap_or_default(),
        application: row.application_id.and_then(|id| l.apps.get(&id).cloned()),
        mentions: l
            .parts
            .get(&row.id)
            .into_iter()
            .flat_map(|p| p.mentions.iter())
            .filter_map(|id| l.accounts.get(id))
            .map(|a| Mention {
                id: a.id.to_string(),
                username: a.username.clone(),
                url: a.url.clone(),
                acct: acct_of(a),
            })
            .collect(),
        tags: l
            .parts
            .get(&row.id)
            .into_iter()
            .flat_map(|p| p.tags.iter())
            .map(|name| StatusTag {
                name: name.to_lowercase(),
                url: tag_url(state, name),
            })
            .collect(),
        emojis: Vec::new(),
        reblogs_count: row.reblogs_count,
        favourites_count: row.favourites_count,
        replies_count: row.replies_count,
        in_reply_to_id: row.in_reply_to_id.map(|i| i.to_string()),
        in_reply_to_account_id: row.in_reply_to_account_id.map(|i| i.to_string()),
        reblog,
        poll: l.polls.get(&row.id).cloned(),
        card: l
            .cards
            .get(&row.id)
            .filter(|_| row.reblog_of_id.is_none())
            .and_then(|c| {
                serde_json::to_value(crate::services::cards::entity(
                    state,
                    c,
                    c.author_account_id
                        .and_then(|id| l.accounts.get(&id))
                        .map(|a| &**a),
                ))
                .ok()
            }),
        language: row.language.clone(),
        quote,
        quote_approval: crate::services::quotes::approval(&l.quotes, viewer, row),
        quotes_count: l.quotes.count(row.id),
        text: None,
        favourited: mark(&l.marks.favourited),
        reblogged: mark(&l.marks.reblogged),
        muted: signed_in.then(|| l.marks.muted_threads.contains(&row.thread_root_id)),
        bookmarked: mark(&l.marks.bookmarked),
        pinned: (signed_in && viewer.0 == Some(row.account_id) && row.reblog_of_id.is_none())
            .then(|| l.marks.pinned.contains(&row.id)),
        filtered: signed_in.then(Vec::new),
    })
}

/// Renders statuses in the given order for the viewer; rows whose author is gone are
/// skipped, and so is every row the viewer may not see ([`statuses::visible_to`]: for a boost,
/// the boosted post too), whichever query or event chose it. This is the check every read
/// path shares (REST, streams, conversations, notifications), so a row that reached a feed or
/// a page by a wider route than its audience still shows nobody outside it.
pub async fn statuses(
    state: &AppState,
    viewer: Viewer,
    rows: &[StatusRow],
) -> AppResult<Vec<Status>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let visible: HashSet<i64> = statuses::visible_ids(&state.db.pool, &ids, viewer.id())
        .await?
        .into_iter()
        .collect();
    if visible.len() == rows.len() {
        return render_rows(state, viewer, rows).await;
    }
    let rows: Vec<StatusRow> = rows
        .iter()
        .filter(|r| visible.contains(&r.id))
        .cloned()
        .collect();
    render_rows(state, viewer, &rows).await
}

/// Renders reported statuses for a moderator, who must read them whoever their audience was
/// (Mastodon's admin views do the same); never for anything but the moderation queue.
pub async fn statuses_for_moderators(
    state: &AppState,
    moderator: i64,
    rows: &[StatusRow],
) -> AppResult<Vec<Status>> {
    render_rows(state, Viewer(Some(moderator)), rows).await
}

async fn render_rows(
    state: &AppState,
    viewer: Viewer,
    rows: &[StatusRow],
) -> AppResult<Vec<Status>> {
    let loaded = load(state, viewer, rows).await?;
    Ok(rows
        .iter()
        .filter_map(|r| build(state, viewer, &loaded, r, 0))
        .collect())
}

pub async fn status(state: &AppState, viewer: Viewer, row: &StatusRow) -> AppResult<Status> {
    statuses(state, viewer, std::slice::from_ref(row))
        .await?
        .pop()
        .ok_or_else(crate::error::AppError::not_found)
}

/// Renders notifications with their accounts and statuses (statuses the viewer may no
/// longer see are dropped with their notification).
pub async fn notifications(
    state: &AppState,
    viewer: i64,
    rows: &[NotificationRow],
) -> AppResult<Vec<Notification>> {
    let mut status_ids: Vec<i64> = rows.iter().filter_map(|n| n.status_id).collect();
    status_ids.sort_unstable();
    status_ids.dedup();
    // One query for the statuses; `statuses` drops those the viewer may not see.
    let found = statuses::by_ids(&state.db.pool, &status_ids).await?;
    let rendered = statuses(state, Viewer(Some(viewer)), &found).await?;
    let by_id: HashMap<String, Status> = rendered.into_iter().map(|s| (s.id.clone(), s)).collect();
    let mut from_ids: Vec<i64> = rows.iter().map(|n| n.from_account_id).collect();
    from_ids.sort_unstable();
    from_ids.dedup();
    let accounts: HashMap<i64, Account> = read_cache::accounts(state, &from_ids)
        .await?
        .into_iter()
        .map(|(id, a)| (id, Account::from_row(state, &a, &[])))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for n in rows {
        let Some(account) = accounts.get(&n.from_account_id) else {
            continue;
        };
        let status = match n.status_id {
            Some(id) => match by_id.get(&id.to_string()) {
                Some(s) => Some(s.clone()),
                None => continue,
            },
            None => None,
        };
        let moderation_warning = match n.strike_id {
            Some(strike) => {
                match crate::services::moderation::account_warning(state, strike, account).await? {
                    Some(w) => Some(w),
                    None => continue,
                }
            }
            None => None,
        };
        out.push(Notification {
            id: n.id.to_string(),
            kind: n.kind.clone(),
            group_key: n
                .group_key
                .clone()
                .unwrap_or_else(|| format!("ungrouped-{}", n.id)),
            created_at: time::iso(n.created_at),
            account: account.clone(),
            status,
            report: None,
            moderation_warning,
        });
    }
    Ok(out)
}
