//! `/api/v1/statuses`: post, read, delete, edit, context, and the interactions.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use crate::entities::{Account, Context, Status, StatusEdit, StatusSource};
use crate::error::{AppError, AppResult};
use crate::http::auth::{Auth, MaybeAuth};
use crate::http::body::Payload;
use crate::http::lenient;
use crate::http::pagination::{link_for, PageParams, Paged};
use crate::services::render::{self, Viewer};
use crate::services::statuses::{self, Edit, Interaction, NewStatus, Posted};
use crate::services::{polls, scheduled};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct CreateStatus {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    status: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    spoiler_text: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    visibility: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    local_only: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    in_reply_to_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    language: Option<String>,
    #[serde(default, deserialize_with = "lenient::strings")]
    media_ids: Vec<String>,
    #[serde(default)]
    poll: Option<Value>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    scheduled_at: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    quoted_status_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    quote_approval_policy: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Payload<CreateStatus>,
) -> AppResult<Response> {
    let me = auth.user(&state, "write:statuses").await?;
    let p = body.data;
    let poll = poll_of(&p.poll)?;
    let posted = statuses::post(
        &state,
        &me,
        auth.app_id,
        NewStatus {
            text: p.status.unwrap_or_default(),
            spoiler_text: p.spoiler_text.unwrap_or_default(),
            sensitive: p.sensitive.unwrap_or(false),
            visibility: p.visibility,
            local_only: p.local_only.unwrap_or(false),
            in_reply_to_id: p.in_reply_to_id,
            language: p.language,
            idempotency_key: headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .map(String::from),
            media_ids: p.media_ids.into_iter().filter(|m| !m.is_empty()).collect(),
            poll,
            scheduled_at: p.scheduled_at.filter(|s| !s.is_empty()),
            quoted_status_id: p.quoted_status_id,
            quote_approval_policy: p.quote_approval_policy,
            scheduled_status_id: None,
        },
    )
    .await?;
    Ok(match posted {
        Posted::Status(row) => {
            Json(render::status(&state, Viewer(Some(me.account.id)), &row).await?).into_response()
        }
        Posted::Scheduled(row) => {
            let entity = scheduled::entities(&state, std::slice::from_ref(&row))
                .await?
                .pop()
                .ok_or_else(AppError::not_found)?;
            Json(entity).into_response()
        }
    })
}

/// The `poll` object of a request, when there is one.
fn poll_of(v: &Option<Value>) -> AppResult<Option<polls::NewPoll>> {
    match v {
        Some(v) if v.is_object() => Ok(Some(polls::parse(v)?)),
        _ => Ok(None),
    }
}

fn viewer_of(auth: &Option<Auth>, scope: &str) -> AppResult<Option<i64>> {
    match auth {
        Some(a) => {
            a.require(scope)?;
            Ok(a.account_id)
        }
        None => Ok(None),
    }
}

/// `GET /api/v1/statuses?id[]=…` (4.3): those of the statuses the viewer may see, in the
/// order asked, at most [`MANY_IDS`]; the others are left out, as Mastodon does.
pub async fn several(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    OriginalUri(uri): OriginalUri,
) -> AppResult<Json<Vec<Status>>> {
    let viewer = viewer_of(&auth, "read:statuses")?;
    let ids = lenient::ids_in_query(&uri, MANY_IDS)?;
    let rows = statuses::visible_many(&state, &ids, viewer).await?;
    let rendered = render::statuses(&state, Viewer(viewer), &rows).await?;
    Ok(Json(
        crate::services::filters::annotate(&state, Viewer(viewer), "thread", rendered).await?,
    ))
}

/// How many ids one `?id[]=` request may name (Mastodon's default page size of accounts).
pub const MANY_IDS: usize = 40;

pub async fn get(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    let viewer = viewer_of(&auth, "read:statuses")?;
    let row = statuses::visible(&state, &id, viewer).await?;
    let status = render::status(&state, Viewer(viewer), &row).await?;
    // Filters v2: a status opened by id is shown in its thread (Mastodon's `thread` context).
    let mut annotated =
        crate::services::filters::annotate(&state, Viewer(viewer), "thread", vec![status]).await?;
    annotated.pop().map(Json).ok_or_else(AppError::not_found)
}

pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    let me = auth.user(&state, "write:statuses").await?;
    Ok(Json(statuses::delete(&state, &me, &id).await?))
}

#[derive(Debug, Deserialize)]
pub struct EditStatus {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    status: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    spoiler_text: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    language: Option<String>,
    #[serde(default)]
    media_ids: Option<Value>,
    #[serde(default)]
    poll: Option<Value>,
    #[serde(default)]
    media_attributes: Option<Value>,
}

/// `media_attributes[]` as JSON (an array of objects) or a form (`media_attributes[][id]=…`,
/// or indexed `media_attributes[0][id]=…`): `id`, `description`, `focus` ("x,y").
fn media_attributes(v: Option<Value>) -> AppResult<Vec<crate::services::media::MediaAttributes>> {
    let bad = || {
        AppError::unprocessable(
            "Validation failed: media_attributes must be a list of {id, description, focus}",
        )
    };
    let items: Vec<Value> = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(Value::Object(o)) => o.into_iter().map(|(_, v)| v).collect(),
        Some(_) => return Err(bad()),
    };
    let text = |v: &Value| -> AppResult<Option<String>> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            Value::Number(n) => Ok(Some(n.to_string())),
            _ => Err(bad()),
        }
    };
    items
        .iter()
        .map(|item| {
            let o = item.as_object().ok_or_else(bad)?;
            let id = o
                .get("id")
                .map(text)
                .transpose()?
                .flatten()
                .ok_or_else(bad)?;
            Ok(crate::services::media::MediaAttributes {
                id,
                description: o.get("description").map(text).transpose()?.flatten(),
                focus: o.get("focus").map(text).transpose()?.flatten(),
            })
        })
        .collect()
}

pub async fn edit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<EditStatus>,
) -> AppResult<Json<Status>> {
    let me = auth.user(&state, "write:statuses").await?;
    let p = body.data;
    let row = statuses::edit(
        &state,
        &me,
        &id,
        Edit {
            text: p.status,
            spoiler_text: p.spoiler_text,
            sensitive: p.sensitive,
            language: p.language,
            media_ids: match p.media_ids {
                Some(v) => Some(
                    lenient::strings(v)
                        .map_err(|e| AppError::unprocessable(format!("Validation failed: {e}")))?
                        .into_iter()
                        .filter(|m| !m.is_empty())
                        .collect(),
                ),
                None => None,
            },
            poll: poll_of(&p.poll)?,
            media_attributes: media_attributes(p.media_attributes)?,
        },
    )
    .await?;
    Ok(Json(
        render::status(&state, Viewer(Some(me.account.id)), &row).await?,
    ))
}

pub async fn history(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<StatusEdit>>> {
    let viewer = viewer_of(&auth, "read:statuses")?;
    Ok(Json(statuses::history(&state, viewer, &id).await?))
}

pub async fn source(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<StatusSource>> {
    let me = auth.user(&state, "read:statuses").await?;
    let row = statuses::visible(&state, &id, Some(me.account.id)).await?;
    if row.account_id != me.account.id {
        return Err(AppError::not_found());
    }
    Ok(Json(StatusSource {
        id: row.id.to_string(),
        text: row.text,
        spoiler_text: row.spoiler_text,
    }))
}

pub async fn context(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(id): Path<String>,
) -> AppResult<Json<Context>> {
    let viewer = viewer_of(&auth, "read:statuses")?;
    let (ancestors, descendants) = statuses::context(&state, viewer, &id).await?;
    let active = match viewer {
        Some(v) => crate::services::filters::Active::load(&state, v).await?,
        None => Default::default(),
    };
    Ok(Json(Context {
        ancestors: active.apply(
            "thread",
            render::statuses(&state, Viewer(viewer), &ancestors).await?,
        ),
        descendants: active.apply(
            "thread",
            render::statuses(&state, Viewer(viewer), &descendants).await?,
        ),
    }))
}

#[derive(Debug, Deserialize, Default)]
pub struct ReblogParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    visibility: Option<String>,
}

pub async fn reblog(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<ReblogParams>,
) -> AppResult<Json<Status>> {
    let me = auth.user(&state, "write:statuses").await?;
    let row = statuses::reblog(&state, &me, &id, body.data.visibility.as_deref()).await?;
    Ok(Json(
        render::status(&state, Viewer(Some(me.account.id)), &row).await?,
    ))
}

pub async fn unreblog(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    let me = auth.user(&state, "write:statuses").await?;
    let row = statuses::unreblog(&state, &me, &id).await?;
    Ok(Json(
        render::status(&state, Viewer(Some(me.account.id)), &row).await?,
    ))
}

async fn marked(
    state: AppState,
    auth: Auth,
    id: String,
    which: Interaction,
    on: bool,
    scope: &str,
) -> AppResult<Json<Status>> {
    let me = auth.user(&state, scope).await?;
    let row = statuses::interact(&state, &me, &id, which, on).await?;
    Ok(Json(
        render::status(&state, Viewer(Some(me.account.id)), &row).await?,
    ))
}

pub async fn favourite(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    marked(
        s,
        auth,
        id,
        Interaction::Favourite,
        true,
        "write:favourites",
    )
    .await
}
pub async fn unfavourite(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    marked(
        s,
        auth,
        id,
        Interaction::Favourite,
        false,
        "write:favourites",
    )
    .await
}
pub async fn bookmark(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    marked(s, auth, id, Interaction::Bookmark, true, "write:bookmarks").await
}
pub async fn unbookmark(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    marked(s, auth, id, Interaction::Bookmark, false, "write:bookmarks").await
}
pub async fn pin(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    marked(s, auth, id, Interaction::Pin, true, "write:accounts").await
}
pub async fn unpin(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    marked(s, auth, id, Interaction::Pin, false, "write:accounts").await
}

pub async fn mute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    let me = auth.user(&state, "write:mutes").await?;
    let row = statuses::mute_thread(&state, &me, &id, true).await?;
    Ok(Json(
        render::status(&state, Viewer(Some(me.account.id)), &row).await?,
    ))
}

pub async fn unmute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    let me = auth.user(&state, "write:mutes").await?;
    let row = statuses::mute_thread(&state, &me, &id, false).await?;
    Ok(Json(
        render::status(&state, Viewer(Some(me.account.id)), &row).await?,
    ))
}

async fn who(
    state: AppState,
    auth: Option<Auth>,
    id: String,
    uri: axum::http::Uri,
    params: PageParams,
    favourites: bool,
) -> AppResult<Paged<Account>> {
    let viewer = viewer_of(&auth, "read:statuses")?;
    let page = params.page(40, 80);
    let (accounts, cursors) =
        statuses::interacted_by(&state, viewer, &id, favourites, &page).await?;
    Ok(Paged(
        accounts,
        link_for(&state.base_url(), &uri, &page, &cursors),
    ))
}

pub async fn favourited_by(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Account>> {
    who(state, auth, id, uri, p, true).await
}

pub async fn reblogged_by(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Account>> {
    who(state, auth, id, uri, p, false).await
}
