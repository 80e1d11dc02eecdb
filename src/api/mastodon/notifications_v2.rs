//! Mastodon 4.3's notifications: grouped notifications (`/api/v2/notifications`), the
//! notification policy (`/api/v2/notifications/policy`) and notification requests
//! (`/api/v1/notifications/requests`).

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::entities::notifications::{
    GroupedNotifications, NotificationPolicy, NotificationRequest,
};
use crate::entities::Account;
use crate::error::{AppError, AppResult};
use crate::http::auth::Auth;
use crate::http::body::{parse_form, Payload};
use crate::http::lenient;
use crate::http::pagination::{link_for, PageParams, Paged};
use crate::services::notification_groups::{self as groups, Expand};
use crate::services::notification_requests::{self as requests, PolicyChange};
use crate::services::notifications::Choice;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/notifications", get(list))
        .route("/api/v2/notifications/unread_count", get(unread_count))
        .route(
            "/api/v2/notifications/policy",
            get(policy).patch(update_policy),
        )
        .route("/api/v2/notifications/{group_key}", get(show))
        .route("/api/v2/notifications/{group_key}/dismiss", post(dismiss))
        .route("/api/v2/notifications/{group_key}/accounts", get(accounts))
        .route(
            "/api/v1/notifications/policy",
            get(policy_v1).patch(update_policy_v1),
        )
        .route("/api/v1/notifications/requests", get(requests_list))
        .route("/api/v1/notifications/requests/merged", get(merged))
        .route("/api/v1/notifications/requests/accept", post(accept_many))
        .route("/api/v1/notifications/requests/dismiss", post(dismiss_many))
        .route("/api/v1/notifications/requests/{id}", get(request))
        .route("/api/v1/notifications/requests/{id}/accept", post(accept))
        .route(
            "/api/v1/notifications/requests/{id}/dismiss",
            post(dismiss_request),
        )
}

#[derive(Debug, Deserialize, Default)]
struct GroupedParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::strings")]
    types: Vec<String>,
    #[serde(default, deserialize_with = "lenient::strings")]
    exclude_types: Vec<String>,
    #[serde(default, deserialize_with = "lenient::strings")]
    grouped_types: Vec<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    expand_accounts: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    include_filtered: Option<bool>,
}

/// The query, parsed with the bracket-aware parser (`types[]`, `grouped_types[]`).
fn grouped_params(uri: &axum::http::Uri) -> AppResult<GroupedParams> {
    serde_json::from_value(parse_form(uri.query().unwrap_or("").as_bytes())?)
        .map_err(|e| AppError::bad_request(format!("Invalid query: {e}")))
}

fn from_account(p: &GroupedParams) -> AppResult<Option<i64>> {
    match p.account_id.as_deref() {
        Some(id) => Ok(Some(id.parse::<i64>().map_err(|_| AppError::not_found())?)),
        None => Ok(None),
    }
}

/// A JSON body with the page's `Link` header.
struct Linked<T>(Json<T>, Option<axum::http::HeaderValue>);

impl<T: serde::Serialize> axum::response::IntoResponse for Linked<T> {
    fn into_response(self) -> axum::response::Response {
        let mut response = self.0.into_response();
        if let Some(link) = self.1 {
            response
                .headers_mut()
                .insert(axum::http::header::LINK, link);
        }
        response
    }
}

async fn list(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
) -> AppResult<Linked<GroupedNotifications>> {
    let me = auth.user(&state, "read:notifications").await?;
    let p = grouped_params(&uri)?;
    let expand = match p.expand_accounts.as_deref() {
        None | Some("full") => Expand::Full,
        Some("partial_avatars") => Expand::PartialAvatars,
        Some(other) => {
            return Err(AppError::bad_request(format!(
                "Invalid value for 'expand_accounts': '{other}', allowed values are 'full' and 'partial_avatars'"
            )))
        }
    };
    let page = p.page.page(40, 80);
    let choice = Choice {
        types: &p.types,
        exclude: &p.exclude_types,
        from_account: from_account(&p)?,
        include_filtered: p.include_filtered.unwrap_or(false),
    };
    let (body, cursors) = groups::list(
        &state,
        me.account.id,
        choice,
        &p.grouped_types,
        expand,
        &page,
    )
    .await?;
    Ok(Linked(
        Json(body),
        link_for(&state.base_url(), &uri, &page, &cursors),
    ))
}

async fn unread_count(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "read:notifications").await?;
    let p = grouped_params(&uri)?;
    let cap = p.page.limit.unwrap_or(100).clamp(1, 1000) as i64;
    let choice = Choice {
        types: &p.types,
        exclude: &p.exclude_types,
        from_account: from_account(&p)?,
        include_filtered: false,
    };
    let count = groups::unread_count(&state, me.account.id, choice, &p.grouped_types, cap).await?;
    Ok(Json(json!({ "count": count })))
}

async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(group_key): Path<String>,
) -> AppResult<Json<GroupedNotifications>> {
    let me = auth.user(&state, "read:notifications").await?;
    groups::one(&state, me.account.id, &group_key)
        .await?
        .map(Json)
        .ok_or_else(AppError::not_found)
}

async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(group_key): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:notifications").await?;
    if !groups::dismiss(&state, me.account.id, &group_key).await? {
        return Err(AppError::not_found());
    }
    Ok(Json(json!({})))
}

async fn accounts(
    State(state): State<AppState>,
    auth: Auth,
    Path(group_key): Path<String>,
    OriginalUri(uri): OriginalUri,
) -> AppResult<Paged<Account>> {
    let me = auth.user(&state, "read:notifications").await?;
    let p = grouped_params(&uri)?;
    let page = p.page.page(40, 80);
    let (items, cursors) = groups::accounts(&state, me.account.id, &group_key, &page)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Paged(
        items,
        link_for(&state.base_url(), &uri, &page, &cursors),
    ))
}

async fn policy(State(state): State<AppState>, auth: Auth) -> AppResult<Json<NotificationPolicy>> {
    let me = auth.user(&state, "read:notifications").await?;
    Ok(Json(requests::policy(&state, me.account.id).await?))
}

#[derive(Debug, Deserialize, Default)]
struct PolicyParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    for_not_following: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    for_not_followers: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    for_new_accounts: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    for_private_mentions: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    for_limited_accounts: Option<String>,
}

async fn update_policy(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<PolicyParams>,
) -> AppResult<Json<NotificationPolicy>> {
    let me = auth.user(&state, "write:notifications").await?;
    let p = body.data;
    let change = PolicyChange {
        for_not_following: p.for_not_following,
        for_not_followers: p.for_not_followers,
        for_new_accounts: p.for_new_accounts,
        for_private_mentions: p.for_private_mentions,
        for_limited_accounts: p.for_limited_accounts,
    };
    Ok(Json(
        requests::update_policy(&state, me.account.id, change).await?,
    ))
}

/// 4.3's v1 policy, in booleans: a rule that filters or drops reads `true`.
fn v1_policy(p: NotificationPolicy) -> Value {
    let on = |rule: &str| rule != "accept";
    json!({
        "filter_not_following": on(&p.for_not_following),
        "filter_not_followers": on(&p.for_not_followers),
        "filter_new_accounts": on(&p.for_new_accounts),
        "filter_private_mentions": on(&p.for_private_mentions),
        "summary": p.summary,
    })
}

async fn policy_v1(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "read:notifications").await?;
    Ok(Json(v1_policy(
        requests::policy(&state, me.account.id).await?,
    )))
}

#[derive(Debug, Deserialize, Default)]
struct PolicyParamsV1 {
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    filter_not_following: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    filter_not_followers: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    filter_new_accounts: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    filter_private_mentions: Option<bool>,
}

/// `PATCH /api/v1/notifications/policy`: `true` filters, `false` accepts.
async fn update_policy_v1(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<PolicyParamsV1>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:notifications").await?;
    let p = body.data;
    let rule = |b: Option<bool>| b.map(|on| if on { "filter" } else { "accept" }.to_string());
    let change = PolicyChange {
        for_not_following: rule(p.filter_not_following),
        for_not_followers: rule(p.filter_not_followers),
        for_new_accounts: rule(p.filter_new_accounts),
        for_private_mentions: rule(p.filter_private_mentions),
        for_limited_accounts: None,
    };
    Ok(Json(v1_policy(
        requests::update_policy(&state, me.account.id, change).await?,
    )))
}

async fn requests_list(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
) -> AppResult<Paged<NotificationRequest>> {
    let me = auth.user(&state, "read:notifications").await?;
    let p = grouped_params(&uri)?;
    let page = p.page.page(40, 80);
    let (items, cursors) = requests::list(&state, me.account.id, &page).await?;
    Ok(Paged(
        items,
        link_for(&state.base_url(), &uri, &page, &cursors),
    ))
}

fn request_id(id: &str) -> AppResult<i64> {
    id.parse().map_err(|_| AppError::not_found())
}

async fn request(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<NotificationRequest>> {
    let me = auth.user(&state, "read:notifications").await?;
    requests::one(&state, me.account.id, request_id(&id)?)
        .await?
        .map(Json)
        .ok_or_else(AppError::not_found)
}

async fn accept(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:notifications").await?;
    if !requests::accept(&state, me.account.id, &[request_id(&id)?]).await? {
        return Err(AppError::not_found());
    }
    Ok(Json(json!({})))
}

async fn dismiss_request(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:notifications").await?;
    if !requests::dismiss(&state, me.account.id, &[request_id(&id)?]).await? {
        return Err(AppError::not_found());
    }
    Ok(Json(json!({})))
}

#[derive(Debug, Deserialize, Default)]
struct ManyParams {
    #[serde(default, deserialize_with = "lenient::strings")]
    id: Vec<String>,
}

/// The ids of a bulk request; ids that are not numbers match nothing, as Mastodon's.
fn ids_of(p: ManyParams) -> Vec<i64> {
    p.id.iter().filter_map(|i| i.parse().ok()).collect()
}

async fn accept_many(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<ManyParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:notifications").await?;
    requests::accept(&state, me.account.id, &ids_of(body.data)).await?;
    Ok(Json(json!({})))
}

async fn dismiss_many(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<ManyParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:notifications").await?;
    requests::dismiss(&state, me.account.id, &ids_of(body.data)).await?;
    Ok(Json(json!({})))
}

/// Whether the notifications of accepted requests have joined the list: Herd merges them in
/// the accepting transaction, so always.
async fn merged(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Value>> {
    auth.user(&state, "read:notifications").await?;
    Ok(Json(json!({ "merged": true })))
}
