//! `/api/v1/timelines/{home,public,tag/:tag}`, bookmarks and favourites.

use axum::extract::{OriginalUri, Path, Query, State};
use serde::Deserialize;

use crate::entities::Status;
use crate::error::AppResult;
use crate::http::auth::{Auth, MaybeAuth};
use crate::http::body::parse_form;
use crate::http::lenient;
use crate::http::pagination::{link_for, PageParams, Paged};
use crate::services::render::{self, Viewer};
use crate::state::AppState;
use crate::storage::interactions::{self, Mark};
use crate::storage::statuses as store;
use crate::storage::timelines::{self, PublicFilter};

async fn page_of(
    state: &AppState,
    viewer: Viewer,
    uri: &axum::http::Uri,
    page: &crate::http::pagination::Page,
    rows: Vec<store::StatusRow>,
    context: &str,
) -> AppResult<Paged<Status>> {
    let cursors: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let statuses = render::statuses(state, viewer, &rows).await?;
    // The viewer's filters for this context (cursors still page over what was read).
    let statuses = crate::services::filters::apply(state, viewer, context, statuses).await?;
    Ok(Paged(
        statuses,
        link_for(&state.base_url(), uri, page, &cursors),
    ))
}

pub async fn home(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Status>> {
    let me = auth.user(&state, "read:statuses").await?;
    let page = p.page(20, 40);
    let rows = timelines::home(
        &state.db.pool,
        me.account.id,
        &page.cursor(),
        state.clock.now_micros(),
    )
    .await?;
    page_of(
        &state,
        Viewer(Some(me.account.id)),
        &uri,
        &page,
        rows,
        "home",
    )
    .await
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
    let filter = PublicFilter {
        local: p.local.unwrap_or(false),
        remote: p.remote.unwrap_or(false),
        only_media: p.only_media.unwrap_or(false),
    };
    let rows = timelines::public(
        &state.db.pool,
        viewer.unwrap_or(-1),
        filter,
        &page.cursor(),
        state.clock.now_micros(),
    )
    .await?;
    page_of(&state, Viewer(viewer), &uri, &page, rows, "public").await
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
    let mut any = tag_ids(&state, std::slice::from_ref(&tag)).await?;
    if any.is_empty() && lists.any.is_empty() {
        return Ok(Paged(Vec::new(), None));
    }
    any.extend(tag_ids(&state, &lists.any).await?);
    let all = tag_ids(&state, &lists.all).await?;
    if all.len() < lists.all.len() {
        return Ok(Paged(Vec::new(), None)); // an unknown tag in all[] matches nothing
    }
    let none = tag_ids(&state, &lists.none).await?;
    let filter = PublicFilter {
        local: p.local.unwrap_or(false),
        remote: p.remote.unwrap_or(false),
        only_media: p.only_media.unwrap_or(false),
    };
    let rows = timelines::tagged(
        &state.db.pool,
        viewer.unwrap_or(-1),
        &any,
        &all,
        &none,
        filter,
        &page.cursor(),
        state.clock.now_micros(),
    )
    .await?;
    page_of(&state, Viewer(viewer), &uri, &page, rows, "public").await
}

async fn marked(
    state: AppState,
    auth: Auth,
    uri: axum::http::Uri,
    p: PageParams,
    mark: Mark,
    scope: &str,
) -> AppResult<Paged<Status>> {
    let me = auth.user(&state, scope).await?;
    let page = p.page(20, 40);
    let rows = interactions::statuses(&state.db.pool, mark, me.account.id, &page.cursor()).await?;
    let cursors: Vec<i64> = rows.iter().map(|r| r.0).collect();
    // A marked status the viewer can no longer see (unfollowed, blocked) drops out.
    let mut visible = Vec::with_capacity(rows.len());
    for (_, s) in rows {
        if store::visible_by_id(&state.db.pool, s.id, me.account.id)
            .await?
            .is_some()
        {
            visible.push(s);
        }
    }
    let statuses = render::statuses(&state, Viewer(Some(me.account.id)), &visible).await?;
    Ok(Paged(
        statuses,
        link_for(&state.base_url(), &uri, &page, &cursors),
    ))
}

pub async fn bookmarks(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Status>> {
    marked(state, auth, uri, p, Mark::Bookmark, "read:bookmarks").await
}

pub async fn favourites(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Status>> {
    marked(state, auth, uri, p, Mark::Favourite, "read:favourites").await
}
