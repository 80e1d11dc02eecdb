//! `GET /api/v2/search`: accounts (prefix of username or display name, `user@ourdomain`, or a
//! known `user@remote`), hashtags (prefix) and statuses (full text, only what the caller may
//! see). With `resolve=true` and a signed-in caller (as Mastodon), `user@host` is resolved
//! through WebFinger and a URL is fetched as a status (or else an actor) through the federation
//! resolver (SSRF guard, origin checks, domain blocks); a failure just finds nothing.

use crate::entities::{Account, SearchResults, Tag};
use crate::error::{AppError, AppResult};
use crate::services::render::{self, tag_url, Viewer};
use crate::state::AppState;
use crate::storage::social::{self, Relation};
use crate::storage::{accounts, search};

#[derive(Debug, Clone, Default)]
pub struct Query {
    pub q: String,
    pub kind: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    pub following: bool,
    pub account_id: Option<String>,
    pub resolve: bool,
}

pub async fn search(state: &AppState, viewer: Option<i64>, q: Query) -> AppResult<SearchResults> {
    let kind = q.kind.as_deref().filter(|k| !k.is_empty());
    if let Some(k) = kind {
        if !matches!(k, "accounts" | "hashtags" | "statuses") {
            return Err(AppError::bad_request(
                "type must be one of accounts, hashtags, statuses",
            ));
        }
    }
    if viewer.is_none() && q.offset.is_some_and(|o| o > 0) {
        return Err(AppError::unauthorized(
            "Search queries pagination is not supported without authentication",
        ));
    }
    let limit = q.limit.unwrap_or(20).clamp(1, 40) as i64;
    let offset = q.offset.unwrap_or(0).min(10_000) as i64;
    let text = q.q.trim();
    let mut out = SearchResults {
        accounts: Vec::new(),
        statuses: Vec::new(),
        hashtags: Vec::new(),
    };
    if text.is_empty() {
        return Ok(out);
    }
    let wants = |k: &str| kind.is_none_or(|x| x == k);
    let db = &state.db.pool;
    if q.resolve && viewer.is_some() && is_url(text) {
        if let Some(a) = resolve_url(state, text, wants("statuses"), wants("accounts")).await? {
            match a {
                Resolved::Status(id) => {
                    if let Some(v) = viewer {
                        if let Some(row) =
                            crate::storage::statuses::visible_by_id(db, id, v).await?
                        {
                            let found = render::statuses(state, Viewer(Some(v)), &[row]).await?;
                            out.statuses = crate::services::filters::annotate(
                                state,
                                Viewer(Some(v)),
                                "public",
                                found,
                            )
                            .await?;
                            return Ok(out);
                        }
                    }
                }
                Resolved::Account(a) => {
                    out.accounts.push(Account::from_row(state, &a, &[]));
                    return Ok(out);
                }
            }
        }
    }
    if wants("accounts") {
        let handle = text.trim_start_matches('@');
        let (name, domain) = match handle.rsplit_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (handle, None),
        };
        let ours = domain.is_none_or(|d| d.eq_ignore_ascii_case(&state.config.domain));
        if let (Some(d), false, false) = (domain, ours, name.is_empty()) {
            let found = if q.resolve && viewer.is_some() {
                crate::services::federation::resolve_acct(state, name, d)
                    .await
                    .ok()
            } else {
                crate::storage::federation::remote_account_by_acct(db, name, d).await?
            };
            if let Some(a) = found.filter(|a| a.suspended_at.is_none()) {
                out.accounts.push(Account::from_row(state, &a, &[]));
            }
        }
        if !name.is_empty() && ours {
            let rows = accounts::search(db, viewer.unwrap_or(-1), name, limit, offset).await?;
            let mut kept: Vec<Account> = Vec::with_capacity(rows.len());
            for a in &rows {
                if q.following {
                    let Some(v) = viewer else { continue };
                    if !social::exists(db, Relation::Follow, v, a.id).await? {
                        continue;
                    }
                }
                kept.push(Account::from_row(state, a, &[]));
            }
            out.accounts = kept;
        }
    }
    if wants("hashtags") {
        let prefix = text.trim_start_matches('#');
        if !prefix.is_empty() {
            out.hashtags = search::tags(db, prefix, limit, offset)
                .await?
                .into_iter()
                .map(|(id, name)| Tag {
                    id: id.to_string(),
                    url: tag_url(state, &name),
                    name: name.to_lowercase(),
                    history: Vec::new(),
                    following: viewer.map(|_| false),
                })
                .collect();
        }
    }
    if let (true, Some(v)) = (wants("statuses"), viewer) {
        let author = match q.account_id.as_deref().filter(|a| !a.is_empty()) {
            Some(a) => Some(a.parse::<i64>().map_err(|_| AppError::not_found())?),
            None => None,
        };
        let rows = search::statuses(db, state.db.backend(), v, text, author, limit, offset).await?;
        let found = render::statuses(state, Viewer(Some(v)), &rows).await?;
        // Filters v2 mark (never drop) what a search finds, as for the public timelines.
        out.statuses =
            crate::services::filters::annotate(state, Viewer(Some(v)), "public", found).await?;
    }
    Ok(out)
}

fn is_url(text: &str) -> bool {
    (text.starts_with("https://") || text.starts_with("http://"))
        && !text.contains(char::is_whitespace)
}

enum Resolved {
    Status(i64),
    Account(Box<crate::storage::accounts::AccountRow>),
}

/// A URL as a known status, a fetched status (public or unlisted), or an actor.
async fn resolve_url(
    state: &AppState,
    url: &str,
    statuses: bool,
    accounts: bool,
) -> AppResult<Option<Resolved>> {
    use crate::storage::federation as fed_store;
    if statuses {
        if let Some(id) = fed_store::status_id_by_uri(&state.db.pool, url).await? {
            return Ok(Some(Resolved::Status(id)));
        }
        if let Some(id) = crate::services::inbox::remote_status(state, url).await? {
            return Ok(Some(Resolved::Status(id)));
        }
    }
    if !accounts {
        return Ok(None);
    }
    if let Some(a) = fed_store::account_by_uri(&state.db.pool, url).await? {
        return Ok((a.suspended_at.is_none()).then(|| Resolved::Account(Box::new(a))));
    }
    if crate::federation::is_local(state, url) {
        return Ok(None);
    }
    Ok(crate::services::federation::actor_by_uri(state, url)
        .await
        .ok()
        .filter(|a| a.suspended_at.is_none())
        .map(|a| Resolved::Account(Box::new(a))))
}

/// `GET /api/v1/accounts/search`: local accounts by username or display-name prefix.
#[derive(Debug, Clone, Default)]
pub struct AccountSearch {
    pub q: String,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    /// Only accounts the viewer follows.
    pub following: bool,
}

/// The local accounts matching `s.q` (`name` or `name@ourdomain`) for `viewer`; a handle on
/// another server finds nothing here (moved here from `api/mastodon/relationships.rs`).
pub async fn accounts_v1(
    state: &AppState,
    viewer: i64,
    s: &AccountSearch,
) -> AppResult<Vec<Account>> {
    let q = s.q.trim().trim_start_matches('@');
    let (name, domain) = match q.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (q, None),
    };
    if name.is_empty() || domain.is_some_and(|d| !d.eq_ignore_ascii_case(&state.config.domain)) {
        return Ok(Vec::new());
    }
    let db = &state.db.pool;
    let limit = s.limit.unwrap_or(40).clamp(1, 80) as i64;
    let offset = s.offset.unwrap_or(0).min(10_000) as i64;
    let mut rows = accounts::search(db, viewer, name, limit, offset).await?;
    if s.following {
        let mut kept = Vec::new();
        for a in rows {
            if social::exists(db, Relation::Follow, viewer, a.id).await? {
                kept.push(a);
            }
        }
        rows = kept;
    }
    Ok(rows
        .iter()
        .map(|a| Account::from_row(state, a, &[]))
        .collect())
}
