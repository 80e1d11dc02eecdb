//! Mastodon 4.5's quote endpoints: a post's quotes, revoking one, and a post's interaction
//! policy. Quoting itself is `POST /api/v1/statuses` with `quoted_status_id`.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;

use crate::entities::Status;
use crate::error::AppResult;
use crate::http::auth::Auth;
use crate::http::body::Payload;
use crate::http::lenient;
use crate::http::pagination::{link_for, PageParams, Paged};
use crate::services::quotes;
use crate::services::render::{self, Viewer};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/statuses/{id}/quotes", get(list))
        .route(
            "/api/v1/statuses/{id}/quotes/{quoting_status_id}/revoke",
            post(revoke),
        )
        .route(
            "/api/v1/statuses/{id}/interaction_policy",
            put(interaction_policy),
        )
}

/// `GET /api/v1/statuses/:id/quotes`: the accepted quotes of one's own post.
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> AppResult<Paged<Status>> {
    let me = auth.user(&state, "read:statuses").await?;
    let page = p.page(20, 40);
    let (statuses, cursors) = quotes::list(&state, &me, &id, &page).await?;
    Ok(Paged(
        statuses,
        link_for(&state.base_url(), &uri, &page, &cursors),
    ))
}

/// `POST /api/v1/statuses/:id/quotes/:quoting_status_id/revoke`: answers the quoting post.
pub async fn revoke(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, quoting)): Path<(String, String)>,
) -> AppResult<Json<Status>> {
    let me = auth.user(&state, "write:statuses").await?;
    let row = quotes::revoke(&state, &me, &id, &quoting).await?;
    Ok(Json(
        render::status(&state, Viewer(Some(me.account.id)), &row).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct InteractionPolicy {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    quote_approval_policy: Option<String>,
}

/// `PUT /api/v1/statuses/:id/interaction_policy`.
pub async fn interaction_policy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<InteractionPolicy>,
) -> AppResult<Json<Status>> {
    let me = auth.user(&state, "write:statuses").await?;
    let policy = body.data.quote_approval_policy.unwrap_or_default();
    let row = quotes::set_policy(&state, &me, &id, &policy).await?;
    Ok(Json(
        render::status(&state, Viewer(Some(me.account.id)), &row).await?,
    ))
}
