//! `/api/v1/lists`, their accounts, `/api/v1/accounts/:id/lists` and `/api/v1/timelines/list/:id`.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::entities::{Account, List, Status};
use crate::error::AppResult;
use crate::http::auth::Auth;
use crate::http::body::Payload;
use crate::http::lenient;
use crate::http::pagination::{link_for, PageParams, Paged};
use crate::services::lists::{self, ListInput};
use crate::services::render::{self, Viewer};
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct ListParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    title: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    replies_policy: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    exclusive: Option<bool>,
}

impl From<ListParams> for ListInput {
    fn from(p: ListParams) -> ListInput {
        ListInput {
            title: p.title,
            replies_policy: p.replies_policy,
            exclusive: p.exclusive,
        }
    }
}

pub async fn index(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<List>>> {
    let me = auth.user(&state, "read:lists").await?;
    let rows = lists::all(&state, &me).await?;
    Ok(Json(rows.iter().map(List::from_row).collect()))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<ListParams>,
) -> AppResult<Json<List>> {
    let me = auth.user(&state, "write:lists").await?;
    let row = lists::create(&state, &me, body.data.into()).await?;
    Ok(Json(List::from_row(&row)))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<List>> {
    let me = auth.user(&state, "read:lists").await?;
    Ok(Json(List::from_row(&lists::get(&state, &me, &id).await?)))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<ListParams>,
) -> AppResult<Json<List>> {
    let me = auth.user(&state, "write:lists").await?;
    let row = lists::update(&state, &me, &id, body.data.into()).await?;
    Ok(Json(List::from_row(&row)))
}

pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:lists").await?;
    lists::delete(&state, &me, &id).await?;
    Ok(Json(json!({})))
}

/// `GET /api/v1/lists/:id/accounts` (`limit=0` for all of them).
pub async fn accounts(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Account>> {
    let me = auth.user(&state, "read:lists").await?;
    let all = p.limit == Some(0);
    let mut page = p.page(40, 80);
    if all {
        page.limit = 0;
    }
    let rows = lists::members(&state, &me, &id, &page).await?;
    let cursors: Vec<i64> = rows.iter().map(|a| a.id).collect();
    let link = if all {
        None
    } else {
        link_for(&state.base_url(), &uri, &page, &cursors)
    };
    Ok(Paged(
        rows.iter()
            .map(|a| Account::from_row(&state, a, &[]))
            .collect(),
        link,
    ))
}

#[derive(Debug, Deserialize, Default)]
pub struct AccountIds {
    #[serde(default, deserialize_with = "lenient::strings")]
    account_ids: Vec<String>,
}

pub async fn add_accounts(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<AccountIds>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:lists").await?;
    lists::add(&state, &me, &id, &body.data.account_ids).await?;
    Ok(Json(json!({})))
}

pub async fn remove_accounts(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<AccountIds>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:lists").await?;
    lists::remove(&state, &me, &id, &body.data.account_ids).await?;
    Ok(Json(json!({})))
}

/// `GET /api/v1/accounts/:id/lists`
pub async fn of_account(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<List>>> {
    let me = auth.user(&state, "read:lists").await?;
    let rows = lists::holding(&state, &me, &id).await?;
    Ok(Json(rows.iter().map(List::from_row).collect()))
}

/// `GET /api/v1/timelines/list/:id`
pub async fn timeline(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Status>> {
    let me = auth.user(&state, "read:lists").await?;
    let page = p.page(20, 40);
    let rows = lists::timeline(&state, &me, &id, &page).await?;
    let cursors: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let statuses = render::statuses(&state, Viewer(Some(me.account.id)), &rows).await?;
    let statuses =
        crate::services::filters::apply(&state, Viewer(Some(me.account.id)), "home", statuses)
            .await?;
    Ok(Paged(
        statuses,
        link_for(&state.base_url(), &uri, &page, &cursors),
    ))
}
