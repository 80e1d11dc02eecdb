//! `/api/v1/coop/moderation/…`: the affected account's strikes and appeals, the moderators'
//! appeal queue and decisions, and the moderation log members read.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;

use super::body::Body;
use super::{paging_headers, parse_id};
use crate::entities::coop::{Appeal, AppealDetail, ModerationAction, Strike};
use crate::error::AppResult;
use crate::http::auth::{Auth, MaybeAuth};
use crate::http::lenient;
use crate::http::pagination::PageParams;
use crate::services::moderation as svc;
use crate::state::AppState;

/// `GET moderation/strikes`: the caller's own strikes, readable while suspended.
pub async fn strikes(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<Strike>>)> {
    let me = auth.user_even_if_disabled(&state, "read").await?;
    let page = q.page(20, 40);
    let (list, cursors) = svc::my_strikes(&state, me.account.id, &page).await?;
    Ok((paging_headers(&state, &uri, &page, &cursors), Json(list)))
}

#[derive(Debug, Deserialize)]
pub struct AppealParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    text: Option<String>,
}

/// `POST moderation/strikes/:id/appeal {text}`.
pub async fn appeal(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Body { data, .. }: Body<AppealParams>,
) -> AppResult<Json<Appeal>> {
    let me = auth.user_even_if_disabled(&state, "write").await?;
    Ok(Json(
        svc::appeal(
            &state,
            me.account.id,
            parse_id(&id)?,
            data.text.as_deref().unwrap_or(""),
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct AppealQuery {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    state: Option<String>,
}

/// `GET moderation/appeals?state=pending`: moderators.
pub async fn appeals(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<AppealQuery>,
) -> AppResult<(HeaderMap, Json<Vec<AppealDetail>>)> {
    let me = auth.user(&state, "read").await?;
    let page = q.page.page(20, 40);
    let (list, cursors) = svc::appeals(&state, me.account.id, q.state.as_deref(), &page).await?;
    Ok((paging_headers(&state, &uri, &page, &cursors), Json(list)))
}

#[derive(Debug, Deserialize)]
pub struct DecisionParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    reason: Option<String>,
}

async fn decide(
    state: AppState,
    auth: Auth,
    id: String,
    approve: bool,
    data: DecisionParams,
) -> AppResult<Json<AppealDetail>> {
    let me = auth.user(&state, "write").await?;
    Ok(Json(
        svc::decide_appeal(
            &state,
            me.account.id,
            parse_id(&id)?,
            approve,
            data.reason.as_deref().unwrap_or(""),
        )
        .await?,
    ))
}

pub async fn approve(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Body { data, .. }: Body<DecisionParams>,
) -> AppResult<Json<AppealDetail>> {
    decide(state, auth, id, true, data).await
}

pub async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Body { data, .. }: Body<DecisionParams>,
) -> AppResult<Json<AppealDetail>> {
    decide(state, auth, id, false, data).await
}

/// `GET moderation/log`: members (active or lapsed) and moderators, or anyone when the
/// moderation policy makes the log public.
pub async fn log(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<ModerationAction>>)> {
    // A user's token is checked as everywhere (disabled logins refused); an app's token reads
    // as anonymous.
    let viewer = match &auth {
        Some(a) if a.account_id.is_some() => Some(a.user(&state, "read").await?.account.id),
        Some(a) => {
            a.require("read")?;
            None
        }
        None => None,
    };
    let page = q.page(40, 80);
    let (list, cursors) = svc::log(&state, viewer, &page).await?;
    Ok((paging_headers(&state, &uri, &page, &cursors), Json(list)))
}
