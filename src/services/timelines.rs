//! Reading timelines: home, public, hashtag, bookmarks and favourites, each rendered for its
//! viewer with the viewer's filters applied (moved here from `api/mastodon/timelines.rs`).

use crate::entities::Status;
use crate::error::AppResult;
use crate::paging::Page;
use crate::services::feed_access::{self, Feed, Reach};
use crate::services::render::{self, Viewer};
use crate::state::AppState;
use crate::storage::interactions::{self, Mark};
use crate::storage::statuses::{self as store, StatusRow};
use crate::storage::timelines::{self, AccountFilter, PublicFilter};

/// One page of a timeline: the statuses shown and the cursor ids of every row read (a
/// filtered or hidden row still moves the page on).
pub struct Timeline {
    pub statuses: Vec<Status>,
    pub cursors: Vec<i64>,
}

impl Timeline {
    fn empty() -> Self {
        Timeline {
            statuses: Vec::new(),
            cursors: Vec::new(),
        }
    }
}

/// Which statuses of the public and hashtag timelines are read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope {
    pub local: bool,
    pub remote: bool,
    pub only_media: bool,
}

impl Scope {
    /// This scope narrowed to what the feed's access setting lets the viewer read, or None
    /// when it lets them read nothing.
    fn within(self, reach: Reach) -> Option<Scope> {
        match reach {
            Reach::Nothing => None,
            Reach::Parts { local, remote } => Some(Scope {
                local,
                remote,
                ..self
            }),
        }
    }

    fn filter(self) -> PublicFilter {
        PublicFilter {
            local: self.local,
            remote: self.remote,
            only_media: self.only_media,
        }
    }
}

/// The viewer's own list of marked statuses.
#[derive(Debug, Clone, Copy)]
pub enum Marked {
    Bookmarks,
    Favourites,
}

async fn page_of(
    state: &AppState,
    viewer: Viewer,
    rows: Vec<StatusRow>,
    context: &str,
) -> AppResult<Timeline> {
    let cursors: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let statuses = render::statuses(state, viewer, &rows).await?;
    // The viewer's filters for this context (cursors still page over what was read).
    let statuses = crate::services::filters::apply(state, viewer, context, statuses).await?;
    Ok(Timeline { statuses, cursors })
}

/// The home timeline of `viewer`.
pub async fn home(state: &AppState, viewer: i64, page: &Page) -> AppResult<Timeline> {
    let rows = timelines::home(&state.db.pool, viewer, page, state.clock.now_micros()).await?;
    page_of(state, Viewer(Some(viewer)), rows, "home").await
}

/// The public timeline, as `viewer` (if signed in) sees it.
pub async fn public(
    state: &AppState,
    viewer: Option<i64>,
    scope: Scope,
    page: &Page,
) -> AppResult<Timeline> {
    let reach = feed_access::reach(state, Feed::Live, viewer, scope.local, scope.remote).await?;
    let Some(scope) = scope.within(reach) else {
        return Ok(Timeline::empty());
    };
    let rows = timelines::public(
        &state.db.pool,
        viewer.unwrap_or(-1),
        scope.filter(),
        page,
        state.clock.now_micros(),
    )
    .await?;
    page_of(state, Viewer(viewer), rows, "public").await
}

async fn tag_ids(state: &AppState, names: &[String]) -> AppResult<Vec<i64>> {
    let mut ids = Vec::new();
    for n in names {
        if let Some((id, _)) = store::tag_by_name(&state.db.pool, n.trim_start_matches('#')).await?
        {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Which hashtags a hashtag timeline asks for (`any[]`, `all[]`, `none[]`).
#[derive(Debug, Clone, Copy)]
pub struct Tags<'a> {
    pub tag: &'a str,
    pub any: &'a [String],
    pub all: &'a [String],
    pub none: &'a [String],
}

/// The hashtag timeline of `tags.tag` (or any of `tags.any`), with every tag of `tags.all`
/// and none of `tags.none`.
pub async fn tagged(
    state: &AppState,
    viewer: Option<i64>,
    tags: Tags<'_>,
    scope: Scope,
    page: &Page,
) -> AppResult<Timeline> {
    let reach = feed_access::reach(state, Feed::Hashtag, viewer, scope.local, scope.remote).await?;
    let Some(scope) = scope.within(reach) else {
        return Ok(Timeline::empty());
    };
    let mut any = tag_ids(state, &[tags.tag.to_string()]).await?;
    if any.is_empty() && tags.any.is_empty() {
        return Ok(Timeline::empty());
    }
    any.extend(tag_ids(state, tags.any).await?);
    let all = tag_ids(state, tags.all).await?;
    if all.len() < tags.all.len() {
        return Ok(Timeline::empty()); // an unknown tag in all[] matches nothing
    }
    let none = tag_ids(state, tags.none).await?;
    let rows = timelines::tagged(
        &state.db.pool,
        viewer.unwrap_or(-1),
        &any,
        &all,
        &none,
        scope.filter(),
        page,
        state.clock.now_micros(),
    )
    .await?;
    page_of(state, Viewer(viewer), rows, "public").await
}

/// The link timeline (`GET /api/v1/timelines/link?url=`): public posts whose preview card is
/// `url`. Herd has no trending links, so any link it holds a ready card for stands in for a
/// trending one; an unknown link is "Record not found" (404) as Mastodon answers for a link
/// that is not trending. The `trending_link_feeds` access levels are checked first (401
/// before 404, as Mastodon authorises before looking the card up).
pub async fn linked(
    state: &AppState,
    viewer: Option<i64>,
    url: Option<&str>,
    scope: Scope,
    page: &Page,
) -> AppResult<Timeline> {
    let reach =
        feed_access::reach(state, Feed::TrendingLink, viewer, scope.local, scope.remote).await?;
    let url = url.map(str::trim).filter(|u| !u.is_empty());
    let card = match url {
        Some(u) => crate::storage::cards::by_url(&state.db.pool, u).await?,
        None => None,
    };
    let Some(card) = card.filter(|c| c.state == "ready") else {
        return Err(crate::error::AppError::not_found());
    };
    let Some(scope) = scope.within(reach) else {
        return Ok(Timeline::empty());
    };
    let rows = timelines::linked(
        &state.db.pool,
        viewer.unwrap_or(-1),
        card.id,
        scope.filter(),
        page,
        state.clock.now_micros(),
    )
    .await?;
    page_of(state, Viewer(viewer), rows, "public").await
}

/// The viewer's bookmarks or favourites, newest mark first.
pub async fn marked(
    state: &AppState,
    viewer: i64,
    which: Marked,
    page: &Page,
) -> AppResult<Timeline> {
    let mark = match which {
        Marked::Bookmarks => Mark::Bookmark,
        Marked::Favourites => Mark::Favourite,
    };
    let rows = interactions::statuses(&state.db.pool, mark, viewer, page).await?;
    let cursors: Vec<i64> = rows.iter().map(|r| r.0).collect();
    // A marked status the viewer can no longer see (unfollowed, blocked) drops out.
    let mut visible = Vec::with_capacity(rows.len());
    for (_, s) in rows {
        if store::visible_by_id(&state.db.pool, s.id, viewer)
            .await?
            .is_some()
        {
            visible.push(s);
        }
    }
    let statuses = render::statuses(state, Viewer(Some(viewer)), &visible).await?;
    Ok(Timeline { statuses, cursors })
}

/// Which of an account's statuses are read (`GET /api/v1/accounts/:id/statuses`).
#[derive(Debug, Clone, Default)]
pub struct AccountStatuses {
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    pub pinned: bool,
    pub only_media: bool,
    /// A hashtag (with or without `#`) every status must carry.
    pub tagged: Option<String>,
    /// Leave out direct messages (4.4's `exclude_direct`; one's own profile shows them).
    pub exclude_direct: bool,
}

/// What `viewer` may see of `account`'s statuses (moved here from
/// `api/mastodon/relationships.rs`: the profile page reads the same). One's own profile is
/// never filtered.
pub async fn account(
    state: &AppState,
    viewer: Option<i64>,
    account: i64,
    which: &AccountStatuses,
    page: &Page,
) -> AppResult<Timeline> {
    let tagged = match which.tagged.as_deref() {
        Some(t) => match store::tag_by_name(&state.db.pool, t.trim_start_matches('#')).await? {
            Some((id, _)) => Some(id),
            None => return Ok(Timeline::empty()),
        },
        None => None,
    };
    let filter = AccountFilter {
        exclude_replies: which.exclude_replies,
        exclude_reblogs: which.exclude_reblogs,
        pinned: which.pinned,
        tagged,
        only_media: which.only_media,
        exclude_direct: which.exclude_direct,
    };
    let rows =
        timelines::account(&state.db.pool, account, viewer.unwrap_or(-1), filter, page).await?;
    if viewer == Some(account) {
        let cursors: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let statuses = render::statuses(state, Viewer(viewer), &rows).await?;
        return Ok(Timeline { statuses, cursors });
    }
    page_of(state, Viewer(viewer), rows, "account").await
}
