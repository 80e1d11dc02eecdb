//! `/api/v1/timelines/{home,public,tag/:tag,link}`, bookmarks and favourites.

use axum::extract::{OriginalUri, Path, Query, State};
use serde::Deserialize;

use crate::entities::Status;
use crate::error::AppResult;
use crate::http::auth::{Auth, MaybeAuth};
use crate::http::body::parse_form;
use crate::http::lenient;
use crate::http::pagination::{link_for, PageParams, Paged};
use crate::paging::Page;
use crate::services::timelines::{self, Marked, Scope, Tags, Timeline};
use crate::state::AppState;

fn paged(state: &AppState, uri: &axum::http::Uri, page: &Page, t: Timeline) -> Paged<Status> {
    Paged(
        t.statuses,
        link_for(&state.base_url(), uri, page, &t.cursors),
    )
}

pub async fn home(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Status>> {
    let me = auth.user(&state, "read:statuses").await?;
    let page = p.page(20, 40);
    let t = timelines::home(&state, me.account.id, &page).await?;
    Ok(paged(&state, &uri, &page, t))
}

#[derive(Debug, Deserialize, Default)]
pub struct PublicParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    local: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    remote: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    only_media: Option<bool>,
}

impl PublicParams {
    fn scope(&self) -> Scope {
        Scope {
            local: self.local.unwrap_or(false),
            remote: self.remote.unwrap_or(false),
            only_media: self.only_media.unwrap_or(false),
        }
    }
}

fn viewer_of(auth: &Option<Auth>) -> AppResult<Option<i64>> {
    match auth {
        Some(a) => {
            a.require("read:statuses")?;
            Ok(a.account_id)
        }
        None => Ok(None),
    }
}

pub async fn public(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PublicParams>,
) -> AppResult<Paged<Status>> {
    let viewer = viewer_of(&auth)?;
    let page = p.page.page(20, 40);
    let t = timelines::public(&state, viewer, p.scope(), &page).await?;
    Ok(paged(&state, &uri, &page, t))
}

#[derive(Debug, Deserialize, Default)]
pub struct TagParams {
    #[serde(default, deserialize_with = "lenient::strings")]
    any: Vec<String>,
    #[serde(default, deserialize_with = "lenient::strings")]
    all: Vec<String>,
    #[serde(default, deserialize_with = "lenient::strings")]
    none: Vec<String>,
}

pub async fn tag(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(tag): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PublicParams>,
) -> AppResult<Paged<Status>> {
    let viewer = viewer_of(&auth)?;
    let page = p.page.page(20, 40);
    // any[]/all[]/none[] use brackets, which only the bracket-aware parser reads.
    let lists: TagParams =
        serde_json::from_value(parse_form(uri.query().unwrap_or("").as_bytes())?)
            .unwrap_or_default();
    let tags = Tags {
        tag: &tag,
        any: &lists.any,
        all: &lists.all,
        none: &lists.none,
    };
    let t = timelines::tagged(&state, viewer, tags, p.scope(), &page).await?;
    Ok(paged(&state, &uri, &page, t))
}

#[derive(Debug, Deserialize, Default)]
pub struct LinkParams {
    url: Option<String>,
    #[serde(flatten)]
    feed: PublicParams,
}

/// Posts about a link (Mastodon 4.3); see `services::timelines::linked`.
pub async fn link(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<LinkParams>,
) -> AppResult<Paged<Status>> {
    let viewer = viewer_of(&auth)?;
    let page = p.feed.page.page(20, 40);
    let t = timelines::linked(&state, viewer, p.url.as_deref(), p.feed.scope(), &page).await?;
    Ok(paged(&state, &uri, &page, t))
}

async fn marked(
    state: AppState,
    auth: Auth,
    uri: axum::http::Uri,
    p: PageParams,
    which: Marked,
    scope: &str,
) -> AppResult<Paged<Status>> {
    let me = auth.user(&state, scope).await?;
    let page = p.page(20, 40);
    let t = timelines::marked(&state, me.account.id, which, &page).await?;
    Ok(paged(&state, &uri, &page, t))
}

pub async fn bookmarks(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Status>> {
    marked(state, auth, uri, p, Marked::Bookmarks, "read:bookmarks").await
}

pub async fn favourites(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Status>> {
    marked(state, auth, uri, p, Marked::Favourites, "read:favourites").await
}
