//! Who may read the public, hashtag and link feeds: the operator's `timelines_access` settings
//! (Mastodon 4.5's `configuration.timelines_access`), applied the way Mastodon's public feed
//! applies them, to the REST timelines, the pages that show them and the streams alike.
//!
//! Each feed has a level for local posts and one for remote posts: `public` (anyone),
//! `authenticated` (signed-in users) or `disabled` (moderators and admins only). A request
//! for a part whose level is not `public` needs a signed-in user (401 otherwise, as Mastodon
//! requires a user there); a signed-in reader who may not read one part gets the other part
//! only, and nothing when neither is open to them.

use crate::config::{FeedAccess, FeedAccessPair};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Which feed is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// The public timelines and their streams (`live_feeds`).
    Live,
    /// Hashtag timelines and their streams (`hashtag_feeds`).
    Hashtag,
    /// The timeline of posts about a link (`trending_link_feeds`; it has no stream).
    TrendingLink,
}

/// What a reader gets of a feed they asked for with these `local` / `remote` flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Nothing: neither part is open to them.
    Nothing,
    /// The posts of the parts given (`local` only, `remote` only, or both when neither).
    Parts { local: bool, remote: bool },
}

fn levels(state: &AppState, feed: Feed) -> FeedAccessPair {
    // What an admin set on /admin, over the config's defaults.
    let t = crate::services::instance_settings::current(state).timelines_access;
    match feed {
        Feed::Live => t.live_feeds,
        Feed::Hashtag => t.hashtag_feeds,
        Feed::TrendingLink => t.trending_link_feeds,
    }
}

/// Whether `viewer` may read a part at `level` (`staff` is asked only when it matters).
async fn may(state: &AppState, level: FeedAccess, viewer: Option<i64>) -> AppResult<bool> {
    Ok(match (level, viewer) {
        (FeedAccess::Public, _) => true,
        (FeedAccess::Authenticated, v) => v.is_some(),
        (FeedAccess::Disabled, None) => false,
        (FeedAccess::Disabled, Some(id)) => {
            crate::services::moderation::require_moderator(state, id)
                .await
                .is_ok()
        }
    })
}

/// What `viewer` may read of `feed` when asking for `local` / `remote` posts; 401 when the
/// parts asked for need a signed-in user and there is none.
pub async fn reach(
    state: &AppState,
    feed: Feed,
    viewer: Option<i64>,
    local: bool,
    remote: bool,
) -> AppResult<Reach> {
    let l = levels(state, feed);
    let needs_user = if local && !remote {
        l.local != FeedAccess::Public
    } else if remote && !local {
        l.remote != FeedAccess::Public
    } else {
        l.local != FeedAccess::Public || l.remote != FeedAccess::Public
    };
    if needs_user && viewer.is_none() {
        return Err(AppError::unauthorized(
            "This method requires an authenticated user",
        ));
    }
    let local_only = (local && !remote) || !may(state, l.remote, viewer).await?;
    let remote_only = (remote && !local) || !may(state, l.local, viewer).await?;
    Ok(match (local_only, remote_only) {
        (true, true) => Reach::Nothing,
        (true, false) => Reach::Parts {
            local: true,
            remote: false,
        },
        (false, true) => Reach::Parts {
            local: false,
            remote: true,
        },
        (false, false) => Reach::Parts {
            local: false,
            remote: false,
        },
    })
}

/// Whether a stream of `feed` for `local` / `remote` posts may be subscribed by `viewer`
/// (a stream is all or nothing: it must be readable whole).
pub async fn may_stream(
    state: &AppState,
    feed: Feed,
    viewer: Option<i64>,
    local: bool,
    remote: bool,
) -> AppResult<bool> {
    let l = levels(state, feed);
    // `public` carries both parts, `public:local` the local one, `public:remote` the other.
    let needs_local = local || !remote;
    let needs_remote = remote || !local;
    let local_ok = !needs_local || may(state, l.local, viewer).await?;
    let remote_ok = !needs_remote || may(state, l.remote, viewer).await?;
    Ok(local_ok && remote_ok)
}

/// Refuses a public or hashtag stream `viewer` may not read whole (other streams pass).
pub async fn check_stream(
    state: &AppState,
    stream: &crate::services::streaming::Stream,
    viewer: Option<i64>,
) -> AppResult<()> {
    use crate::services::streaming::Stream;
    let (feed, local, remote) = match stream {
        Stream::Public => (Feed::Live, false, false),
        Stream::PublicLocal => (Feed::Live, true, false),
        Stream::PublicRemote => (Feed::Live, false, true),
        Stream::Media(name) => (
            Feed::Live,
            name.contains(":local"),
            name.contains(":remote"),
        ),
        Stream::Hashtag(_) => (Feed::Hashtag, false, false),
        Stream::HashtagLocal(_) => (Feed::Hashtag, true, false),
        _ => return Ok(()),
    };
    if may_stream(state, feed, viewer, local, remote).await? {
        Ok(())
    } else {
        Err(AppError::forbidden("This stream is not available"))
    }
}
