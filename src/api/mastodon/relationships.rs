//! The social graph over the API: follow, block, mute and their lists; relationships;
//! follow requests; an account's statuses; account search.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::Json;
use serde::Deserialize;

use crate::entities::{Account, Relationship, Status};
use crate::error::{AppError, AppResult};
use crate::http::auth::{Auth, MaybeAuth};
use crate::http::body::{parse_form, Payload};
use crate::http::lenient;
use crate::http::pagination::{link_for, PageParams, Paged};
use crate::paging::Page;
use crate::services::search::{self, AccountSearch};
use crate::services::social::{self, AccountPage};
use crate::services::timelines::{self, AccountStatuses};
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct FollowParams {
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    reblogs: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    notify: Option<bool>,
}

pub async fn follow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<FollowParams>,
) -> AppResult<Json<Relationship>> {
    let me = auth.user(&state, "write:follows").await?;
    let target = social::target(&state, &id).await?;
    social::follow(&state, &me, &target, body.data.reblogs, body.data.notify).await?;
    Ok(Json(
        social::relationship(&state, me.account.id, target.id).await?,
    ))
}

macro_rules! relation_action {
    ($name:ident, $scope:literal, $call:path) => {
        pub async fn $name(
            State(state): State<AppState>,
            auth: Auth,
            Path(id): Path<String>,
        ) -> AppResult<Json<Relationship>> {
            let me = auth.user(&state, $scope).await?;
            let target = social::target(&state, &id).await?;
            $call(&state, &me, &target).await?;
            Ok(Json(
                social::relationship(&state, me.account.id, target.id).await?,
            ))
        }
    };
}

relation_action!(unfollow, "write:follows", social::unfollow);
relation_action!(
    remove_from_followers,
    "write:follows",
    social::remove_follower
);
relation_action!(block, "write:blocks", social::block);
relation_action!(unblock, "write:blocks", social::unblock);
relation_action!(unmute, "write:mutes", social::unmute);

#[derive(Debug, Deserialize, Default)]
pub struct MuteParams {
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    notifications: Option<bool>,
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    duration: Option<u64>,
}

pub async fn mute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<MuteParams>,
) -> AppResult<Json<Relationship>> {
    let me = auth.user(&state, "write:mutes").await?;
    let target = social::target(&state, &id).await?;
    social::mute(
        &state,
        &me,
        &target,
        body.data.notifications.unwrap_or(true),
        body.data.duration,
    )
    .await?;
    Ok(Json(
        social::relationship(&state, me.account.id, target.id).await?,
    ))
}

async fn answer(
    state: AppState,
    auth: Auth,
    id: String,
    accept: bool,
) -> AppResult<Json<Relationship>> {
    let me = auth.user(&state, "write:follows").await?;
    let requester = social::target(&state, &id).await?;
    social::answer_request(&state, &me, &requester, accept).await?;
    Ok(Json(
        social::relationship(&state, me.account.id, requester.id).await?,
    ))
}

pub async fn authorize_request(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Relationship>> {
    answer(s, auth, id, true).await
}

pub async fn reject_request(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Relationship>> {
    answer(s, auth, id, false).await
}

/// `GET /api/v1/accounts/relationships?id[]=…`
pub async fn relationships(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
) -> AppResult<Json<Vec<Relationship>>> {
    let me = auth.user(&state, "read:follows").await?;
    #[derive(Deserialize, Default)]
    struct Ids {
        #[serde(default, deserialize_with = "lenient::strings")]
        id: Vec<String>,
    }
    let ids: Ids = serde_json::from_value(parse_form(uri.query().unwrap_or("").as_bytes())?)
        .unwrap_or_default();
    Ok(Json(
        social::relationships(&state, me.account.id, &ids.id).await?,
    ))
}

/// The account lists' page size: 40 by default, at most 80.
fn account_page(p: &PageParams) -> Page {
    p.page(40, 80)
}

fn paged_accounts(
    state: &AppState,
    uri: &axum::http::Uri,
    page: &Page,
    list: AccountPage,
) -> Paged<Account> {
    let link = link_for(&state.base_url(), uri, page, &list.cursors);
    Paged(list.accounts, link)
}

pub async fn followers(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Account>> {
    if let Some(a) = &auth {
        a.require("read:accounts")?;
    }
    let target = social::target(&state, &id).await?;
    let page = account_page(&p);
    let viewer = auth.as_ref().and_then(|a| a.account_id);
    let list = social::followers(&state, viewer, target.id, &page).await?;
    Ok(paged_accounts(&state, &uri, &page, list))
}

pub async fn following(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Account>> {
    if let Some(a) = &auth {
        a.require("read:accounts")?;
    }
    let target = social::target(&state, &id).await?;
    let page = account_page(&p);
    let viewer = auth.as_ref().and_then(|a| a.account_id);
    let list = social::following(&state, viewer, target.id, &page).await?;
    Ok(paged_accounts(&state, &uri, &page, list))
}

pub async fn follow_requests(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Account>> {
    let me = auth.user(&state, "read:follows").await?;
    let page = account_page(&p);
    let list = social::follow_requests(&state, me.account.id, &page).await?;
    Ok(paged_accounts(&state, &uri, &page, list))
}

pub async fn blocks(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Account>> {
    let me = auth.user(&state, "read:blocks").await?;
    let page = account_page(&p);
    let list = social::blocks(&state, me.account.id, &page).await?;
    Ok(paged_accounts(&state, &uri, &page, list))
}

/// `GET /api/v1/mutes`: accounts with `mute_expires_at`.
pub async fn mutes(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<serde_json::Value>> {
    let me = auth.user(&state, "read:mutes").await?;
    let page = account_page(&p);
    let (muted, cursors) = social::mutes(&state, me.account.id, &page).await?;
    let mut out = Vec::with_capacity(muted.len());
    for m in muted {
        let mut v = serde_json::to_value(m.account).map_err(AppError::internal)?;
        v["mute_expires_at"] = serde_json::json!(m.expires_at.map(crate::time::iso));
        out.push(v);
    }
    Ok(Paged(
        out,
        link_for(&state.base_url(), &uri, &page, &cursors),
    ))
}

#[derive(Debug, Deserialize, Default)]
pub struct StatusesParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    only_media: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    exclude_replies: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    exclude_reblogs: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    pinned: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    tagged: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    exclude_direct: Option<bool>,
}

/// `GET /api/v1/accounts/:id/statuses`: what the viewer may see of an account's posts.
pub async fn statuses(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<StatusesParams>,
) -> AppResult<Paged<Status>> {
    let viewer = match &auth {
        Some(a) => {
            a.require("read:statuses")?;
            a.account_id
        }
        None => None,
    };
    let target = social::target(&state, &id).await?;
    let page = p.page.page(20, 40);
    let which = AccountStatuses {
        exclude_replies: p.exclude_replies.unwrap_or(false),
        exclude_reblogs: p.exclude_reblogs.unwrap_or(false),
        pinned: p.pinned.unwrap_or(false),
        only_media: p.only_media.unwrap_or(false),
        tagged: p.tagged,
        exclude_direct: p.exclude_direct.unwrap_or(false),
    };
    let timeline = timelines::account(&state, viewer, target.id, &which, &page).await?;
    Ok(Paged(
        timeline.statuses,
        link_for(&state.base_url(), &uri, &page, &timeline.cursors),
    ))
}

#[derive(Debug, Deserialize, Default)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    limit: Option<u64>,
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    offset: Option<u64>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    following: Option<bool>,
}

/// `GET /api/v1/accounts/search`.
pub async fn search(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<SearchParams>,
) -> AppResult<Json<Vec<Account>>> {
    let me = auth.user(&state, "read:accounts").await?;
    let query = AccountSearch {
        q: p.q,
        limit: p.limit,
        offset: p.offset,
        following: p.following.unwrap_or(false),
    };
    Ok(Json(
        search::accounts_v1(&state, me.account.id, &query).await?,
    ))
}

/// `GET /api/v1/accounts/familiar_followers?id[]=…`
pub async fn familiar_followers(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
) -> AppResult<Json<Vec<serde_json::Value>>> {
    let me = auth.user(&state, "read:follows").await?;
    #[derive(Deserialize, Default)]
    struct Ids {
        #[serde(default, deserialize_with = "lenient::strings")]
        id: Vec<String>,
    }
    let ids: Ids = serde_json::from_value(parse_form(uri.query().unwrap_or("").as_bytes())?)
        .unwrap_or_default();
    let found = social::familiar_followers(&state, me.account.id, &ids.id).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|(id, accounts)| serde_json::json!({ "id": id, "accounts": accounts }))
            .collect(),
    ))
}

#[derive(Debug, Deserialize, Default)]
pub struct DomainParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    domain: Option<String>,
}

impl DomainParams {
    fn domain(&self) -> AppResult<&str> {
        self.domain
            .as_deref()
            .ok_or_else(|| AppError::bad_request("param is missing or the value is empty: domain"))
    }
}

/// `GET /api/v1/domain_blocks`: the member's blocked domains as strings, newest first.
pub async fn domain_blocks(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<String>> {
    let me = auth.user(&state, "read:blocks").await?;
    let page = p.page(100, 200);
    let (domains, cursors) = social::blocked_domains(&state, me.account.id, &page).await?;
    Ok(Paged(
        domains,
        link_for(&state.base_url(), &uri, &page, &cursors),
    ))
}

/// `POST /api/v1/domain_blocks`.
pub async fn block_domain(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<DomainParams>,
) -> AppResult<Json<serde_json::Value>> {
    let me = auth.user(&state, "write:blocks").await?;
    social::block_domain(&state, &me, body.data.domain()?).await?;
    Ok(Json(serde_json::json!({})))
}

/// `DELETE /api/v1/domain_blocks`.
pub async fn unblock_domain(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<DomainParams>,
) -> AppResult<Json<serde_json::Value>> {
    let me = auth.user(&state, "write:blocks").await?;
    social::unblock_domain(&state, &me, body.data.domain()?).await?;
    Ok(Json(serde_json::json!({})))
}
